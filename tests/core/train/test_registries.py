"""The training registries' contract: every optimiser, schedule, loss and metric is refused
twice, named in the sentence for a near miss, round-trips through the settings, really
works on a tiny batch, and has its documentation. A new entry is tested by being added."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data.dataset import CLASSIFICATION, MULTILABEL, RECONSTRUCTION, REGRESSION, DataInfo
from core.errors import TrainingError, UnknownNameError
from core.guide_texts import entries
from core.registry import Registry
from core.train.losses import LOSSES, choices, resolve, settings
from core.train.metric_specs import METRICS, defaults_for, for_task
from core.train.objective import Objective
from core.train.optim import apply_update, check_update, current_settings, make_optimizer, make_schedule
from core.train.optimizers import OPTIMIZERS
from core.train.schedules import SCHEDULES
from core.train.spec import TrainSpec, metric_direction, training_problems

ROOT = Path(__file__).resolve().parents[3]
REGISTRIES = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES, "loss": LOSSES, "metric": METRICS}
ENTRIES = [(kind, spec.name) for kind, registry in REGISTRIES.items() for spec in registry]
INFO = {CLASSIFICATION: DataInfo((4,), CLASSIFICATION, class_names=["a", "b", "c"], target_names=["k"]),
        MULTILABEL: DataInfo((4,), MULTILABEL, target_names=["p", "q"]),
        REGRESSION: DataInfo((4,), REGRESSION, target_names=["u", "v"]),
        RECONSTRUCTION: DataInfo((4,), RECONSTRUCTION)}
TWO_CLASSES = DataInfo((4,), CLASSIFICATION, class_names=["a", "b"], target_names=["k"])
PROJECT_FORMAT = (ROOT / "docs" / "project-format.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------- every registry
def test_the_generic_registry():
    registry: Registry = Registry("colour")
    registry.register(_Named("red"))
    registry.register(_Named("green"))
    assert registry.names() == ("red", "green") and len(registry) == 2
    assert [s.name for s in registry] == ["red", "green"] and "red" in registry and [] not in registry
    with pytest.raises(ValueError, match="colour 'red' is already registered"):
        registry.register(_Named("red"))
    with pytest.raises(UnknownNameError, match="unknown colour 'RED': did you mean 'red'\\?"):
        registry.get("RED")
    with pytest.raises(UnknownNameError, match="unknown colour 'blue': use one of 'red', 'green'"):
        registry.get("blue")
    with pytest.raises(UnknownNameError, match=r"unknown colour \[1\]"):
        registry.get([1])


class _Named:
    def __init__(self, name):
        self.name = name


def test_the_schema_is_generated_from_the_registries():
    from core.schema_gen import render, schema_path

    committed = schema_path().read_text(encoding="utf-8")
    assert render(committed) == committed, "run: python -m core.schema_gen"
    training = json.loads(committed)["$defs"]["training"]["properties"]
    assert training["optimizer"]["enum"] == list(OPTIMIZERS.names())
    assert training["loss"]["enum"] == list(choices())
    assert training["schedule"]["properties"]["type"]["enum"] == list(SCHEDULES.names())
    assert training["metrics"]["items"]["enum"] == list(METRICS.names())


# ---------------------------------------------------------------------- optimisers
_LIVE_VALUES = {"momentum": 0.5, "nesterov": True, "betas": [0.8, 0.99]}


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_each_optimizer_round_trips_steps_and_changes_its_settings_live(name):
    spec = OPTIMIZERS.get(name)
    extra = {"momentum": 0.9} if "momentum" in spec.settings else {}
    train = TrainSpec.from_dict({"optimizer": name, **extra})
    assert train.learning_rate == spec.default_learning_rate
    assert train.weight_decay == spec.default_weight_decay
    assert TrainSpec.from_dict(train.to_dict()).to_dict() == train.to_dict()
    model = torch.nn.Linear(3, 2)
    before = model.weight.detach().clone()
    optimizer = make_optimizer(model.parameters(), train, "cpu")
    assert type(optimizer).__name__ == spec.torch_class
    assert optimizer.defaults.get("fused") is (True if spec.fused else None)
    model(torch.ones(4, 3)).square().sum().backward()
    optimizer.step()
    assert not torch.equal(before, model.weight.detach())
    for key in spec.settings:  # each setting it takes can be changed in a paused run
        checked = check_update(name, {key: _LIVE_VALUES[key]}, current_settings(optimizer))
        apply_update(optimizer, None, checked)
        value = current_settings(optimizer)[key]
        assert value == (list(_LIVE_VALUES[key]) if key == "betas" else _LIVE_VALUES[key])
    others = [k for k in _LIVE_VALUES if k not in spec.settings]
    for key in others:
        with pytest.raises(TrainingError, match=f"{key} cannot be changed for the '{name}' optimizer"):
            check_update(name, {key: _LIVE_VALUES[key]})


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_each_optimizer_has_its_guide_page_and_docs(name):
    spec = OPTIMIZERS.get(name)
    page = entries()[f"optimizer:{name}"]
    assert page.summary == spec.doc and page.explanation
    assert page.settings[0].default == str(spec.default_learning_rate)
    assert set(spec.settings) <= {s.name for s in page.settings}
    assert spec.title and spec.doc.endswith(".") and f"`{name}`" in PROJECT_FORMAT


# ---------------------------------------------------------------------- schedules
@pytest.mark.parametrize("name", SCHEDULES.names())
def test_each_schedule_round_trips_checks_its_options_and_steps(name):
    spec = SCHEDULES.get(name)
    given = {"type": name, **spec.defaults()} if spec.options else name
    train = TrainSpec.from_dict({"epochs": 3, "optimizer": "sgd", "learning_rate": 0.1, "schedule": given})
    assert train.schedule.type == name and train.schedule.options == spec.defaults()
    assert TrainSpec.from_dict(train.to_dict()).to_dict() == train.to_dict()
    for option in spec.options:
        assert option.accepts(option.default) and option.doc
        for bad in _outside(option):
            problems = training_problems({"schedule": {"type": name, option.name: bad}})
            assert problems == [f"training.schedule.{option.name} has an invalid value {bad!r}:"
                                f" use a number such as {option.default}"]
    assert training_problems({"schedule": {"type": name, "nope": 1}}) == [
        f"training.schedule {name!r} has no option 'nope' (its options:"
        f" {', '.join(spec.defaults()) or 'none'})"]
    model = torch.nn.Linear(2, 1)
    optimizer = make_optimizer(model.parameters(), train, "cpu")
    schedule = make_schedule(optimizer, train, steps_per_epoch=2, monitor_mode="min")
    assert (schedule is None) == (name == "none")
    for _epoch in range(3):
        for _batch in range(2):
            model(torch.ones(1, 2)).sum().backward()
            optimizer.step()
            optimizer.zero_grad()
            if schedule:
                schedule.batch_end()
        if schedule:
            schedule.epoch_end(1.0)
        rate = optimizer.param_groups[0]["lr"]
        assert math.isfinite(rate) and 0 <= rate <= 0.1
    if schedule:
        schedule.load_state_dict(schedule.state_dict())


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_each_schedule_works_with_every_optimizer(name):
    for optimizer_name in OPTIMIZERS.names():
        train = TrainSpec.from_dict({"epochs": 2, "optimizer": optimizer_name, "schedule": name})
        model = torch.nn.Linear(2, 1)
        optimizer = make_optimizer(model.parameters(), train, "cpu")
        schedule = make_schedule(optimizer, train, steps_per_epoch=2, monitor_mode="max")
        model(torch.ones(1, 2)).sum().backward()
        optimizer.step()
        if schedule:
            schedule.batch_end()
            schedule.epoch_end(0.5)
        assert math.isfinite(optimizer.param_groups[0]["lr"]), optimizer_name


def _outside(option) -> list:
    """Values just past the option's limits, and of the wrong kind."""
    bad: list = ["x", True, float("nan")]
    if option.minimum is not None:
        bad.append(option.minimum if option.exclusive_minimum else option.minimum - 1)
    if option.maximum is not None:
        bad.append(option.maximum if option.exclusive_maximum else option.maximum + 1)
    if option.integer:
        bad.append(option.default + 0.5)
    return bad


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_each_schedule_has_its_guide_line_and_docs(name):
    spec = SCHEDULES.get(name)
    lines = {s.name: s for s in entries()["topic:schedule"].settings}
    assert lines[name].meaning == spec.doc and spec.title
    assert f"`{name}`" in PROJECT_FORMAT


