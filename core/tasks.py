"""The task registry: one :class:`TaskSpec` per thing a network can be trained to do.

A task says what the data's targets are and what the network's output must be: its
shape for a loss, the usual loss, the words that name its targets in messages, the
one-line summary of the data, and which metrics apply (the metric registry,
:mod:`core.train.metric_specs`, lists for each metric the tasks it serves). How a
batch's targets reach the loss and the metrics is :class:`core.train.objective.Objective`'s
per ``targets`` kind:

- ``classes``: one class index per sample (int64); one logit for two classes with a
  binary loss, else one output per class;
- ``labels``: several 0/1 labels per sample (float32);
- ``values``: one or more numbers per sample (float32, scaled);
- ``input``: the network's own input (nothing stored).

A new task (a VAE's, a GAN's) registers a spec here with the ``targets`` kind it
uses. Importing this module imports nothing else of LayerForge's and no torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from core.registry import Registry

CLASSIFICATION = "classification"
REGRESSION = "regression"
RECONSTRUCTION = "reconstruction"
MULTILABEL = "multilabel"

TARGET_KINDS = ("classes", "labels", "values", "input")


@dataclass(frozen=True)
class TaskSpec:
    """One task. ``info`` arguments are :class:`core.data.dataset.DataInfo` objects."""

    name: str
    title: str
    doc: str
    #: What the targets are called in messages: "classes", "numeric targets", ...
    words: str
    #: How the targets are stored and compared (see the module's docstring).
    targets: str
    #: ``num_classes -> loss name``: the loss ``auto`` stands for.
    default_loss: Callable[[int], str]
    #: ``(info, loss) -> shape``: the Output's shape for this data and loss.
    output_shape: Callable[[Any, str], tuple[int, ...]]
    #: ``info -> text``: "3 classes", "reconstruction" (the data's one-line summary).
    describe: Callable[[Any], str]

    def __post_init__(self) -> None:
        if self.targets not in TARGET_KINDS:
            raise ValueError(f"task {self.name!r}: targets must be one of {TARGET_KINDS}")


TASKS: Registry[TaskSpec] = Registry("task")


def _class_shape(info, loss: str) -> tuple[int, ...]:
    """Two classes get a single logit, unless the person chose ``cross_entropy``."""
    if info.num_classes == 2 and loss != "cross_entropy":
        return (1,)
    return (info.num_classes,)


def _per_target(info, loss: str) -> tuple[int, ...]:
    return (max(1, len(info.target_names)),)


TASKS.register(TaskSpec(
    CLASSIFICATION, "classification",
    "Each sample belongs to one of several classes; the network scores every class.",
    "classes", "classes",
    lambda classes: "bce" if classes == 2 else "cross_entropy",
    _class_shape, lambda info: f"{info.num_classes} classes"))
TASKS.register(TaskSpec(
    REGRESSION, "regression",
    "Each sample has one or more numbers to predict.",
    "numeric targets", "values", lambda classes: "mse", _per_target,
    lambda info: f"{len(info.target_names)} regression target(s)"))
TASKS.register(TaskSpec(
    RECONSTRUCTION, "reconstruction",
    "The network reproduces its input (an autoencoder); there are no labels.",
    "a reconstruction target", "input", lambda classes: "mse",
    lambda info, loss: tuple(info.input_shape), lambda info: "reconstruction"))
TASKS.register(TaskSpec(
    MULTILABEL, "multilabel",
    "Each sample has several yes/no labels at once; the network scores each label.",
    "labels", "labels", lambda classes: "bce", _per_target,
    lambda info: f"{len(info.target_names)} labels"))

#: The registered task names, in registration order (the schema's and the CSV dialog's).
TASK_NAMES = tuple(TASKS.names())
