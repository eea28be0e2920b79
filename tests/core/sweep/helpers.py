"""Tiny sweepable projects: a small MLP on 120 generated points, 2-3 epochs per trial."""

from __future__ import annotations

import json
from pathlib import Path

from core.project import Project
from tests.core.train import tiny

LAYERS = (("fc1", "Linear", {"out_features": 8}), ("relu1", "ReLU", {}),
          ("drop1", "Dropout", {"p": 0.1}), ("fc2", "Linear", {"out_features": 8}))
PARAMETERS = {"learning_rate": {"low": 0.001, "high": 0.1, "log": True},
              "fc1.out_features": {"low": 4, "high": 32}}


def sweep_project(tmp_path: Path, parameters=None, layers=LAYERS, training=None, **section) -> Project:
    """The project saved as ``tmp_path/tiny.lfproj`` with a sweep section."""
    project = tiny.project(None, layers=layers,
                           training=training or {"epochs": 2, "batch_size": 32, "seed": 0})
    project.set_sweep({"parameters": parameters or PARAMETERS, "trials": 4, **section})
    project.save(tmp_path / "tiny.lfproj")
    return project


def run_folders(runs: Path) -> list[Path]:
    return sorted(p for p in runs.glob("sweep-*/trial-*") if (p / "run.json").is_file())


def run_json(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text())
