"""``layerforge sweep`` in this process: real trials, real Optuna, real run folders."""

from __future__ import annotations

import optuna
import pytest

from core.cli import main
from core.project import Project
from core.sweep.spec import check_sweep, study_name
from core.sweep.storage import default_storage
from core.sweep.study import COMPLETE, FAILED, PRUNED, load_rows, open_study
from core.sweep.trial import TrialRunner
from core.sweep.worker import claim
from core.train.checkpoint import load_weights
from tests.core.sweep.helpers import run_folders, run_json, sweep_project
from tests.core.train import tiny


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_a_four_trial_sweep_writes_four_runs_and_a_best_project(tmp_path, capsys):
    project = sweep_project(tmp_path)
    assert main(["sweep", str(project.path)]) == 0
    out = capsys.readouterr().out
    folders = run_folders(tmp_path / "runs")
    assert len(folders) == 4
    assert (tmp_path / "runs" / "sweeps.db").is_file()
    rows = load_rows(default_storage(tmp_path / "runs"), study_name(project, check_sweep(project)))
    assert [r.number for r in rows] == [0, 1, 2, 3]
    assert sorted(r.run_dir for r in rows) == [str(f) for f in folders]  # the study records each run
    for row in rows:
        record = run_json(tmp_path / "runs" / row.run_dir)
        assert record["status"] in ("completed", "pruned")
        assert record["training"]["learning_rate"] == row.params["learning_rate"]
    assert "best: trial" in out and "trial 3:" in out

    assert main(["sweep", str(project.path), "--show"]) == 0
    table = capsys.readouterr().out
    assert "learning_rate" in table and "fc1.out_features" in table and "trial-0003" in table

    best = tmp_path / "out" / "best"
    best.parent.mkdir()
    assert main(["sweep", str(project.path), "--best", "--out", str(best)]) == 0
    loaded = Project.load(best.with_suffix(".lfproj"))  # a plain project that loads and trains
    winner = min((r for r in rows if r.state == COMPLETE), key=lambda r: r.value)
    assert loaded.training["learning_rate"] == winner.params["learning_rate"]
    assert loaded.graph.nodes["fc1"].params["out_features"] == winner.params["fc1.out_features"]
    assert loaded.sweep is None and loaded.data["kind"] == "builtin"


def test_running_again_goes_on_to_the_new_total(tmp_path, capsys):
    project = sweep_project(tmp_path, trials=2)
    assert main(["sweep", str(project.path), "--quiet"]) == 0
    assert len(run_folders(tmp_path / "runs")) == 2
    assert main(["sweep", str(project.path), "--quiet"]) == 0  # the study is complete: nothing to do
    assert len(run_folders(tmp_path / "runs")) == 2
    assert main(["sweep", str(project.path), "--trials", "3", "--quiet"]) == 0
    assert len(run_folders(tmp_path / "runs")) == 3
    assert "3 trials" in capsys.readouterr().out


def test_a_layer_parameter_reaches_the_built_network(tmp_path):
    project = sweep_project(tmp_path, parameters={"fc1.out_features": {"choices": [5, 11]}},
                            sampler="grid", trials=2, pruner="none")
    assert main(["sweep", str(project.path), "--quiet"]) == 0
    widths = set()
    for folder in run_folders(tmp_path / "runs"):
        record = run_json(folder)
        nodes = {n["id"]: n for n in record["project"]["graph"]["nodes"]}
        width = nodes["fc1"]["params"]["out_features"]
        widths.add(width)
        assert tuple(load_weights(folder / "model.safetensors")["fc1.weight"].shape) == (width, 2)
        assert record["project"]["sweep_trial"]["values"] == {"fc1.out_features": width}
    assert widths == {5, 11}


