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
    confusion = np.asarray(confusion)
    if confusion.dtype.kind in "iu" and 0 < len(confusion) < 8:
        return _few_classes_metrics(confusion.tolist())
    confusion = confusion.astype(np.float64, copy=False)
    total = confusion.sum()
    per_class = per_class_metrics(confusion)
    return {"accuracy": float(np.trace(confusion) / total) if total else 0.0,
            "precision": float(per_class["precision"].mean()),
            "recall": float(per_class["recall"].mean()), "f1": float(per_class["f1"].mean())}


def _few_classes_metrics(rows: list[list[int]]) -> dict[str, float]:
    """:func:`classification_metrics` of a count matrix of fewer than 8 classes, in Python.

    The same numbers, bit for bit, without numpy's per-call cost (this runs twice an epoch,
    and a table's epoch is a few milliseconds): counts and their sums are exact integers,
    each division and product rounds as numpy's does, and numpy sums fewer than 8 values
    one after the other, from the first (``tests/core/train/test_metrics.py`` checks it).
    """
    k = len(rows)
    true_pos = [rows[i][i] for i in range(k)]
    actual = [sum(row) for row in rows]
    predicted = [sum(column) for column in zip(*rows)]
    total = sum(actual)
    precision = [t / p if p > 0 else 0.0 for t, p in zip(true_pos, predicted)]
    recall = [t / a if a > 0 else 0.0 for t, a in zip(true_pos, actual)]
    f1 = [2 * p * r / (p + r) if p + r > 0 else 0.0 for p, r in zip(precision, recall)]
    return {"accuracy": sum(true_pos) / total if total else 0.0,
            "precision": _mean_in_order(precision), "recall": _mean_in_order(recall),
            "f1": _mean_in_order(f1)}


def _mean_in_order(values: list[float]) -> float:
    """The mean of fewer than 8 floats summed first to last, as ``np.mean`` does."""
    total = 0.0
    for value in values:
        total += value
    return total / len(values)


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


#: The most output values an accumulator holds before making their predictions (4 MiB).
HELD_OUTPUTS = 1 << 20


