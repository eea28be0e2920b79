"""Each shipped example's metrics after a short run on the CPU with its fixed seed.

``python -m tests.core.pinned.example_metrics > tests/core/pinned/example_metrics.json``
writes them; ``test_examples_pinned.py`` compares a fresh run with that file, so a
change of the spine (registries, heads, the trainer) that changes what an existing
project learns is seen. The runs are short (two epochs, 256 samples) so that the check
costs seconds, not the examples' full training.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "resources" / "examples"
#: What every pinned run changes in its example: short and small, still on its own data kind.
OVERRIDES = {"epochs": 2, "device": "cpu", "precision": "float32"}
SAMPLES = 256
#: The metrics.csv columns compared (timing columns differ from run to run).
KEYS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "val_mae", "val_rmse")


def example_metrics(path: Path, folder: Path) -> dict[str, float]:
    """The last epoch's metrics of ``path`` trained as :data:`OVERRIDES` says."""
    import torch

    from core.data import load
    from core.project import Project
    from core.train.setup import prepare

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same reductions on every machine
    try:
        project = Project.load(path)
        data = dict(project.data)
        if data.get("kind") == "builtin":
            data["samples"] = SAMPLES
        project.data = data
        dataset = load(project.data, project.directory)
        result = prepare(project, dataset, overrides=OVERRIDES, run_dir=folder / path.stem).fit()
    finally:
        torch.set_num_threads(threads)
    row = result.final or {}
    return {key: float(row[key]) for key in KEYS if key in row}


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        pinned = {path.name: example_metrics(path, Path(folder))
                  for path in sorted(EXAMPLES.glob("*.lfproj"))}
    json.dump(pinned, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