def test_a_diverging_trial_fails_and_the_study_goes_on(tmp_path, capsys):
    layers = (("fc1", "Linear", {"out_features": 16}), ("fc2", "Linear", {"out_features": 16}))
    project = sweep_project(tmp_path, layers=layers, parameters={"learning_rate": {"choices": [100.0, 0.01]}},
                            training={"epochs": 2, "batch_size": 16, "seed": 0, "optimizer": "sgd",
                                      "momentum": 0.9}, sampler="grid", trials=2, pruner="none")
    assert main(["sweep", str(project.path)]) == 0
    out = capsys.readouterr().out
    rows = load_rows(default_storage(tmp_path / "runs"), study_name(project, check_sweep(project)))
    states = {r.params["learning_rate"]: r for r in rows}
    assert states[100.0].state == FAILED and "became NaN" in states[100.0].reason
    assert states[0.01].state == COMPLETE and states[0.01].value is not None
    assert "failed" in out and "the training loss became NaN" in out


class AlwaysPrune(optuna.pruners.BasePruner):
    """Optuna's pruner interface, answering "prune" after the first report."""

    def prune(self, study, trial) -> bool:
        return bool(trial.intermediate_values)


def test_a_pruned_trial_stops_cleanly_and_its_run_says_pruned(tmp_path):
    project = sweep_project(tmp_path, training={"epochs": 3, "batch_size": 32, "seed": 0})
    spec = check_sweep(project)
    url = default_storage(tmp_path / "runs")
    study, storage = open_study(url, "pruning", spec, project.training, worker=True)
    study.pruner = AlwaysPrune()
    runner = TrialRunner(project, spec, study, storage, "pruning", tmp_path / "runs", "val_loss")
    outcome = runner.run(claim(study, storage, url, 1))
    assert outcome.state == PRUNED
    record = run_json(outcome.run_dir)
    assert record["status"] == "pruned" and record["epochs_completed"] == 1
    assert record["reason"].startswith("pruned by the sweep after epoch 1: its val_loss")
    assert (outcome.run_dir / "last.ckpt").is_file() and (outcome.run_dir / "model.safetensors").is_file()
    (row,) = load_rows(url, "pruning")
    assert row.state == PRUNED and row.epochs == 1 and row.run_dir == str(outcome.run_dir)


def test_the_same_study_name_with_other_settings_is_one_sentence(tmp_path, capsys):
    project = sweep_project(tmp_path, trials=1, study="shared")
    assert main(["sweep", str(project.path), "--quiet"]) == 0
    capsys.readouterr()
    project.set_sweep({**project.sweep, "parameters": {"drop1.p": {"low": 0.0, "high": 0.5}}})
    project.save()
    assert main(["sweep", str(project.path)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("layerforge sweep: study 'shared' in sqlite:///")
    assert "was started with other sweep settings (it varies learning_rate, fc1.out_features, this" \
           " sweep drop1.p)" in line
    assert "give this sweep another study name (--study)" in line


@pytest.mark.parametrize("url, words", [
    ("sqlite:////no/such/folder/sweeps.db", "cannot be reached: the folder /no/such/folder does not exist"),
    ("postgresql://me:secret@127.0.0.1:1/db", "postgresql://me:***@127.0.0.1:1/db"),
    ("nonsense", "is not a storage URL"),
])
def test_a_storage_that_cannot_be_reached_is_one_sentence(tmp_path, capsys, url, words):
    project = sweep_project(tmp_path, trials=1)
    assert main(["sweep", str(project.path), "--storage", url]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("layerforge sweep: ") and words in line
    assert "secret" not in line


def test_person_mistakes_on_the_command_line_are_one_sentence(tmp_path, capsys):
    project = sweep_project(tmp_path, parameters={"fc1.widht": {"low": 4, "high": 8}})
    assert main(["sweep", str(project.path)]) == 2
    assert "fc1 (Linear) has no parameter 'widht'" in _one_line(capsys.readouterr().err)
    plain = tiny.project(tmp_path / "plain" if (tmp_path / "plain").mkdir() is None else None)
    assert main(["sweep", str(plain.path)]) == 2
    assert "has no sweep section" in _one_line(capsys.readouterr().err)
    good = sweep_project(tmp_path)
    assert main(["sweep", str(good.path), "--best"]) == 2
    assert "--best needs --out FILE" in _one_line(capsys.readouterr().err)
    assert main(["sweep", str(good.path), "--best", "--out", str(tmp_path / "b.lfproj")]) == 2
    assert "has no complete trial yet" in _one_line(capsys.readouterr().err)
