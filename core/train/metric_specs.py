"""The metric registry: one :class:`MetricSpec` per name ``training.metrics`` may list.

A spec holds what the settings, the form, the plots and the best-epoch tracking need:
the tasks it applies to (and those that get it by default), whether larger is better,
a title and a one-line doc. The numbers themselves come from the vectorised code of
:mod:`core.train.metrics`, which turns an epoch's totals into every metric of a task at
once (``classification_metrics``, ``multilabel_metrics``, ``regression_metrics``, the
reconstruction errors); tests/core/train/test_registries.py checks that it yields exactly
the metrics listed here for each task. Importing this module does not import torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.data.dataset import CLASSIFICATION, MULTILABEL, RECONSTRUCTION, REGRESSION
from core.registry import Registry


@dataclass(frozen=True)
class MetricSpec:
    name: str
    title: str
    doc: str
    tasks: tuple[str, ...]
    maximised: bool
    default_tasks: tuple[str, ...] = ()  # tasks whose new projects list it


METRICS: Registry[MetricSpec] = Registry("metric")

_LABELS = (CLASSIFICATION, MULTILABEL)
_NUMBERS = (REGRESSION, RECONSTRUCTION)
METRICS.register(MetricSpec(
    "accuracy", "Accuracy", "The share of correct predictions (for labels: of label decisions).",
    _LABELS, True, _LABELS))
METRICS.register(MetricSpec(
    "precision", "Precision", "Of the samples predicted as a class, the share that belong to it"
    " (averaged over classes).", _LABELS, True, (CLASSIFICATION,)))
METRICS.register(MetricSpec(
    "recall", "Recall", "Of the samples of a class, the share predicted as it (averaged over classes).",
    _LABELS, True, (CLASSIFICATION,)))
METRICS.register(MetricSpec(
    "f1", "F1", "The harmonic mean of precision and recall (averaged over classes).",
    _LABELS, True, _LABELS))
METRICS.register(MetricSpec(
    "mae", "MAE", "Mean absolute error, in the target's own units.", _NUMBERS, False, (REGRESSION,)))
METRICS.register(MetricSpec(
    "rmse", "RMSE", "Root mean squared error, in the target's own units.", _NUMBERS, False,
    (REGRESSION,)))
METRICS.register(MetricSpec(
    "r2", "R²", "The share of the target's variance the predictions explain (1 is perfect).",
    (REGRESSION,), True, (REGRESSION,)))


def for_task(task: str | None) -> tuple[str, ...]:
    """The metrics ``task`` offers (every metric when the task is not known)."""
    return tuple(s.name for s in METRICS if task is None or task in s.tasks)


def defaults_for(task: str | None) -> list[str]:
    """The metrics a new project for ``task`` computes."""
    return [s.name for s in METRICS if task in s.default_tasks]
