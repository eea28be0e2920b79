"""Metrics: accuracy, macro precision/recall/F1 and confusion matrix; MAE, RMSE, R².

Which metrics exist, for which tasks, and whether larger is better is the registry's
(:mod:`core.train.metric_specs`); this module computes them.

During an epoch the trainer only writes each batch's predictions into a buffer on the
device (one tensor op per batch, no synchronisation). At the end of the epoch the
buffer becomes a small vector of totals (a confusion matrix, or sums of errors), which
several processes can add up with one ``all_reduce``, and the metrics are computed
from the totals in float64. Regression metrics are in the target's original units
(``target_scaling`` undone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.tasks import TASKS



# ---------------------------------------------------------------------- pure functions
def classification_metrics(confusion: np.ndarray) -> dict[str, float]:
    """Accuracy and macro precision/recall/F1 from a confusion matrix (rows: true class).

    A class that is never predicted has precision 0, one that never occurs has recall 0
    (scikit-learn's ``zero_division=0``); the macro average is over every class.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    total = confusion.sum()
    per_class = per_class_metrics(confusion)
    return {"accuracy": float(np.trace(confusion) / total) if total else 0.0,
            "precision": float(per_class["precision"].mean()),
            "recall": float(per_class["recall"].mean()), "f1": float(per_class["f1"].mean())}


def per_class_metrics(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support of each class (arrays of length K)."""
    confusion = np.asarray(confusion, dtype=np.float64)
    true_pos = np.diag(confusion)
    actual = confusion.sum(axis=1)
    precision, recall, f1 = _precision_recall_f1(true_pos, confusion.sum(axis=0), actual)
    return {"precision": precision, "recall": recall, "f1": f1, "support": actual.astype(np.int64)}


def _precision_recall_f1(true_pos, predicted, actual):
    """Per class, with 0 where a denominator is 0."""
    precision = np.divide(true_pos, predicted, out=np.zeros_like(true_pos), where=predicted > 0)
    recall = np.divide(true_pos, actual, out=np.zeros_like(true_pos), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(true_pos), where=both > 0)
    return precision, recall, f1


def multilabel_metrics(counts: np.ndarray) -> dict[str, float]:
    """``counts`` is (labels, 4): true positives, false positives, false negatives, true negatives.

    Accuracy is the fraction of correct label decisions; precision/recall/F1 are
    macro averages over the labels.
    """
    counts = np.asarray(counts, dtype=np.float64)
    tp, fp, fn, tn = counts.T
    total = counts.sum()
    precision, recall, f1 = _precision_recall_f1(tp, tp + fp, tp + fn)
    return {"accuracy": float((tp + tn).sum() / total) if total else 0.0,
            "precision": float(precision.mean()), "recall": float(recall.mean()),
            "f1": float(f1.mean())}


def regression_metrics(sums: np.ndarray) -> dict[str, float]:
    """``sums`` is (targets, 5): count, Σ|e|, Σe², Σy, Σy² in original units.

    MAE, RMSE and R² are computed per target and averaged (R² as scikit-learn's
    ``uniform_average``; a constant target gives R² 0 unless predicted exactly).
    """
    sums = np.asarray(sums, dtype=np.float64)
    count, abs_err, sq_err, y_sum, y_sq = sums.T
    count = np.maximum(count, 1)
    mae = abs_err / count
    rmse = np.sqrt(sq_err / count)
    total_var = y_sq - y_sum ** 2 / count
    r2 = np.where(total_var > 1e-12 * np.maximum(y_sq, 1), 1 - sq_err / np.where(total_var > 0, total_var, 1),
                  np.where(sq_err > 0, 0.0, 1.0))
    return {"mae": float(mae.mean()), "rmse": float(rmse.mean()), "r2": float(r2.mean())}


# ---------------------------------------------------------------------- accumulation
@dataclass
class Evaluation:
    """Loss and metrics of one pass over a split, with the confusion matrix if any."""

    loss: float
    metrics: dict[str, float] = field(default_factory=dict)
    confusion: np.ndarray | None = None  # (K, K), rows = true class
    samples: int = 0
    #: Each head's own loss (``loss_<output id>``) when the network has several heads.
    head_losses: dict[str, float] = field(default_factory=dict)

    def row(self, prefix: str, names: list[str]) -> dict[str, float]:
        """``{prefix_loss, prefix_loss_<head>..., prefix_<metric>...}`` for the selected metrics."""
        row = {f"{prefix}_loss": self.loss}
        row.update({f"{prefix}_{name}": value for name, value in self.head_losses.items()})
        for name in names:
            if name in self.metrics:
                row[f"{prefix}_{name}"] = self.metrics[name]
        return row


def epoch_row(epoch: int, train: Evaluation, val: Evaluation | None, metrics: list[str],
              learning_rate: float, seconds: float, train_seconds: float) -> dict[str, Any]:
    """One metrics.csv row: epoch, losses, train_ and val_ metrics, learning rate, timing.

    ``seconds`` is the epoch's wall time from the previous epoch's row (so saving and
    callbacks count); ``train_seconds`` the training steps alone.
    """
    row: dict[str, Any] = {"epoch": epoch, "train_loss": train.loss}
    if val is not None:
        row["val_loss"] = val.loss
        row.update({f"val_{name}": value for name, value in val.head_losses.items()})
    row.update({k: v for k, v in train.row("train", metrics).items() if k != "train_loss"})
    if val is not None:
        row.update({k: v for k, v in val.row("val", metrics).items() if k != "val_loss"})
    row["learning_rate"] = float(learning_rate)
    row["seconds"] = round(seconds, 4)
    # Honest: over the epoch's whole wall time (validation, saving, callbacks included) ...
    row["samples_per_second"] = round(train.samples / max(seconds, 1e-9), 1)
    # ... and the training steps alone, named as such.
    row["train_samples_per_second"] = round(train.samples / max(train_seconds, 1e-9), 1)
    return row


class Accumulator:
    """Collects one pass's predictions on the device; totals and metrics at the end.

    ``update(out, start, stop)`` stores the predictions of samples ``start:stop`` of the
    pass (in the order they were drawn). ``totals(order, targets)`` turns them into a
    float64 vector using ``targets[order]``, the targets of the split in the drawing order.
    """

    def __init__(self, targets: str, size: int, device, *, num_classes: int = 0, binary: bool = False,
                 outputs: int = 1, target_scaling: dict[str, Any] | None = None,
                 reconstruction_errors: bool = False, heads: list[str] | None = None):
        import torch

        # ``targets`` is the task's kind of targets (core/tasks.py): classes, labels, values,
        # input; a task's name stands for its kind.
        if targets in TASKS:
            targets = TASKS.get(targets).targets
        self.targets, self.size, self.device = targets, size, device
        #: Σ (each head's loss × batch size), with several heads (``add_loss(parts=...)``).
        self.head_names = list(heads or [])
        self.head_sums = (torch.zeros(len(self.head_names), dtype=torch.float64, device=device)
                          if self.head_names else None)
        self.num_classes, self.binary, self.outputs = num_classes, binary, outputs
        self.loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.count = 0
        self.scale = self.mean = None
        if target_scaling and targets == "values":
            self.scale = torch.tensor(target_scaling["scale"], dtype=torch.float64, device=device)
            self.mean = torch.tensor(target_scaling["mean"], dtype=torch.float64, device=device)
        if targets == "classes":
            self.preds = torch.empty(size, dtype=torch.int64, device=device)
        elif targets == "labels":
            self.preds = torch.empty(size, outputs, dtype=torch.bool, device=device)
        elif targets == "values":
            self.preds = torch.empty(size, outputs, dtype=torch.float32, device=device)
        else:
            self.preds = None
            # Σ|e|, Σe² and the number of values, summed over every element of the batches.
            self.errors = (torch.zeros(3, dtype=torch.float64, device=device)
                           if reconstruction_errors else None)

    def add_loss(self, loss, batch_size: int, parts=None) -> None:
        self.loss_sum.add_(loss.detach(), alpha=batch_size)
        self.count += batch_size
        if self.head_sums is not None and parts is not None:
            self.head_sums.add_(parts, alpha=batch_size)

    def update(self, out, start: int, stop: int, inputs=None) -> None:
        import torch

        out = out.detach()
        if self.targets == "classes":
            if self.binary:
                torch.gt(out.reshape(-1), 0, out=self.preds[start:stop])
            else:
                torch.argmax(out, 1, out=self.preds[start:stop])
        elif self.targets == "labels":
            torch.gt(out, 0, out=self.preds[start:stop])
        elif self.targets == "values":
            self.preds[start:stop].copy_(out.reshape(stop - start, -1))
        elif self.errors is not None and inputs is not None:
            diff = (out.float() - inputs).reshape(-1)
            self.errors[0] += diff.abs().sum()
            self.errors[1] += diff.square().sum()
            self.errors[2] += diff.numel()

    def totals(self, order, targets):
        """A float64 vector of sums that ``compute`` turns into metrics (add them across ranks)."""
        import torch

        base = self._task_totals(order, targets)
        return base if self.head_sums is None else torch.cat([base, self.head_sums])

    def _task_totals(self, order, targets):
        import torch

        head = torch.stack([self.loss_sum, torch.tensor(float(self.count), dtype=torch.float64,
                                                         device=self.device)])
        n = stop = self.count
        if self.targets == "classes":
            k = max(self.num_classes, 2)
            labels = targets[order[:n]].to(self.device)
            cells = torch.bincount(labels * k + self.preds[:stop], minlength=k * k)
            return torch.cat([head, cells.to(torch.float64)])
        if self.targets == "labels":
            truth = targets[order[:n]].to(self.device) > 0.5
            pred = self.preds[:stop]
            counts = torch.stack([(truth & pred).sum(0), (~truth & pred).sum(0),
                                  (truth & ~pred).sum(0), (~truth & ~pred).sum(0)], 1)
            return torch.cat([head, counts.reshape(-1).to(torch.float64)])
        if self.targets == "values":
            truth = targets[order[:n]].to(self.device).to(torch.float64).reshape(n, -1)
            pred = self.preds[:stop].to(torch.float64)
            if self.scale is not None:
                truth = truth * self.scale + self.mean
                pred = pred * self.scale + self.mean
            err = pred - truth
            sums = torch.stack([torch.full_like(err[0], n), err.abs().sum(0), err.square().sum(0),
                                truth.sum(0), truth.square().sum(0)], 1)
            return torch.cat([head, sums.reshape(-1)])
        if self.errors is not None:
            return torch.cat([head, self.errors])
        return head

    def compute(self, totals) -> Evaluation:
        """Loss and metrics from (possibly all-reduced) totals."""
        values = totals.double().cpu().numpy()
        count = max(values[1], 1.0)
        result = Evaluation(loss=float(values[0] / count), samples=int(values[1]))
        if self.head_sums is not None:
            heads = len(self.head_sums)
            values, sums = values[:-heads], values[-heads:]
            result.head_losses = dict(zip(self.head_names, (float(s / count) for s in sums)))
        rest = values[2:]
        if self.targets == "classes":
            k = max(self.num_classes, 2)
            result.confusion = rest.reshape(k, k).round().astype(np.int64)
            result.metrics = classification_metrics(result.confusion)
        elif self.targets == "labels":
            result.metrics = multilabel_metrics(rest.reshape(-1, 4))
        elif self.targets == "values":
            result.metrics = regression_metrics(rest.reshape(-1, 5))
        elif self.targets == "input" and rest.size == 3:
            elements = max(rest[2], 1.0)
            result.metrics = {"mae": float(rest[0] / elements), "rmse": math.sqrt(rest[1] / elements)}
        return result
