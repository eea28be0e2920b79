"""The project's sweep section: round trip, defaults, and one sentence per mistake."""

from __future__ import annotations

import json

import pytest

from core.errors import ProjectError
from core.project import Project
from core.resources import load_json_resource
from core.sweep.choices import PRUNERS, SAMPLERS
from core.sweep.space import apply_values, default_range
from core.sweep.spec import (SweepError, check_sweep, default_study_name, parse_sweep, sweep_problems,
                             sweep_spec)
from tests.core.train import tiny

LAYERS = (("fc1", "Linear", {"out_features": 16}), ("relu1", "ReLU", {}),
          ("drop1", "Dropout", {"p": 0.2}), ("fc2", "Linear", {"out_features": 8}))
SECTION = {
    "parameters": {
        "learning_rate": {"low": 0.0001, "high": 0.1, "log": True},
        "fc1.out_features": {"low": 8, "high": 128, "log": True},
        "drop1.p": {"low": 0.0, "high": 0.5},
        "optimizer": {"choices": ["adam", "sgd"]},
        "batch_size": {"choices": [16, 32]},
    },
    "metric": "val_accuracy", "direction": "maximize", "trials": 24, "timeout": 600.0,
    "sampler": "tpe", "pruner": "hyperband",
}


def _project(tmp_path=None, section=SECTION, training=None):
    project = tiny.project(tmp_path, layers=LAYERS, training=training)
    project.set_sweep(section)
    if tmp_path is not None:
        project.save(project.path)
    return project


def test_the_section_round_trips_through_the_file(tmp_path):
    project = _project(tmp_path)
    text = project.path.read_text()
    loaded = Project.load(project.path)
    assert loaded.sweep == SECTION
    assert json.loads(text)["sweep"] == SECTION
    loaded.save(project.path)
    assert project.path.read_text() == text  # saved back unchanged
    spec = check_sweep(loaded)
    assert [v.name for v in spec.parameters] == list(SECTION["parameters"])
    assert {v.name: v.kind for v in spec.parameters} == {
        "learning_rate": "float", "fc1.out_features": "int", "drop1.p": "float",
        "optimizer": "choice", "batch_size": "choice"}
    assert spec.to_dict() == SECTION


def test_defaults_follow_the_monitor():
    project = _project(section={"parameters": {"learning_rate": {"low": 0.001, "high": 0.1}}},
                       training={"epochs": 2, "monitor": "val_accuracy"})
    spec = check_sweep(project)
    assert (spec.trials, spec.sampler, spec.pruner, spec.timeout) == (20, "tpe", "hyperband", None)
    assert spec.resolved_metric(project.training) == "val_accuracy"
    assert spec.resolved_direction(project.training) == "maximize"
    plain = _project(section={"parameters": {"learning_rate": {"low": 0.001, "high": 0.1}}})
    assert check_sweep(plain).resolved_direction(plain.training) == "minimize"  # val_loss


def test_the_default_study_name_follows_the_search_space():
    one = _project()
    spec = check_sweep(one)
    name = default_study_name(one.name, spec, one.training)
    assert name.startswith("Tiny-") and name == default_study_name(one.name, check_sweep(one), one.training)
    wider = json.loads(json.dumps(SECTION))
    wider["parameters"]["fc1.out_features"]["high"] = 256
    wider["trials"] = 50  # how many trials does not make another study
    other = _project(section=wider)
    assert default_study_name(other.name, check_sweep(other), other.training) != name
    same = json.loads(json.dumps(SECTION))
    same["trials"] = 50
    again = _project(section=same)
    assert default_study_name(again.name, check_sweep(again), again.training) == name


def _with(name, value, **extra):
    section = {"parameters": {name: value}, **extra}
    return _project(section=section)


