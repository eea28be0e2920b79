"""The example projects learn with their default settings (issue 5's "done when")."""

from __future__ import annotations

import pytest

from core.data import load
from core.project import Project
from core.resources import examples_dir
from core.train import prepare


@pytest.mark.slow
@pytest.mark.parametrize("name, accuracy", [("spiral_mlp", 0.95), ("lenet_shapes", 0.95),
                                            ("lstm_sine", 0.9)])
def test_example_reaches_its_accuracy(tmp_path, name, accuracy):
    project = Project.load(examples_dir() / f"{name}.lfproj")
    result = prepare(project, load(project.data, project.directory), run_dir=tmp_path / "run").fit()
    assert result.status == "completed"
    assert result.best["val_accuracy"] >= accuracy, result.best
