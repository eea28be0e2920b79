"""Small projects for the export tests: CSV tables (classification, regression) and images.

Each is written to a folder with its data and trained from the command line (in this
process, through ``core.cli.main``) for an epoch or two: enough to have real weights.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.cli import main as cli
from tests.conftest import EXAMPLES

COLOURS = ("red", "green", "blue")
CITIES = [f"city{i:02d}" for i in range(25)]  # more than 20 categories: encoded as codes


def write_table(path: Path, rows: int = 160, seed: int = 0) -> Path:
    """Numeric, categorical (one-hot and codes) and target columns, with a few missing cells."""
    rng = np.random.default_rng(seed)
    a = rng.normal(10, 3, rows)
    b = rng.uniform(-1, 1, rows)
    colour = rng.choice(COLOURS, rows)
    city = rng.choice(CITIES, rows)
    score = a / 3 + 2 * b + (colour == "red") * 1.5
    label = np.where(score < 3.3, "cat", np.where(score < 4.3, "dog", "fox"))
    price = 1000 * a - 400 * b + 900 * (colour == "blue") + rng.normal(0, 50, rows)
    lines = ["id,a,b,colour,city,note,label,price"]
    for i in range(rows):
        cells = [str(i), f"{a[i]:.4f}", f"{b[i]:.4f}", colour[i], city[i], "x", label[i], f"{price[i]:.2f}"]
        if i % 37 == 5:
            cells[1] = ""  # a missing number
        if i % 41 == 7:
            cells[3] = "NA"  # a missing category
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table_project(folder: Path, target: str, name: str) -> Path:
    """An MLP project on ``table.csv`` predicting ``target`` (classification or regression)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_table(folder / "table.csv")
    project = {
        "format": "layerforge.project", "format_version": 1, "name": name,
        "graph": {"nodes": [{"id": "input", "type": "Input", "params": {}},
                            {"id": "hidden", "type": "Linear", "params": {"out_features": 16}},
                            {"id": "act", "type": "ReLU", "params": {}},
                            {"id": "output", "type": "Output", "params": {}}],
                  "edges": [{"source": "input", "target": "hidden"}, {"source": "hidden", "target": "act"},
                            {"source": "act", "target": "output"}]},
        "data": {"kind": "csv", "path": "table.csv", "target": target,
                 "ignore": ["id", "note", "price" if target == "label" else "label"]},
        "training": {"epochs": 2, "batch_size": 32, "learning_rate": 0.01},
    }
    path = folder / f"{name}.lfproj"
    path.write_text(json.dumps(project, indent=1), encoding="utf-8")
    return path


def image_project(folder: Path) -> Path:
    """A small CNN on an RGB image folder (PNG and JPEG, resized to 16×16)."""
    from tests.core.data.images import make_folder

    make_folder(folder / "images", {"circle": 6, "square": 6, "triangle": 6}, size=(24, 32))
    make_folder(folder / "images", {"circle": 2, "square": 2}, size=(40, 30), fmt="JPEG")
    project = {
        "format": "layerforge.project", "format_version": 1, "name": "Image shapes",
        "graph": {"nodes": [{"id": "input", "type": "Input", "params": {}},
                            {"id": "conv", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3}},
                            {"id": "act", "type": "ReLU", "params": {}},
                            {"id": "pool", "type": "MaxPool2d", "params": {"kernel_size": 2}},
                            {"id": "flat", "type": "Flatten", "params": {}},
                            {"id": "output", "type": "Output", "params": {}}],
                  "edges": [{"source": "input", "target": "conv"}, {"source": "conv", "target": "act"},
                            {"source": "act", "target": "pool"}, {"source": "pool", "target": "flat"},
                            {"source": "flat", "target": "output"}]},
        "data": {"kind": "image_folder", "path": "images", "image_size": [16, 16], "color": "rgb"},
        "training": {"epochs": 1, "batch_size": 8},
    }
    path = folder / "image_shapes.lfproj"
    path.write_text(json.dumps(project, indent=1), encoding="utf-8")
    return path


def small_example(name: str, folder: Path, samples: int = 240) -> Path:
    """A copy of an example project with fewer samples (same network), to train quickly."""
    from core.project import rebase_paths, rebase_training

    project = json.loads((EXAMPLES / f"{name}.lfproj").read_text(encoding="utf-8"))
    if (project.get("data") or {}).get("kind") == "builtin":
        project["data"]["samples"] = min(samples, project["data"].get("samples", samples))
    folder.mkdir(parents=True, exist_ok=True)
    if project.get("data"):  # a shipped CSV (resources/sample_data) stays the same file
        project["data"] = rebase_paths(project["data"], EXAMPLES, folder.resolve())
    project["training"] = rebase_training(project.get("training") or {}, EXAMPLES, folder.resolve())
    path = folder / f"{name}.lfproj"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


def train(project: Path, run_dir: Path, epochs: int = 1) -> Path:
    """Train from the command line (in this process); the run folder."""
    code = cli(["train", str(project), "--epochs", str(epochs), "--run-dir", str(run_dir), "--quiet"])
    assert code == 0, f"training {project.name} failed with exit code {code}"
    return run_dir


def sequence_project(folder: Path, rows: int = 200) -> Path:
    """An LSTM on a daily series stored out of order (windows of 12 rows, sorted by date)."""
    import datetime

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    start = datetime.date(2020, 1, 1)
    lines = ["date,temp,wind,load"]
    for i in rng.permutation(rows):
        temp, wind = 10 + 5 * np.sin(i / 10) + rng.normal(0, 0.3), rng.random()
        lines.append(f"{start + datetime.timedelta(days=int(i))},{temp:.3f},{wind:.3f},{2 * temp + wind:.3f}")
    (folder / "series.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = {
        "format": "layerforge.project", "format_version": 1, "name": "Series",
        "graph": {"nodes": [{"id": "input", "type": "Input", "params": {}},
                            {"id": "lstm", "type": "LSTM", "params": {"hidden_size": 8}},
                            {"id": "output", "type": "Output", "params": {}}],
                  "edges": [{"source": "input", "target": "lstm"}, {"source": "lstm", "target": "output"}]},
        "data": {"kind": "csv", "path": "series.csv", "target": "load",
                 "sequence": {"window": 12, "horizon": 1, "order_by": "date"}},
        "training": {"epochs": 1},
    }
    path = folder / "series.lfproj"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path