# ---------------------------------------------------------------------- losses
def _loss_cases():
    for spec in LOSSES:
        for task in spec.tasks:
            if task == CLASSIFICATION:
                if not spec.binary_only:
                    yield spec.name, task, INFO[task]
                if spec.name != "cross_entropy":  # cross-entropy gives two classes two outputs
                    yield spec.name, "two classes", TWO_CLASSES
            else:
                yield spec.name, task, INFO[task]


@pytest.mark.parametrize("name, kind, info", list(_loss_cases()))
def test_each_loss_round_trips_and_computes_on_its_kind_of_target(name, kind, info):
    spec = LOSSES.get(name)
    smoothing = 0.1 if "label_smoothing" in spec.options.values() else 0.0
    train = TrainSpec.from_dict({"loss": name, "label_smoothing": smoothing, "huber_delta": 0.5}, info)
    assert train.loss_name == name
    assert TrainSpec.from_dict(train.to_dict(), info).to_dict() == train.to_dict()
    objective = Objective.create(info, train)
    assert objective.output_activation in ("softmax", "sigmoid", "none")
    if info.task in (REGRESSION, RECONSTRUCTION):
        assert objective.output_activation == spec.output_activation
    generator = torch.Generator().manual_seed(0)
    out = torch.randn(6, *objective.output_shape, generator=generator, requires_grad=True)
    x = torch.rand(6, 4, generator=generator)
    y = {CLASSIFICATION: np.array([0, 1, 1, 0, 1, 0]) % max(info.num_classes, 1),
         MULTILABEL: (np.arange(12).reshape(6, 2) % 3 == 0).astype(np.float32),
         REGRESSION: np.linspace(-1, 1, 12, dtype=np.float32).reshape(6, 2)}.get(info.task)
    target = objective.loss_targets(y)
    loss = objective.loss_module()(out, x if target is None else target)
    assert loss.ndim == 0 and math.isfinite(float(loss.detach()))
    loss.backward()
    assert out.grad is not None and torch.isfinite(out.grad).all()


