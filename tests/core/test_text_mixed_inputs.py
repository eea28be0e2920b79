"""One table with a text column, a numeric and a categorical column, read by two Inputs.

The label needs both: the text names a topic and the numeric + categorical columns decide
between its two classes, so a network that reads only one Input cannot reach a high
accuracy. Training, ONNX export (verified by the exporter) and prediction from the raw CSV
must all take the three kinds of column together.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from core.project import Project

TOPICS = {"cooking": ["pan", "oven", "salt", "recipe", "bake"],
          "travel": ["train", "hotel", "ticket", "beach", "map"]}
FILLER = ["the", "a", "very", "and", "my", "it", "was", "then"]


def _table(path: Path, rows: int = 400, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["note", "price", "colour", "label"])
        for _ in range(rows):
            topic = rng.choice(sorted(TOPICS))
            words = rng.sample(TOPICS[topic], 2) + rng.sample(FILLER, 3)
            rng.shuffle(words)
            price = rng.uniform(0, 10)
            colour = rng.choice(["red", "blue"])
            high = (price > 5) != (colour == "blue")
            out.writerow([" ".join(words), f"{price:.2f}", colour, f"{topic}-{'high' if high else 'low'}"])
    return path


def _project(data: Path) -> Project:
    nodes = [
        {"id": "words", "type": "Input", "params": {"columns": ["note"]}, "pos": [0, 0]},
        {"id": "embed", "type": "Embedding", "params": {"embedding_dim": 8, "padding_idx": 0}, "pos": [1, 0]},
        {"id": "bag", "type": "SequencePool", "params": {"mode": "mean"}, "pos": [2, 0]},
        {"id": "facts", "type": "Input", "params": {"columns": ["price", "colour"]}, "pos": [0, 1]},
        {"id": "mix", "type": "Linear", "params": {"out_features": 16}, "pos": [1, 1]},
        {"id": "act", "type": "ReLU", "params": {}, "pos": [2, 1]},
        {"id": "cat", "type": "Concat", "params": {}, "pos": [3, 0]},
        {"id": "hidden", "type": "Linear", "params": {"out_features": 32}, "pos": [4, 0]},
        {"id": "act2", "type": "ReLU", "params": {}, "pos": [5, 0]},
        {"id": "out", "type": "Output", "params": {}, "pos": [6, 0]},
    ]
    edges = [("words", "embed"), ("embed", "bag"), ("words", "bag", 1), ("facts", "mix"),
             ("mix", "act"), ("bag", "cat", 0), ("act", "cat", 1), ("cat", "hidden"),
             ("hidden", "act2"), ("act2", "out")]
    return Project.from_dict({
        "format": "layerforge.project", "format_version": 3, "name": "mixed kinds",
        "graph": {"nodes": nodes, "edges": [
            {"source": e[0], "target": e[1], **({"target_port": e[2]} if len(e) > 2 else {})}
            for e in edges]},
        "data": {"kind": "csv", "path": str(data), "target": "label",
                 "categorical": ["colour"], "text": ["note"]},
        "training": {"epochs": 40, "batch_size": 32, "learning_rate": 0.01, "seed": 0,
                     "early_stopping": None, "device": "cpu"},
    }, path=data.parent / "mixed.lfproj")


@pytest.mark.slow
def test_text_numeric_and_categorical_columns_train_export_and_predict_together(tmp_path):
    from core.data import load
    from core.export.exporter import export_run
    from core.export.predict import predict_file
    from core.train.setup import prepare

    data = _table(tmp_path / "mixed.csv")
    project = _project(data)
    dataset = load(project.data, project.directory)
    assert set(dataset.info.feature_columns) == {"note", "price", "colour"}
    result = prepare(project, dataset, run_dir=tmp_path / "run").fit()
    # four classes; the text alone or the numbers alone can reach about 0.5 at best
    assert result.final["val_accuracy"] > 0.85

    results = export_run(tmp_path / "run", ["onnx"], tmp_path / "model.onnx")
    assert all(r.ok for r in results), [r.error for r in results]

    fresh = _table(tmp_path / "fresh.csv", rows=60, seed=1)
    from_run = predict_file(tmp_path / "run", fresh)
    from_onnx = predict_file(tmp_path / "model.onnx", fresh)
    np.testing.assert_allclose(from_onnx.outputs, from_run.outputs, rtol=1e-4, atol=1e-5)
    with open(fresh, newline="", encoding="utf-8") as handle:
        truth = [row["label"] for row in csv.DictReader(handle)]
    label = from_run.header.index("label") if "label" in from_run.header else 1
    correct = sum(row[label] == want for row, want in zip(from_run.rows, truth))
    assert correct / len(truth) > 0.8, from_run.header
