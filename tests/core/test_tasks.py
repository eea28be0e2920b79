"""The task registry: every task's rules are the ones the data, the losses and the trainer use."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.dataset import DataInfo
from core.tasks import TARGET_KINDS, TASKS, TaskSpec
from core.train.losses import LOSSES, resolve
from core.train.metric_specs import for_task
from core.train.objective import Objective
from core.train.spec import TrainSpec

INFOS = {
    "classification": DataInfo((4,), "classification", class_names=["a", "b", "c"], target_names=["y"]),
    "regression": DataInfo((4,), "regression", target_names=["y", "z"]),
    "reconstruction": DataInfo((4,), "reconstruction"),
    "multilabel": DataInfo((4,), "multilabel", target_names=["p", "q", "r"]),
}
TARGETS = {"classification": np.array([0, 2, 1]), "regression": np.ones((3, 2), np.float32),
           "reconstruction": None, "multilabel": np.array([[0, 1, 1], [1, 0, 0], [0, 0, 1]], np.float32)}


def test_every_task_has_data_a_loss_metrics_and_docs():
    assert set(TASKS.names()) == set(INFOS)
    for task in TASKS:
        info = INFOS[task.name]
        loss = resolve("auto", task.name, info.num_classes)
        assert loss == task.default_loss(info.num_classes) and task.name in LOSSES.get(loss).tasks
        assert info.target_shape() == task.output_shape(info, "auto")
        assert for_task(task.name), task.name  # some metric serves it
        assert task.describe(info) in info.summary()
        assert task.doc.endswith(".") and task.words and task.targets in TARGET_KINDS


@pytest.mark.parametrize("name", sorted(INFOS))
def test_a_tasks_targets_reach_the_loss_in_the_shape_of_the_output(name):
    import torch

    info = INFOS[name]
    objective = Objective.create(info, TrainSpec.from_dict({}, info))
    y = TARGETS[name]
    targets = objective.loss_targets(y)
    outputs = torch.zeros(3, *objective.output_shape)
    loss = objective.loss_module()(outputs, torch.zeros(3, 4) if targets is None else targets)
    assert loss.ndim == 0 and torch.isfinite(loss)
    # Several heads share one batch of targets: converting a batch gives what the split gives.
    if y is not None:
        again = objective.batch_targets(objective.metric_targets(y))
        assert torch.equal(again, targets)


def test_a_task_with_an_unknown_kind_of_targets_is_refused():
    with pytest.raises(ValueError, match="targets must be one of"):
        TaskSpec("ranking", "ranking", "Orders items.", "orders", "orders", lambda k: "mse",
                 lambda info, loss: (1,), lambda info: "ranking")


def test_two_classes_get_one_logit_unless_the_loss_is_cross_entropy():
    info = DataInfo((4,), "classification", class_names=["no", "yes"])
    assert TASKS.get("classification").output_shape(info, "auto") == (1,)
    assert TASKS.get("classification").output_shape(info, "cross_entropy") == (2,)