@pytest.mark.parametrize("name", LOSSES.names())
def test_each_loss_is_refused_by_the_tasks_it_does_not_fit(name):
    spec = LOSSES.get(name)
    for task, info in INFO.items():
        problems = training_problems({"loss": name}, info)
        fits = task in spec.tasks and not (spec.binary_only and task == CLASSIFICATION)
        assert (problems == []) == fits, (task, problems)
        assert (name in choices(task)) == (task in spec.tasks)


@pytest.mark.parametrize("name", choices())
def test_each_loss_has_its_guide_page_and_docs(name):
    page = entries()[f"loss:{name}"]
    doc = LOSSES.get(name).doc if name in LOSSES else page.summary
    assert page.summary == doc and page.explanation and f"`{name}`" in PROJECT_FORMAT
    if name in LOSSES:
        assert {s.name for s in page.settings} == set(LOSSES.get(name).options.values())


def test_auto_resolves_to_a_registered_loss_for_every_task():
    for task in INFO:
        for classes in (0, 2, 3):
            resolved = resolve("auto", task, classes)
            assert resolved in LOSSES and task in LOSSES.get(resolved).tasks
    assert set(settings()) == {"label_smoothing", "huber_delta"}


# ---------------------------------------------------------------------- metrics
def _metric_cases():
    return [(spec.name, task) for spec in METRICS for task in spec.tasks]


def _evaluate(task: str, good: bool):
    """The metrics of a tiny batch predicted perfectly (``good``) or badly."""
    info = INFO[task]
    objective = Objective(task, resolve("auto", task, info.num_classes), info.num_classes,
                          info.target_shape(), reconstruction_errors=True)
    x = torch.rand(6, 4, generator=torch.Generator().manual_seed(1))
    if task == CLASSIFICATION:
        targets = torch.tensor([0, 1, 2, 2, 1, 0])
        out = torch.eye(3)[targets if good else (targets + 1) % 3] * 5
    elif task == MULTILABEL:
        targets = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]] * 2)
        out = (targets * 2 - 1) * (4 if good else -4)
    elif task == REGRESSION:
        targets = torch.linspace(-1, 1, 12).reshape(6, 2)
        out = targets if good else -targets + 0.3
    else:
        targets, out = None, x if good else 1 - x
    accumulator = objective.accumulator(6, "cpu")
    accumulator.add_loss(torch.tensor(0.5), 6)
    accumulator.update(out, 0, 6, x)
    return accumulator.compute(accumulator.totals(torch.arange(6), targets)).metrics


@pytest.mark.parametrize("name, task", _metric_cases())
def test_each_metric_is_computed_for_its_tasks_in_the_right_direction(name, task):
    spec = METRICS.get(name)
    good, bad = _evaluate(task, True)[name], _evaluate(task, False)[name]
    assert math.isfinite(good) and math.isfinite(bad) and good != bad
    assert (good > bad) == spec.maximised
    assert metric_direction(f"val_{name}") == ("max" if spec.maximised else "min")
    train = TrainSpec.from_dict({"metrics": [name], "monitor": f"val_{name}"}, INFO[task])
    assert TrainSpec.from_dict(train.to_dict(), INFO[task]).metrics == [name]


@pytest.mark.parametrize("task", list(INFO))
def test_the_vectorised_code_yields_exactly_the_registered_metrics(task):
    assert sorted(_evaluate(task, True)) == sorted(for_task(task))
    assert set(defaults_for(task)) <= set(for_task(task))
    assert TrainSpec.from_dict({}, INFO[task]).metrics == defaults_for(task)


@pytest.mark.parametrize("name", METRICS.names())
def test_each_metric_has_its_docs(name):
    spec = METRICS.get(name)
    assert spec.title and spec.doc.endswith(".") and f"`{name}`" in PROJECT_FORMAT
