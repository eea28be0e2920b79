"""Fine-tuning a pretrained CNN against the same network trained from scratch, on little data.

Run: ``.venv/bin/python -m tests.bench.bench_finetune [--per-class 20] [--seeds 3]``.

Three arms train ``resources/examples/finetune_glyphs.lfproj``'s network on the same image
folder of ``per-class`` images per class (new glyphs drawn by
:mod:`tests.core.data.make_glyphs`, not the shipped ones) with the example's settings:

- fine-tuned (frozen only): as shipped, weights from ``shapes_cnn.safetensors`` (pretrained
  on the built-in shapes), the convolutions and the hidden Linear frozen, a fresh Output;
- two-stage: the same, then from half-way (``training.unfreeze_at_epoch``) the frozen
  layers train too, at the learning rate × 0.1 (the Fine-tune dialog's default);
- from scratch: the same project without ``init_from`` and with nothing frozen.

Each is scored on 100 held-out glyphs per class with ``layerforge predict``'s code. Target
(issue 15): the fine-tuned network beats the one trained from scratch. Prints the three
accuracies per seed (training and split seed) and the medians.
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


ARMS = ("frozen", "two-stage", "scratch")


def arm(folder: Path, data: Path, seed: int, kind: str):
    """The example's project for one arm: ``frozen`` (as shipped), ``two-stage`` or ``scratch``."""
    from core.project import Project
    from core.train.unfreeze import DEFAULT_FACTOR, default_unfreeze_epoch

    project = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    project["data"]["path"] = str(data)
    project["data"]["split"] = {"seed": seed}
    training = project["training"]
    training.update(seed=seed, device="cpu")
    if kind == "scratch":
        training.pop("init_from")
        for node in project["graph"]["nodes"]:
            node.pop("trainable", None)
    else:
        training["init_from"] = str(EXAMPLE.parent / training["init_from"])
    if kind == "two-stage":
        training.update(unfreeze_at_epoch=default_unfreeze_epoch(training["epochs"]),
                        unfreeze_learning_rate_factor=DEFAULT_FACTOR)
    return Project.from_dict(project, path=folder / f"{kind}-{seed}.lfproj")


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
        print(f"{'seed':>4}  " + "  ".join(f"{name:>10}" for name in ARMS))
        scores: dict[str, list[float]] = {name: [] for name in ARMS}
        for seed in range(args.seeds):
            data = write(folder / f"train{seed}", args.per_class, seed=100 + seed)
            for kind in ARMS:
                project = arm(folder, data, seed, kind)
                run_dir = folder / f"run-{seed}-{kind}"
                prepare(project, load(project.data, project.directory), run_dir=run_dir).fit()
                scores[kind].append(accuracy(run_dir, test))
            print(f"{seed:>4}  " + "  ".join(f"{scores[name][-1]:>10.3f}" for name in ARMS))
        median = {name: statistics.median(values) for name, values in scores.items()}
        print("median: " + ", ".join(f"{name} {median[name]:.3f}" for name in ARMS))
        a, b = median["frozen"], median["scratch"]
        print(f"fine-tuning (frozen) {'wins' if a > b else 'does NOT win'} against scratch by"
              f" {100 * (a - b):+.1f} points; two-stage against frozen only:"
              f" {100 * (median['two-stage'] - a):+.1f} points")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
