"""Sanity experiments: each trains for real and its verdict follows what the training shows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli import main
from core.diagnose import DIAGNOSES, run_all
from core.diagnose.base import PASS, WARN
from core.diagnose.lr_range import suggestion
from tests.core.train import tiny

NOISY_3_CLASSES = {"kind": "builtin", "name": "gaussian", "samples": 120, "classes": 3, "noise": 2.0,
                   "seed": 0}


def _quiet(*_args) -> None:
    pass


def test_a_network_that_can_learn_memorises_one_batch():
    project = tiny.project()
    result = DIAGNOSES.get("overfit").run(project, tiny.dataset(project), _quiet)
    assert result.status == PASS and "The network can learn" in result.verdict
    assert result.facts["last_loss"] <= 0.1 * result.facts["first_loss"] or result.facts["accuracy"] == 1.0


def test_a_one_unit_bottleneck_cannot_memorise_noisy_classes_and_the_verdict_blames_the_design():
    project = tiny.project(layers=(("fc1", "Linear", {"out_features": 1}),), data=NOISY_3_CLASSES)
    result = DIAGNOSES.get("overfit").run(project, tiny.dataset(project), _quiet)
    assert result.status == WARN
    assert "the problem is in the design or the loss, not the data" in result.verdict
    assert len(result.curves[0].y) == 200


def test_the_suggested_rate_is_a_tenth_of_the_lowest_loss():
    rates = list(np.logspace(-6, 1, 50))
    losses = [1.0] * 20 + [1.0 - 0.03 * i for i in range(20)] + [0.4 + 0.2 * i for i in range(10)]
    rate, why = suggestion(rates, losses)
    assert rate == pytest.approx(rates[40] / 10) and "lowest" in why  # 0.4 at index 40
    assert suggestion(rates, [1.0] * 50)[0] is None  # a flat loss suggests nothing


def test_the_range_test_sweeps_rates_upwards_and_suggests_one_within_them():
    project = tiny.project()
    result = DIAGNOSES.get("lr_range").run(project, tiny.dataset(project), _quiet)
    rates = result.curves[0].x
    assert rates[0] == pytest.approx(1e-7) and all(b > a for a, b in zip(rates, rates[1:]))
    assert result.log_x and 1e-7 < result.facts["suggested"] < 10
    assert f"{result.facts['current']:g}" in result.verdict


def test_the_data_size_check_trains_on_three_shares_and_needs_a_validation_split():
    project = tiny.project()
    result = DIAGNOSES.get("data_size").run(project, tiny.dataset(project), _quiet)
    train_rows = len(tiny.dataset(project).train.x)
    assert result.facts["rows"] == [round(0.1 * train_rows), round(0.3 * train_rows), train_rows]
    assert len(result.curves) == 2 and all(np.isfinite(result.curves[1].y))
    # 24 validation samples: the verdict is a hint, and says so
    assert result.status == WARN and "only 24 validation samples" in result.verdict
    assert "take this as a hint" in result.verdict
    larger = tiny.project(data={**NOISY_3_CLASSES, "samples": 400})
    result = DIAGNOSES.get("data_size").run(larger, tiny.dataset(larger), _quiet)
    assert "validation samples" not in result.verdict
    none = tiny.project(data={**NOISY_3_CLASSES, "split": {"validation": 0}})
    result = DIAGNOSES.get("data_size").run(none, tiny.dataset(none), _quiet)
    assert result.status == WARN and "no validation split" in result.verdict


@pytest.mark.slow
def test_the_command_prints_a_verdict_each_and_writes_plots(tmp_path, capsys):
    project = tiny.project(tmp_path)
    assert main(["diagnose", str(project.path), "--out", str(tmp_path / "diag"), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0][5:] for line in out[:3]] == [
        "Learning-rate range test", "Overfit one batch", "More data or a bigger network?"]
    saved = json.loads((tmp_path / "diag" / "diagnosis.json").read_text())
    assert [d["name"] for d in saved] == ["lr_range", "overfit", "data_size"]
    assert (tmp_path / "diag" / "overfit.png").stat().st_size > 1000
    assert main(["diagnose", str(project.path), "--only", "lr"]) == 2
    assert "unknown diagnosis 'lr'" in capsys.readouterr().err
    assert [r.name for r in run_all(project, ["overfit"])] == ["overfit"]
