"""An imported model works like a trained one without training: it predicts, exports and
fine-tunes (``training.init_from``) from the run folder the import wrote."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from torch import nn

from core.cli import main as cli
from core.importers.api import import_model
from core.importers.checking import onnx_outputs
from tests.core.importers.models import to_onnx


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        return torch.softmax(self.out(torch.relu(self.hidden(x))), dim=1)


@pytest.fixture
def imported(tmp_path):
    torch.manual_seed(3)
    source = to_onnx(Classifier(), (4,), tmp_path / "classifier.onnx")
    return source, import_model(source, tmp_path / "work" / "classifier.lfproj")


def _table(path, rows: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 4)).astype(np.float32)
    labels = np.array(["class_0", "class_1", "class_2"])[rng.integers(0, 3, rows)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x0", "x1", "x2", "x3", "label"])
        for row, label in zip(x, labels):
            writer.writerow([f"{v:.6f}" for v in row] + [label])
    return np.array([[float(f"{v:.6f}") for v in row] for row in x], np.float32)


def test_the_imported_run_predicts_from_a_table_without_training(imported, tmp_path, capsys):
    source, result = imported
    x = _table(tmp_path / "new.csv")
    out = tmp_path / "predictions.csv"
    assert cli(["predict", str(result.run_dir), "--data", str(tmp_path / "new.csv"), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    probabilities = np.array([[float(r[f"prob_class_{k}"]) for k in range(3)] for r in rows])
    np.testing.assert_allclose(probabilities, onnx_outputs(source, [x])[0], atol=1e-5)


def test_the_imported_run_exports_and_verifies(imported, tmp_path, capsys):
    _, result = imported
    assert cli(["export", str(result.run_dir), "--format", "onnx", "--out", str(tmp_path / "again.onnx")]) == 0
    assert capsys.readouterr().out.startswith("onnx: verified, max difference")


@pytest.mark.slow
def test_training_the_imported_project_starts_from_the_imported_weights(imported, tmp_path, capsys):
    _, result = imported
    _table(result.project_path.parent / "train.csv", rows=60, seed=1)
    project = json.loads(result.project_path.read_text(encoding="utf-8"))
    project["data"] = {"kind": "csv", "path": "train.csv", "target": "label"}
    project["training"].update({"epochs": 1, "batch_size": 16})
    result.project_path.write_text(json.dumps(project), encoding="utf-8")
    run = tmp_path / "fine-tuned"
    assert cli(["train", str(result.project_path), "--run-dir", str(run), "--quiet"]) == 0, capsys.readouterr()
    notes = json.loads((run / "run.json").read_text(encoding="utf-8"))["notes"]
    assert any(n.startswith("init_from: loaded 4 of 4 tensors") for n in notes), notes
