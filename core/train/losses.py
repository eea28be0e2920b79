"""The loss registry: one :class:`LossSpec` per ``training.loss`` name (``auto`` aside).

A spec says which tasks accept the loss, the torch module it builds and which training
settings it takes (``label_smoothing``, ``huber_delta``), what turns outputs into
predictions, and what two classes scored by a single logit need. ``auto`` is not an
entry: it is a choice that :func:`resolve` turns into one. Importing this module does
not import torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from core.registry import Registry
from core.tasks import CLASSIFICATION, MULTILABEL, RECONSTRUCTION, REGRESSION, TASKS

AUTO = "auto"
AUTO_TITLE = "auto"
AUTO_DOC = "Picks the usual loss for the data's task."


@dataclass(frozen=True)
class LossSpec:
    """One loss.

    ``options`` maps the torch module's keyword to the training setting that gives it
    (``{"delta": "huber_delta"}``). ``binary``: a loss of its own for two classes scored
    by one logit, whose targets are then -1/+1 when ``signed_targets`` (else 0/1).
    ``binary_only``: for classification, only two classes (one logit) are possible.
    ``output_activation``: what turns outputs into predictions for a regression or
    reconstruction target (classification and labels follow the task).
    """

    name: str
    title: str
    doc: str
    tasks: tuple[str, ...]
    torch_class: str
    options: dict[str, str] = field(default_factory=dict)
    output_activation: str = "none"
    binary: Callable[[], Any] | None = None
    signed_targets: bool = False
    binary_only: bool = False

    def build(self, objective: Any):
        """The loss module for ``objective`` (a :class:`core.train.objective.Objective`)."""
        if objective.binary and self.binary is not None:
            return self.binary()
        import torch.nn as nn

        kwargs = {keyword: getattr(objective, setting) for keyword, setting in self.options.items()}
        return getattr(nn, self.torch_class)(**kwargs)


class BinaryHinge:
    """Hinge loss on one logit with targets -1/+1: mean(max(0, 1 - y·out))."""

    def __call__(self, out, target):
        import torch

        return torch.clamp(1 - target * out, min=0).mean()


LOSSES: Registry[LossSpec] = Registry("loss")

_NUMBERS = (REGRESSION, RECONSTRUCTION)
LOSSES.register(LossSpec(
    "cross_entropy", "cross-entropy",
    "For classes: the negative log of the probability given to the true class.",
    (CLASSIFICATION,), "CrossEntropyLoss", {"label_smoothing": "label_smoothing"}))
LOSSES.register(LossSpec(
    "bce", "binary cross-entropy",
    "For yes/no outputs: each output is a logit whose sigmoid is a probability.",
    (CLASSIFICATION, MULTILABEL, RECONSTRUCTION), "BCEWithLogitsLoss", output_activation="sigmoid",
    binary_only=True))
LOSSES.register(LossSpec(
    "mse", "MSE", "For numbers: the average squared difference between prediction and target.",
    _NUMBERS, "MSELoss"))
LOSSES.register(LossSpec(
    "l1", "L1 (MAE)", "For numbers: the average absolute difference; robust to outliers.",
    _NUMBERS, "L1Loss"))
LOSSES.register(LossSpec(
    "huber", "Huber", "Squared error for small errors, absolute error for large ones.",
    _NUMBERS, "HuberLoss", {"delta": "huber_delta"}))
LOSSES.register(LossSpec(
    "smooth_l1", "smooth L1", "L1 with a rounded bottom: Huber divided by its delta.",
    _NUMBERS, "SmoothL1Loss", {"beta": "huber_delta"}))
LOSSES.register(LossSpec(
    "hinge", "hinge", "For classes: wants the right score ahead by a margin of 1, then stops caring.",
    (CLASSIFICATION,), "MultiMarginLoss", binary=BinaryHinge, signed_targets=True))


def choices(task: str | None = None) -> tuple[str, ...]:
    """``auto`` and the losses ``task`` accepts (every loss when the task is not known)."""
    return (AUTO,) + tuple(s.name for s in LOSSES if task is None or task in s.tasks)


def using(setting: str) -> tuple[str, ...]:
    """The losses that take training setting ``setting`` (``huber_delta`` -> huber, smooth_l1)."""
    return tuple(s.name for s in LOSSES if setting in s.options.values())


def settings() -> tuple[str, ...]:
    """Every training setting some loss takes (``label_smoothing``, ``huber_delta``)."""
    return tuple(dict.fromkeys(setting for spec in LOSSES for setting in spec.options.values()))


def resolve(loss: str, task: str | None, num_classes: int) -> str:
    """``auto`` -> the task's usual loss: cross-entropy (classes), BCE (two classes,
    multilabel), MSE (numbers); MSE when the task is not known."""
    if loss != AUTO:
        return loss
    if task in TASKS:
        return TASKS.get(task).default_loss(num_classes)
    return "mse"
