"""Fine-tuning a pretrained CNN against the same network trained from scratch, on little data.

Run: ``.venv/bin/python -m tests.bench.bench_finetune [--per-class 20] [--seeds 3]``.

Both arms train ``resources/examples/finetune_glyphs.lfproj``'s network on the same image
folder of ``per-class`` images per class (new glyphs drawn by
:mod:`tests.core.data.make_glyphs`, not the shipped ones) with the example's settings:

- fine-tuned: as shipped, weights from ``shapes_cnn.safetensors`` (pretrained on the
  built-in shapes), the convolutions and the hidden Linear frozen, a fresh Output;
- from scratch: the same project without ``init_from`` and with nothing frozen.

Each is scored on 100 held-out glyphs per class with ``layerforge predict``'s code. Target
(issue 15): the fine-tuned network beats the one trained from scratch. Prints both accuracies
per seed (training and split seed) and the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "resources" / "examples" / "finetune_glyphs.lfproj"


def arm(folder: Path, data: Path, seed: int, pretrained: bool):
    from core.project import Project

    project = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    project["data"]["path"] = str(data)
    project["data"]["split"] = {"seed": seed}
    project["training"].update(seed=seed, device="cpu")
    if pretrained:
        project["training"]["init_from"] = str(EXAMPLE.parent / project["training"]["init_from"])
    else:
        project["training"].pop("init_from")
        for node in project["graph"]["nodes"]:
            node.pop("trainable", None)
    name = "finetuned" if pretrained else "scratch"
    return Project.from_dict(project, path=folder / f"{name}-{seed}.lfproj")


def accuracy(run_dir: Path, test: Path) -> float:
    from core.export.predict import predict_file

    table = predict_file(run_dir, test)
    column = table.header.index("prediction")
    right = sum(Path(row[0]).parent.name == row[column] for row in table.rows)
    return right / len(table.rows)


def main(argv: list[str] | None = None) -> int:
    from core.data import load
    from core.train.setup import prepare
    from tests.core.data.make_glyphs import write

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        test = write(folder / "test", 100, seed=1000)
        print(f"{args.per_class} images per class to train on (20% of them for validation),"
              " 100 per class to score; example settings, CPU")
        print(f"{'seed':>4}  {'fine-tuned':>10}  {'scratch':>8}")
        tuned, scratch = [], []
        for seed in range(args.seeds):
            data = write(folder / f"train{seed}", args.per_class, seed=100 + seed)
            scores = []
            for pretrained in (True, False):
                project = arm(folder, data, seed, pretrained)
                run_dir = folder / f"run-{seed}-{pretrained}"
                prepare(project, load(project.data, project.directory), run_dir=run_dir).fit()
                scores.append(accuracy(run_dir, test))
            tuned.append(scores[0])
            scratch.append(scores[1])
            print(f"{seed:>4}  {scores[0]:>10.3f}  {scores[1]:>8.3f}")
        a, b = statistics.median(tuned), statistics.median(scratch)
        print(f"median: fine-tuned {a:.3f}, from scratch {b:.3f}:"
              f" {'fine-tuning wins' if a > b else 'fine-tuning does NOT win'} by {100 * (a - b):+.1f} points")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
