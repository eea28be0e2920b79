"""What the network is trained to do: the loss, the targets it compares with, the predictions.

An :class:`Objective` is made once per run from the data's task and the resolved loss.
It converts a split's targets into the tensor the loss wants (once, not per batch),
builds the loss module, and makes the metric accumulators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.data.dataset import DataInfo
from core.tasks import TASKS
from core.train.losses import LOSSES, LossSpec
from core.train.metric_specs import for_task
from core.train.metrics import Accumulator
from core.train.spec import TrainSpec


@dataclass
class Objective:
    task: str
    loss_name: str
    num_classes: int
    output_shape: tuple[int, ...]
    label_smoothing: float = 0.0
    huber_delta: float = 1.0
    target_scaling: dict[str, Any] | None = None
    reconstruction_errors: bool = False

    @classmethod
    def create(cls, info: DataInfo, spec: TrainSpec,
               preprocessing: dict[str, Any] | None = None) -> "Objective":
        targets = TASKS.get(info.task).targets
        scaling = (preprocessing or {}).get("target_scaling") if targets == "values" else None
        wants_errors = targets == "input" and bool(set(spec.metrics) & set(for_task(info.task)))
        return cls(info.task, spec.loss_name, info.num_classes, tuple(info.target_shape(spec.loss)),
                   spec.label_smoothing, spec.huber_delta, scaling, wants_errors)

    @property
    def targets(self) -> str:
        """How this task's targets are kept: ``classes``, ``labels``, ``values`` or ``input``
        (:mod:`core.tasks`); everything below follows from it, not from the task's name."""
        return TASKS.get(self.task).targets

    @property
    def binary(self) -> bool:
        """Two classes scored by a single logit (binary cross-entropy or hinge)."""
        return self.targets == "classes" and self.output_shape == (1,)

    @property
    def output_activation(self) -> str:
        """What turns the raw outputs into predictions: ``softmax``, ``sigmoid`` or ``none``."""
        if self.targets == "classes":
            return "sigmoid" if self.binary else "softmax"
        if self.targets == "labels":
            return "sigmoid"
        return self.loss.output_activation

    @property
    def loss(self) -> LossSpec:
        return LOSSES.get(self.loss_name)

    def loss_module(self):
        return self.loss.build(self)

    def loss_targets(self, y: np.ndarray | None):
        """A split's targets as the loss wants them (a CPU tensor), or None for reconstruction."""
        import torch

        if self.targets == "input" or y is None:
            return None
        y = np.asarray(y)
        if self.targets == "classes":
            labels = torch.from_numpy(y.astype(np.int64, copy=False)).reshape(-1)
            if self.binary:
                target = labels.to(torch.float32).reshape(-1, 1)
                return target * 2 - 1 if self.loss.signed_targets else target
            return labels
        return torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32)).reshape(
            len(y), *self.output_shape)

    def metric_targets(self, y: np.ndarray | None):
        """A split's targets as the metrics read them: class indices, or values."""
        import torch

        if y is None or self.targets == "input":
            return None
        if self.targets == "classes":
            return torch.from_numpy(np.asarray(y).astype(np.int64, copy=False)).reshape(-1)
        return torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32)).reshape(len(y), -1)

    def batch_targets(self, y):
        """One batch's targets as the loss wants them, from the form :meth:`metric_targets`
        gives (on the device; several heads share one batch of targets)."""
        if self.targets == "classes":
            if not self.binary:
                return y
            target = y.to(torch_float()).reshape(-1, 1)
            return target * 2 - 1 if self.loss.signed_targets else target
        return y.reshape(len(y), *self.output_shape)

    def accumulator(self, size: int, device, heads: list[str] | None = None) -> Accumulator:
        outputs = int(np.prod(self.output_shape)) if self.targets in ("labels", "values") else 1
        return Accumulator(self.targets, size, device, num_classes=self.num_classes,
                           binary=self.binary, outputs=outputs,
                           target_scaling=self.target_scaling,
                           reconstruction_errors=self.reconstruction_errors, heads=heads)


def torch_float():
    import torch

    return torch.float32
