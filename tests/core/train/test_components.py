"""Every optimiser, schedule and loss is built and takes real steps; devices and precision."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.data.dataset import MULTILABEL, RECONSTRUCTION, DataInfo, Dataset, Split
from core.errors import TrainingError
from core.train import prepare
from core.train.device import available_devices, resolve
from core.train.optim import make_optimizer, make_schedule
from core.train.spec import LOSSES, OPTIMIZERS, SCHEDULES, TrainSpec
from core.train.trainer import Trainer
from tests.core.train.tiny import dataset, project, regression_dataset


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_each_optimizer_trains(tmp_path, optimizer):
    extra = {"momentum": 0.9, "nesterov": True} if optimizer == "sgd" else {}
    proj = project(tmp_path, training={"epochs": 2, "batch_size": 16, "optimizer": optimizer,
                                       "weight_decay": 1e-4, **extra})
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run")
    before = trainer.module.state_dict()["fc1.weight"].clone()
    result = trainer.fit()
    assert result.status == "completed"
    assert type(trainer.optimizer).__name__.lower() == optimizer
    assert not torch.equal(before, trainer.module.state_dict()["fc1.weight"].cpu())
    assert math.isfinite(result.final["train_loss"])


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_each_schedule_changes_the_learning_rate_as_it_should(schedule):
    model = torch.nn.Linear(2, 1)
    spec = TrainSpec.from_dict({"epochs": 4, "learning_rate": 0.1, "optimizer": "sgd",
                                "schedule": {"type": schedule, **({"step_size": 1} if schedule == "step" else {}),
                                             **({"patience": 0} if schedule == "reduce_on_plateau" else {})}})
    optimizer = make_optimizer(model.parameters(), spec, "cpu")
    sched = make_schedule(optimizer, spec, steps_per_epoch=3, monitor_mode="min")
    rates = []
    for _epoch in range(4):
        for _batch in range(3):
            model(torch.ones(1, 2)).sum().backward()
            optimizer.step()
            optimizer.zero_grad()
            if sched:
                sched.batch_end()
        if sched:
            sched.epoch_end(1.0)  # a metric that never improves
        rates.append(optimizer.param_groups[0]["lr"])
    if schedule == "none":
        assert rates == [0.1] * 4
    elif schedule == "step":
        assert rates == pytest.approx([0.01, 0.001, 1e-4, 1e-5])
    elif schedule == "cosine":
        assert rates[0] < 0.1 and rates[-1] == pytest.approx(0.0, abs=1e-9)
    elif schedule == "one_cycle":
        assert max(rates) <= 0.1 and rates[-1] < rates[1]
    else:
        assert rates[0] == pytest.approx(0.1) and rates[-1] < 0.1


def _tiny_dataset(task: str) -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.random((32, 4), dtype=np.float32)
    if task == MULTILABEL:
        y = (rng.random((32, 2)) > 0.5).astype(np.float32)
        info = DataInfo((4,), MULTILABEL, target_names=["p", "q"])
    else:
        y = None
        info = DataInfo((4,), RECONSTRUCTION)
    return Dataset(info, Split(x, y), Split(x, y), None, {"input_scaling": None}, "t")


@pytest.mark.parametrize("loss, kind", [(loss, "classes") for loss in ("auto", "cross_entropy", "hinge")]
                         + [("bce", "two classes"), ("hinge", "two classes")]
                         + [(loss, "numbers") for loss in ("auto", "mse", "l1", "huber", "smooth_l1")]
                         + [("bce", MULTILABEL), ("auto", RECONSTRUCTION), ("bce", RECONSTRUCTION)])
def test_each_loss_trains_on_its_kind_of_data(tmp_path, loss, kind):
    if kind == "classes":
        ds = dataset(project())
    elif kind == "two classes":
        ds = dataset(project(data={"kind": "builtin", "name": "moons", "samples": 64}))
    elif kind == "numbers":
        ds = regression_dataset()
    else:
        ds = _tiny_dataset(kind)
    metrics = ["mae"] if kind == RECONSTRUCTION else None
    spec = TrainSpec.from_dict({"epochs": 2, "batch_size": 16, "loss": loss, "metrics": metrics,
                                "label_smoothing": 0.1 if loss == "cross_entropy" else 0.0}, ds.info)
    proj = project(data={"kind": "builtin", "name": "moons"})
    from core.train.setup import build_module

    module = build_module(proj.graph, ds.info, spec)
    result = Trainer(module, ds, spec).fit()
    assert result.status == "completed", result.reason
    assert math.isfinite(result.final["val_loss"])
    assert loss in LOSSES


def test_mixed_precision_on_a_cpu_falls_back_with_a_note(tmp_path):
    proj = project(tmp_path, training={"epochs": 1, "precision": "bf16", "device": "cpu"})
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run")
    trainer.fit()
    assert trainer.placement.device == "cpu" and trainer.placement.precision == "float32"
    assert any("mixed precision) needs a CUDA GPU" in n for n in trainer.notes)


def test_devices():
    assert available_devices()[:2] == ["auto", "cpu"]
    if not torch.cuda.is_available():
        assert resolve("auto", "float32").device == "cpu"
        with pytest.raises(TrainingError, match="no CUDA GPU"):
            resolve("cuda", "float32")
    if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        with pytest.raises(TrainingError, match="no Apple GPU"):
            resolve("mps", "float32")


def test_gradient_clipping_limits_the_update(tmp_path):
    proj = project(tmp_path, training={"epochs": 1, "batch_size": 96, "optimizer": "sgd",
                                       "learning_rate": 1.0, "gradient_clip": 1e-3})
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run")
    before = torch.cat([p.detach().clone().reshape(-1) for p in trainer.module.parameters()])
    trainer.fit()  # one step: the whole update has norm lr × clip
    after = torch.cat([p.detach().cpu().reshape(-1) for p in trainer.module.parameters()])
    assert float((after - before).norm()) == pytest.approx(1e-3, rel=1e-3)
