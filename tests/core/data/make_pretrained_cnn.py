"""The pretrained weights the fine-tuning example starts from: a small CNN trained on the
built-in ``shapes`` images (circle, square, triangle), saved as safetensors beside it.

``python -m tests.core.data.make_pretrained_cnn`` trains :func:`pretrain_project` and writes
``resources/examples/shapes_cnn.safetensors``. The fine-tuning example has the same layers
with the same node ids, so ``training.init_from`` loads all of them but the Output (three
shapes there, four glyphs here), which starts fresh.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
WEIGHTS = ROOT / "resources" / "examples" / "shapes_cnn.safetensors"
EXAMPLE = ROOT / "resources" / "examples" / "finetune_glyphs.lfproj"


def pretrain_project(folder: Path):
    """The fine-tuning example's network on 3,000 built-in shapes images."""
    from core.project import Project

    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["name"] = "Shapes CNN (pretraining)"
    for node in data["graph"]["nodes"]:
        node.pop("trainable", None)
    data["data"] = {"kind": "builtin", "name": "shapes", "samples": 3000, "noise": 0.05, "seed": 1}
    data["training"] = {"epochs": 8, "batch_size": 64, "optimizer": "adam", "learning_rate": 0.002,
                        "seed": 0, "device": "cpu"}
    return Project.from_dict(data, path=folder / "pretrain.lfproj")


def main(out: Path = WEIGHTS) -> Path:
    from core.data import load
    from core.train.setup import prepare

    with tempfile.TemporaryDirectory() as tmp:
        project = pretrain_project(Path(tmp))
        result = prepare(project, load(project.data, project.directory), run_dir=Path(tmp) / "run").fit()
        print(f"pretrained: validation accuracy {result.best['val_accuracy']:.3f}")
        shutil.copyfile(Path(tmp) / "run" / "model.safetensors", out)
    return out


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else WEIGHTS))
