"""The example projects learn with their default settings (issue 5's "done when")."""

from __future__ import annotations

import csv

import pytest

from core.data import load
from core.project import Project
from core.resources import examples_dir
from core.train import prepare


@pytest.mark.slow
@pytest.mark.parametrize("name, accuracy", [("spiral_mlp", 0.95), ("lenet_shapes", 0.95),
                                            ("lstm_sine", 0.9), ("flowers_wide_deep", 0.95),
                                            ("autoencoder_classifier", 0.85)])
def test_example_reaches_its_accuracy(tmp_path, name, accuracy):
    project = Project.load(examples_dir() / f"{name}.lfproj")
    result = prepare(project, load(project.data, project.directory), run_dir=tmp_path / "run").fit()
    assert result.status == "completed"
    assert result.best["val_accuracy"] >= accuracy, result.best


@pytest.mark.slow
def test_the_autoencoder_with_a_classifier_learns_both_heads(tmp_path):
    """Two Outputs: each one's own loss is recorded and falls (the rebuilt images too)."""
    project = Project.load(examples_dir() / "autoencoder_classifier.lfproj")
    result = prepare(project, load(project.data, project.directory), run_dir=tmp_path / "run").fit()
    assert result.status == "completed"
    with open(result.run_dir / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for head in ("shape", "rebuilt"):
        first, last = float(rows[0][f"val_loss_{head}"]), float(rows[-1][f"val_loss_{head}"])
        assert last < 0.8 * first, (head, first, last)
