"""A run that completed but learnt nothing useful says so (core/train/run_warnings.py)."""

from __future__ import annotations

from core.cli import main
from core.train.run_warnings import training_warning
from tests.core.train.test_cli_train import SAMPLES
from tests.core.train.tiny import project


def rows(losses, **last):
    history = [{"epoch": i + 1, "train_loss": v, "learning_rate": 0.5} for i, v in enumerate(losses)]
    history[-1].update(last)
    return history


def test_a_loss_that_grew_a_hundredfold_or_a_hopeless_r2_is_a_warning():
    grew = training_warning(rows([1.0, 0.2, 0.5, 30.0]))
    assert grew.startswith("warning: the training loss ended 150 times higher than its lowest (epoch 2)")
    assert "learning rate (0.5) is probably too high" in grew
    r2 = training_warning(rows([5.0, 4.0], val_r2=-3e13))
    assert "validation R² is -3e+13, far worse than predicting the mean" in r2
    # ordinary runs: nothing to say
    assert training_warning(rows([1.0, 0.5, 0.6, 0.4], val_r2=0.3)) is None
    assert training_warning(rows([1.0, 50.0])) is None  # grew, but not a hundredfold
    assert training_warning(rows([0.5], val_r2=-2.0)) is None  # poor, not hopeless
    assert training_warning([]) is None


def test_a_run_that_blew_up_without_an_infinite_loss_completes_with_the_warning(tmp_path, capsys):
    data = {"kind": "csv", "path": str(SAMPLES / "flowers.csv"), "target": "petal_width"}
    path = project(tmp_path, data=data, training={"optimizer": "adam", "learning_rate": 100.0,
                                                  "epochs": 4, "seed": 0}).path
    assert main(["train", str(path), "--run-dir", str(tmp_path / "run"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "warning: " in out and "the learning rate (100) is probably too high" in out
