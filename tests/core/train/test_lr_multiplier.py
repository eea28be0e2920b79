"""A layer's learning-rate multiplier: parameter groups, one SGD step, schedules, resume, check."""

from __future__ import annotations

import json

import pytest
import torch

from core.check import check_project
from core.cli import main
from core.errors import TrainingError
from core.train import continue_run, prepare
from core.train.optim import apply_update, current_settings, make_optimizer, make_schedule
from core.train.param_groups import MULTIPLIER, split_by_multiplier, training_groups
from core.train.spec import TrainSpec
from tests.core.train.tiny import StopAt, dataset, metrics_rows, project


def _lrs(optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


def test_splitting_takes_and_returns_groups_so_a_gans_two_groups_split_too():
    generator, discriminator = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
    slow = {id(generator.weight): 0.1, id(discriminator.bias): 0.5}
    groups = split_by_multiplier([{"params": list(generator.parameters()), "lr": 0.002},
                                  {"params": list(discriminator.parameters()), "lr": 0.004}],
                                 lambda p: slow.get(id(p), 1.0), default_lr=1.0)
    assert [(g["lr"], g[MULTIPLIER]) for g in groups] == [
        (0.002, 1.0), (pytest.approx(0.0002), 0.1), (0.004, 1.0), (0.002, 0.5)]
    assert groups[0]["params"] == [generator.bias] and groups[1]["params"] == [generator.weight]
    assert groups[3]["params"] == [discriminator.bias]
    # torch takes them as they are: four groups at their own rates
    optimizer = torch.optim.SGD(groups, lr=1.0)
    assert _lrs(optimizer) == [g["lr"] for g in groups]


def test_a_layer_at_a_tenth_moves_a_tenth_as_far_in_one_sgd_step(tmp_path):
    # One batch per epoch, one epoch: one plain SGD step from the same weights on the same data.
    training = {"epochs": 1, "batch_size": 512, "optimizer": "sgd", "learning_rate": 0.5,
                "early_stopping": None, "seed": 4, "device": "cpu"}
    moved = {}
    for name, multipliers in (("plain", {}), ("slow", {"fc1": 0.1})):
        proj = project(tmp_path, name=name.capitalize(), training=dict(training))
        for node_id, value in multipliers.items():
            proj.graph.nodes[node_id].extra["lr_multiplier"] = value
        trainer = prepare(proj, dataset(proj), run_dir=tmp_path / name)
        before = {k: v.clone() for k, v in trainer.module.state_dict().items()}
        assert trainer.fit().status == "completed" and trainer.step == 1
        moved[name] = {k: v - before[k] for k, v in trainer.module.state_dict().items()}
    plain, slow = moved["plain"], moved["slow"]
    assert plain["fc1.weight"].abs().sum() > 0
    torch.testing.assert_close(slow["fc1.weight"], 0.1 * plain["fc1.weight"])
    torch.testing.assert_close(slow["fc1.bias"], 0.1 * plain["fc1.bias"])
    assert torch.equal(slow["fc2.weight"], plain["fc2.weight"])  # the other layers as before
    assert torch.equal(slow["output.weight"], plain["output.weight"])


def test_multipliers_of_one_train_exactly_as_none(tmp_path):
    proj = project(tmp_path)
    prepare(proj, dataset(proj), run_dir=tmp_path / "none").fit()
    for node in proj.graph.nodes.values():
        node.extra["lr_multiplier"] = 1
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "ones")
    trainer.fit()
    assert len(trainer.optimizer.param_groups) == 1
    assert metrics_rows(tmp_path / "ones") == metrics_rows(tmp_path / "none")  # bitwise


@pytest.mark.parametrize("schedule", [{"type": "step", "step_size": 1, "gamma": 0.5}, "cosine",
                                      "one_cycle", {"type": "reduce_on_plateau", "patience": 0}])
def test_every_schedule_keeps_the_ratio_between_the_groups(schedule):
    module = torch.nn.Sequential()
    module.add_module("fc1", torch.nn.Linear(3, 4))
    module.add_module("fc2", torch.nn.Linear(4, 2))
    spec = TrainSpec.from_dict({"optimizer": "sgd", "momentum": 0.9, "learning_rate": 0.2,
                                "epochs": 5, "schedule": schedule})
    optimizer = make_optimizer(training_groups(module, spec.learning_rate, {"fc1": 0.1}), spec, "cpu")
    steps = make_schedule(optimizer, spec, steps_per_epoch=3, monitor_mode="min")
    seen = set()
    for _epoch in range(4):
        for _batch in range(3):
            optimizer.step()
            steps.batch_end()
        steps.epoch_end(1.0)  # a loss that never improves: reduce_on_plateau reduces
        full, slow = _lrs(optimizer)
        assert slow == pytest.approx(0.1 * full)
        seen.add(round(full, 12))
    assert len(seen) > 1  # the schedule did change the rates
    # A learning rate changed while paused keeps the ratio too, and reads as the run's rate.
    apply_update(optimizer, steps, {"learning_rate": 0.05})
    assert _lrs(optimizer) == pytest.approx([0.05, 0.005])
    assert current_settings(optimizer)["learning_rate"] == pytest.approx(0.05)