class Accumulator:
    """Collects one pass's predictions on the device; totals and metrics at the end.

    ``update(out, start, stop)`` stores the predictions of samples ``start:stop`` of the
    pass (in the order they were drawn). ``totals(order, targets)`` turns them into a
    float64 vector using ``targets[order]``, the targets of the split in the drawing order.

    On the CPU, where reading a number costs no synchronisation, the loss is summed in a
    Python float and class counts are made with numpy on views of the same memory: a
    small table's epoch is a few milliseconds, and each torch op there costs several
    microseconds. Both give the same bits as the device path: ``batch size × loss`` is
    exact in float64 (a float32 times an integer below 2**29), so each sum rounds once,
    in the same order, and counts are integers.
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
        #: Sums on the host (see the class's docstring) when the device is the CPU.
        self.host = torch.device(device).type == "cpu"
        self.loss_total = 0.0  # Σ loss × batch size, on the host
        self.loss_sum = None if self.host else torch.zeros((), dtype=torch.float64, device=device)
        self.count = 0
        self.scale = self.mean = None
        if target_scaling and targets == "values":
            self.scale = torch.tensor(target_scaling["scale"], dtype=torch.float64, device=device)
            self.mean = torch.tensor(target_scaling["mean"], dtype=torch.float64, device=device)
        self.errors = None
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
        # Outputs of samples _held_start:_held_stop not yet turned into predictions (update).
        self._held: list[Any] = []
        self._held_start = self._held_stop = self._held_size = 0

    def reset(self) -> None:
        """Empty it for another pass over the same split: cheaper than a new accumulator
        (its buffers are kept), which on a table's few-millisecond epochs counts."""
        self.loss_total, self.count = 0.0, 0
        for sums in (self.loss_sum, self.head_sums, self.errors):
            if sums is not None:
                sums.zero_()
        self._held, self._held_start, self._held_stop, self._held_size = [], 0, 0, 0

    def add_loss(self, loss, batch_size: int, parts=None, value: float | None = None) -> None:
        """Add a batch's mean ``loss``; ``value`` is ``float(loss)`` when the caller has read it."""
        if self.host:
            self.loss_total += batch_size * (loss.item() if value is None else value)
        else:
            self.loss_sum.add_(loss.detach(), alpha=batch_size)
        self.count += batch_size
        if self.head_sums is not None and parts is not None:
            self.head_sums.add_(parts, alpha=batch_size)

    def update(self, out, start: int, stop: int, inputs=None) -> None:
        out = out.detach()
        if self.preds is None:
            self._add_errors(out, inputs)
            return
        # The outputs of consecutive batches are held (up to HELD_OUTPUTS values) and turned
        # into predictions together: one op for many batches instead of one per batch, the
        # same predictions (each row's on its own), and a table's batches are tiny.
        if start != self._held_stop or self._held_size + out.numel() > HELD_OUTPUTS:
            self._predict_held()
            self._held_start = start
        self._held.append(out)
        self._held_size += out.numel()
        self._held_stop = stop

    def _predict_held(self) -> None:
        """Write the predictions of the held outputs into ``preds``."""
        import torch

        if not self._held:
            return
        out = self._held[0] if len(self._held) == 1 else torch.cat(self._held)
        self._predict(out, self._held_start, self._held_stop)
        self._held, self._held_size = [], 0

    def _predict(self, out, start: int, stop: int) -> None:
        import torch

        if self.targets == "classes":
            if self.binary:
                torch.gt(out.reshape(-1), 0, out=self.preds[start:stop])
            else:
                torch.argmax(out, 1, out=self.preds[start:stop])
        elif self.targets == "labels":
            torch.gt(out, 0, out=self.preds[start:stop])
        elif self.targets == "values":
            self.preds[start:stop].copy_(out.reshape(stop - start, -1))

    def _add_errors(self, out, inputs) -> None:
        """A reconstruction's errors (Σ|e|, Σe², the number of values), batch by batch."""
        if self.errors is not None and inputs is not None:
            diff = (out.float() - inputs).reshape(-1)
            self.errors[0] += diff.abs().sum()
            self.errors[1] += diff.square().sum()
            self.errors[2] += diff.numel()

    def totals(self, order, targets):
        """A float64 vector of sums that ``compute`` turns into metrics (add them across ranks)."""
        import torch

        self._predict_held()
        base = self._task_totals(order, targets)
        return base if self.head_sums is None else torch.cat([base, self.head_sums])

    def _task_totals(self, order, targets):
        import torch

        if self.host and self.targets in ("classes", "labels"):
            return torch.from_numpy(self._host_counts(order, targets))
        if self.host:
            head = torch.tensor([self.loss_total, float(self.count)], dtype=torch.float64)
        else:
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

    def _host_counts(self, order, targets) -> np.ndarray:
        """The CPU's totals of classes (a confusion matrix) or labels, counted with numpy."""
        n = self.count
        head = np.array([self.loss_total, float(n)])
        if self.targets == "classes":
            counts = self._class_counts(order, targets)
        else:
            truth = targets.numpy()[order.numpy()[:n]] > 0.5
            pred = self.preds.numpy()[:n]
            counts = np.stack([(truth & pred).sum(0), (~truth & pred).sum(0),
                               (truth & ~pred).sum(0), (~truth & ~pred).sum(0)], 1).reshape(-1)
        return np.concatenate([head, counts.astype(np.float64)])

    def _class_counts(self, order, targets) -> np.ndarray:
        """The flattened (K, K) confusion matrix of a pass on the CPU, as int64."""
        k = max(self.num_classes, 2)
        truth = targets.numpy()[order.numpy()[:self.count]]
        return np.bincount(truth * k + self.preds.numpy()[:self.count], minlength=k * k)

    def result(self, order, targets) -> Evaluation:
        """``compute(totals(order, targets))`` for a single process (nothing to add up).

        A classifier's pass on the CPU goes straight from the counts to the metrics, with
        the same numbers: this runs twice an epoch, on a table's few-millisecond epochs.
        """
        if self.host and self.targets == "classes" and self.head_sums is None:
            self._predict_held()
            return self._evaluation(self.loss_total, float(self.count),
                                    self._class_counts(order, targets))
        return self.compute(self.totals(order, targets))

    def compute(self, totals) -> Evaluation:
        """Loss and metrics from (possibly all-reduced) totals."""
        values = totals.double().cpu().numpy()
        head_values = None
        if self.head_sums is not None:
            heads = len(self.head_sums)
            values, head_values = values[:-heads], values[-heads:]
        return self._evaluation(values[0], values[1], values[2:], head_values)

    def _evaluation(self, loss_sum, count, rest, head_sums=None) -> Evaluation:
        """The Evaluation of summed losses and the task's totals (``rest``), all float64
        except a confusion matrix, which may come as integer counts."""
        samples = count
        count = max(count, 1.0)
        result = Evaluation(loss=float(loss_sum / count), samples=int(samples))
        if head_sums is not None:
            result.head_losses = dict(zip(self.head_names, (float(s / count) for s in head_sums)))
        if self.targets == "classes":
            k = max(self.num_classes, 2)
            confusion = rest.reshape(k, k)
            result.confusion = (confusion if confusion.dtype == np.int64
                                else confusion.round().astype(np.int64))
            result.metrics = classification_metrics(result.confusion)
        elif self.targets == "labels":
            result.metrics = multilabel_metrics(rest.reshape(-1, 4))
        elif self.targets == "values":
            result.metrics = regression_metrics(rest.reshape(-1, 5))
        elif self.targets == "input" and rest.size == 3:
            elements = max(rest[2], 1.0)
            result.metrics = {"mae": float(rest[0] / elements), "rmse": math.sqrt(rest[1] / elements)}
        return result
