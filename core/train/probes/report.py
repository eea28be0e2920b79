"""After training: the confusion matrix, per-class metrics and a gallery of sample predictions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.data.dataset import CLASSIFICATION, MULTILABEL, RECONSTRUCTION, REGRESSION
from core.train.callbacks import FAILED, Callback, TrainResult
from core.train.metrics import classification_metrics, per_class_metrics, regression_metrics
from core.train.probes.base import Sink, probe_rows
from core.train.probes.registry import PROBES, ProbeSpec


@dataclass
class SamplePredictions:
    """A few samples with what the network made of them (for a gallery)."""

    ids: list[str]
    inputs: np.ndarray  # float32 (n, *input_shape): the model's (preprocessed) inputs
    true: np.ndarray | None  # classes: int64 (n,); regression: float (n, targets), original units
    predicted: np.ndarray  # same kind as ``true``; reconstruction: the outputs (n, *input_shape)
    probabilities: np.ndarray | None = None  # classes: float32 (n, K)


@dataclass
class FinalReport:
    """How the final network does on ``split`` (validation, else test, else train)."""

    kind: str
    split: str
    task: str
    class_names: list[str] | None
    metrics: dict[str, float]
    confusion: np.ndarray | None  # int64 (K, K), rows = true class
    per_class: dict[str, np.ndarray] | None  # precision, recall, f1, support: (K,) each
    samples: SamplePredictions
    #: Regression: every sample's true and predicted values (original units), for a
    #: predicted-vs-actual plot; ``None`` otherwise.
    regression_true: np.ndarray | None = None
    regression_predicted: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FinalReportProbe(Callback):
    """Sends one :class:`FinalReport` when training ends (unless it failed before any epoch)."""

    wants_batches = False

    def __init__(self, sink: Sink, *, gallery_size: int = 32, max_regression_points: int = 5000):
        self.sink = sink
        self.gallery_size = gallery_size
        self.max_regression_points = max_regression_points
        self.enabled = True

    def on_train_end(self, trainer, result: TrainResult) -> None:
        if not self.enabled or trainer.placement is None or (result.status == FAILED and not trainer.epoch):
            return
        if getattr(trainer, "adversarial", None) is not None:
            return  # a GAN predicts nothing: its results are its samples (the gan_samples probe)
        self.sink(make_report(trainer, self.gallery_size, self.max_regression_points))


def _split(dataset):
    for name in ("validation", "test", "train"):
        split = getattr(dataset, name)
        if split is not None and len(split):
            return name, split
    raise ValueError("no data")


def _outputs(trainer, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    import torch

    outs = []
    with trainer.evaluating() as module:
        for start in range(0, len(x), batch_size):
            batch = torch.from_numpy(np.ascontiguousarray(x[start:start + batch_size], np.float32))
            outs.append(module(batch.to(trainer.placement.device)).float().cpu().numpy())
    return np.concatenate(outs) if outs else np.zeros((0,), np.float32)


def _unscale(values: np.ndarray, preprocessing: dict) -> np.ndarray:
    scaling = (preprocessing or {}).get("target_scaling")
    if not scaling:
        return values
    return values * np.asarray(scaling["scale"], np.float32) + np.asarray(scaling["mean"], np.float32)


def _probabilities(out: np.ndarray) -> np.ndarray:
    """Class probabilities from logits: softmax, or sigmoid of one logit as two columns."""
    if out.shape[1] == 1:
        p = 1 / (1 + np.exp(-out[:, 0]))
        return np.stack([1 - p, p], 1)
    shifted = np.exp(out - out.max(1, keepdims=True))
    return shifted / shifted.sum(1, keepdims=True)


def make_report(trainer, gallery_size: int = 32, max_regression_points: int = 5000) -> FinalReport:
    """The report of the trainer's current network (its best weights, after ``fit``)."""
    name, split = _split(trainer.dataset)
    info, task = trainer.info, trainer.info.task
    gallery = probe_rows(split, gallery_size, seed=2)
    ids = [str(split.ids[i]) if split.ids is not None else str(i) for i in gallery]
    if task == CLASSIFICATION:
        truth = np.asarray(split.y, np.int64)
        known = trainer.validation_confusion if name == "validation" else None
        if known is not None:  # the trainer evaluated these very weights on this split
            confusion = np.asarray(known)
            probs = _probabilities(_outputs(trainer, split.x[gallery]))
        else:
            probs = _probabilities(_outputs(trainer, split.x))
            k = max(info.num_classes, 2)
            confusion = np.bincount(truth * k + probs.argmax(1), minlength=k * k).reshape(k, k)
            probs = probs[gallery]
        samples = SamplePredictions(ids, np.asarray(split.x[gallery], np.float32), truth[gallery],
                                    probs.argmax(1), probs.astype(np.float32))
        return FinalReport("final_report", name, task, info.class_names,
                           classification_metrics(confusion), confusion,
                           per_class_metrics(confusion), samples)
    if task == REGRESSION:
        preprocessing = trainer.dataset.preprocessing

        def values(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            pred = _outputs(trainer, split.x[rows]).reshape(len(rows), -1)
            truth = np.asarray(split.y[rows], np.float32).reshape(len(rows), -1)
            return _unscale(truth, preprocessing), _unscale(pred, preprocessing)

        truth, pred = values(probe_rows(split, max_regression_points, seed=3))
        err = (pred - truth).astype(np.float64)
        sums = np.stack([np.full(err.shape[1], len(err)), np.abs(err).sum(0), (err ** 2).sum(0),
                         truth.sum(0), (truth.astype(np.float64) ** 2).sum(0)], 1)
        gallery_truth, gallery_pred = values(gallery)
        samples = SamplePredictions(ids, np.asarray(split.x[gallery], np.float32), gallery_truth,
                                    gallery_pred)
        return FinalReport("final_report", name, task, None, regression_metrics(sums), None, None,
                           samples, truth, pred)
    x = np.asarray(split.x[gallery], np.float32)
    out = _outputs(trainer, x)
    if task == MULTILABEL:
        prob = 1 / (1 + np.exp(-out))
        truth = np.asarray(split.y[gallery], np.float32)
        samples = SamplePredictions(ids, x, truth, (prob > 0.5).astype(np.float32), prob)
        return FinalReport("final_report", name, task, None, {}, None, None, samples)
    if task == RECONSTRUCTION and trainer.objective.output_activation == "sigmoid":
        out = 1 / (1 + np.exp(-out))
    samples = SamplePredictions(ids, x, None, out)
    return FinalReport("final_report", name, task, None,
                       {"mse": float(np.mean((out - x) ** 2)) if len(x) else 0.0}, None, None, samples)


PROBES.register(ProbeSpec(
    name="final_report", title="Results",
    doc="After training: metrics, confusion matrix, per-class scores and a gallery of predictions.",
    make=FinalReportProbe, snapshot=FinalReport, views=("results",), part="report", at_end=True))