def test_the_rate_column_is_the_runs_rate_when_no_layer_trains_at_one(tmp_path):
    proj = project(tmp_path, training={"epochs": 1, "batch_size": 16, "learning_rate": 0.01,
                                       "optimizer": "sgd", "seed": 0})
    for node_id in ("fc1", "fc2", "output"):
        proj.graph.nodes[node_id].extra["lr_multiplier"] = 0.5
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run")
    trainer.fit()
    assert _lrs(trainer.optimizer) == [0.005]
    assert metrics_rows(tmp_path / "run")[0]["learning_rate"] == pytest.approx(0.01)
    assert trainer.optimizer_settings()["learning_rate"] == pytest.approx(0.01)


def test_a_continued_run_keeps_the_groups_and_ends_as_if_never_stopped(tmp_path):
    training = {"epochs": 4, "batch_size": 16, "optimizer": "sgd", "momentum": 0.9,
                "learning_rate": 0.05, "schedule": {"type": "step", "step_size": 1, "gamma": 0.7},
                "seed": 3}
    proj = project(tmp_path, training=training)
    proj.graph.nodes["fc1"].extra["lr_multiplier"] = 0.1
    proj.graph.nodes["output"].extra["lr_multiplier"] = 2
    whole = prepare(proj, dataset(proj), run_dir=tmp_path / "whole")
    whole.fit()
    stopped = prepare(proj, dataset(proj), run_dir=tmp_path / "parts", callbacks=[StopAt(2)]).fit()
    assert stopped.epochs_completed == 2
    saved = torch.load(tmp_path / "parts" / "last.ckpt", weights_only=True)["optimizer"]["param_groups"]
    assert [g[MULTIPLIER] for g in saved] == [1.0, 0.1, 2.0]
    resumed = continue_run(tmp_path / "parts")
    assert resumed.fit().status == "completed"
    assert [g[MULTIPLIER] for g in resumed.optimizer.param_groups] == [1.0, 0.1, 2.0]
    assert _lrs(resumed.optimizer) == _lrs(whole.optimizer)
    assert metrics_rows(tmp_path / "parts") == metrics_rows(tmp_path / "whole")  # bitwise


@pytest.mark.parametrize("value, words", [
    (-0.5, "must be a number above 0 and at most 100 (such as 0.1), not -0.5"),
    (0, "must be above 0, not 0: to keep the layer's weights as they are, freeze it"),
    ("fast", "must be a number above 0 and at most 100 (such as 0.1), not 'fast'"),
    (True, "not True"),
])
def test_check_names_the_layer_and_the_bad_multiplier_in_one_sentence(tmp_path, capsys, value, words):
    proj = project(tmp_path)
    proj.graph.nodes["fc2"].extra["lr_multiplier"] = value
    proj.save(proj.path)
    problems = [p for p in check_project(proj).problems if "lr_multiplier" in p.message]
    assert len(problems) == 1 and problems[0].node_id == "fc2"
    assert problems[0].message.startswith("Linear 'fc2': lr_multiplier ") and words in problems[0].message
    assert main(["check", str(proj.path)]) == 2
    out, err = capsys.readouterr()
    assert words in out + err and "Traceback" not in out + err
    with pytest.raises(TrainingError, match="lr_multiplier"):
        prepare(proj, dataset(proj), run_dir=tmp_path / "run")


def test_the_multiplier_is_saved_and_recorded_with_the_run(tmp_path):
    from core.project import Project

    proj = project(tmp_path, training={"epochs": 1})
    proj.graph.nodes["fc1"].extra["lr_multiplier"] = 0.25
    proj.save(proj.path)
    again = Project.load(proj.path)
    assert again.graph.nodes["fc1"].extra["lr_multiplier"] == 0.25
    prepare(again, dataset(again), run_dir=tmp_path / "run").fit()
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    node = next(n for n in run["project"]["graph"]["nodes"] if n["id"] == "fc1")
    assert node["lr_multiplier"] == 0.25


def test_the_cli_trains_with_the_projects_multipliers(tmp_path, capsys):
    proj = project(tmp_path, training={"epochs": 1, "batch_size": 16, "seed": 0})
    proj.graph.nodes["fc1"].extra["lr_multiplier"] = 0.1
    proj.save(proj.path)
    assert main(["train", str(proj.path), "--run-dir", str(tmp_path / "run"), "--quiet"]) == 0
    state = torch.load(tmp_path / "run" / "last.ckpt", weights_only=True)
    assert [g[MULTIPLIER] for g in state["optimizer"]["param_groups"]] == [1.0, 0.1]