@pytest.mark.parametrize("name, value, extra, words", [
    ("learning_rate", {"low": 0.01}, {}, "sweep.parameters.learning_rate is an empty range"),
    ("learning_rate", {"low": 0.01, "high": 0.01}, {}, "is an empty range (low equals high"),
    ("optimizer", {"choices": []}, {}, "has an empty list of choices"),
    ("learning_rate", {"low": 0.1, "high": 0.001}, {}, "has low 0.1 above high 0.001: swap them"),
    ("weight_decay", {"low": 0.0, "high": 0.1, "log": True}, {}, "on a log scale, so low must be above 0"),
    ("fc9.out_features", {"low": 8, "high": 64}, {}, "the design has no node 'fc9': did you mean"),
    ("fc1.width", {"low": 8, "high": 64}, {}, "fc1 (Linear) has no parameter 'width'"),
    ("drop1.p", {"low": 0.1, "high": 1.5}, {}, "drop1 (Dropout) refuses 1.5: p must be a number from 0 to 0.99"),
    ("fc1.out_features", {"low": 0, "high": 64}, {}, "fc1 (Linear) refuses 0"),
    ("fc1.out_features", {"low": 8.5, "high": 64}, {}, "must be a whole number"),
    ("learning_rat", {"low": 0.001, "high": 0.1}, {}, "'learning_rat' is not a training setting: did you mean 'learning_rate'?"),
    ("widht", {"low": 1, "high": 2}, {}, "a layer parameter is written node_id.param"),
    ("learning_rate", {"low": 0.001, "high": 500.0}, {}, "the value 500 is refused: training.learning_rate must be"),
    ("optimizer", {"choices": ["adam", "lion"]}, {}, "the value \"lion\" is refused: training.optimizer must be"),
    ("optimizer", {"low": 1, "high": 2}, {}, "optimizer takes a list of choices, not a range"),
    ("monitor", {"choices": ["val_loss"]}, {}, "training.monitor cannot vary in a sweep"),
    ("learning_rate", {"low": 0.001, "high": 0.1}, {"metric": "val_acuracy"}, "sweep.metric 'val_acuracy' is not a column the runs write"),
    ("learning_rate", {"low": 0.001, "high": 0.1}, {"sampler": "bayes"}, "sweep.sampler must be one of 'tpe', 'random' and 'grid'"),
    ("learning_rate", {"low": 0.001, "high": 0.1}, {"sampler": "grid"}, "a grid search needs a list of choices or a step"),
    ("learning_rate", {"low": 0.001, "high": 0.1, "log": True, "step": 0.01}, {}, "cannot have both a step and a log scale"),
    ("learning_rate", {"low": 0.001, "high": 0.1}, {"trials": 0}, "sweep.trials must be a whole number of at least 1"),
    ("learning_rate", {"low": 0.001, "high": 0.1}, {"pruning": "none"}, "sweep.pruning is not a sweep setting: did you mean 'pruner'?"),
])
def test_each_mistake_is_one_sentence(name, value, extra, words):
    project = _with(name, value, **extra)
    problems = sweep_problems(project)
    assert len(problems) == 1, problems
    assert words in problems[0]
    assert "\n" not in problems[0]
    with pytest.raises(SweepError) as caught:
        check_sweep(project)
    assert str(caught.value) == problems[0]


def test_the_metric_is_checked_against_the_data_task():
    project = _with("learning_rate", {"low": 0.001, "high": 0.1}, metric="val_rmse")
    assert sweep_problems(project) == []  # without the data, any metric's column may be written
    info = tiny.dataset(project).info  # three classes: no RMSE
    problems = sweep_problems(project, info)
    assert len(problems) == 1 and "sweep.metric 'val_rmse' is not a column the runs write" in problems[0]
    assert sweep_problems(_with("learning_rate", {"low": 0.001, "high": 0.1}, metric="val_f1"), info) == []


def test_nothing_to_vary_and_no_section_are_sentences():
    assert "varies nothing" in sweep_problems(_project(section={"parameters": {}}))[0]
    bare = tiny.project(None)
    assert sweep_problems(bare) == ["the project has no sweep section: add the settings to vary"
                                    " (see docs/sweeps.md)"]


def test_a_wrong_type_in_the_file_is_refused_with_its_place(tmp_path):
    project = _project(tmp_path)
    data = json.loads(project.path.read_text())
    data["sweep"]["trials"] = "many"
    with pytest.raises(ProjectError, match="sweep trials must be a whole number, not text"):
        Project.from_dict(data)


def test_the_schema_lists_the_registries():
    sweep = load_json_resource("schema", "project.schema.json")["$defs"]["sweep"]["properties"]
    assert tuple(sweep["sampler"]["enum"]) == SAMPLERS.names()
    assert tuple(sweep["pruner"]["enum"]) == PRUNERS.names()
    assert parse_sweep({"sampler": "random", "pruner": "none"})[1] == []


def test_a_trials_values_reach_a_copy_of_the_project():
    project = _project()
    copy = apply_values(project, {"fc1.out_features": 48, "drop1.p": 0.3, "learning_rate": 0.02})
    assert copy.graph.nodes["fc1"].params["out_features"] == 48
    assert copy.graph.nodes["drop1"].params["p"] == 0.3
    assert copy.training["learning_rate"] == 0.02 and copy.sweep is None
    assert project.graph.nodes["fc1"].params["out_features"] == 16  # the original is untouched
    assert copy.path == project.path  # relative data paths resolve as before


def test_default_ranges_are_valid_sweeps():
    project = _project()
    assert default_range(project, "fc1.out_features") == {"low": 4, "high": 64, "log": True}
    assert default_range(project, "drop1.p") == {"low": 0.0, "high": 0.5}
    assert default_range(project, "learning_rate") == {"low": 0.0001, "high": 0.01, "log": True}
    assert default_range(project, "optimizer")["choices"][:2] == ["sgd", "adam"]
    assert default_range(project, "batch_size") == {"choices": [8, 16, 32, 64]}
    info = tiny.dataset(project).info  # label smoothing needs to know the loss: classes here
    for name in ("fc1.out_features", "drop1.p", "learning_rate", "optimizer", "batch_size",
                 "weight_decay", "epochs", "label_smoothing", "fc1.bias"):
        section = {"parameters": {name: default_range(project, name)}}
        assert sweep_problems(_project(section=section), info) == [], name
    assert sweep_spec(project)[1] == []


def test_every_sampler_and_pruner_builds_its_optuna_object():
    import optuna

    from core.sweep.choices import _rung

    for spec in SAMPLERS:
        assert isinstance(spec.build({"x": [1, 2]}, 0), optuna.samplers.BaseSampler)
    for spec in PRUNERS:
        assert isinstance(spec.build(30), optuna.pruners.BasePruner)
    assert [e for e in range(1, 30) if _rung(e)] == [1, 3, 9, 27]
    assert not any(PRUNERS.get("none").decides(e) for e in range(1, 30))
