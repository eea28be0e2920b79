"""The trainer callback that reports a trial's metric each epoch and stops it when Optuna prunes.

The run is stopped as the Stop button stops one (after the epoch, checkpoint kept), so
the folder stays resumable and exportable; afterwards its ``run.json`` says ``pruned``
with the reason, instead of ``stopped``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.atomic import write_text_atomic
from core.train.callbacks import STOPPED, Callback, EpochEnd, TrainResult
from core.train.rundir import RUN_JSON, finite, json_text, read_run_json

PRUNED = "pruned"


def metric_value(row: dict[str, Any] | None, metric: str) -> float | None:
    """``metric`` in a metrics row; a ``val_`` column falls back to ``train_`` when the data
    has no validation split (as the trainer's monitor does)."""
    if not row:
        return None
    value = row.get(metric)
    if value is None and metric.startswith("val_"):
        value = row.get("train_" + metric[4:])
    return float(value) if isinstance(value, (int, float)) else None


class TrialReporter(Callback):
    """Reports ``metric`` to an Optuna trial after each epoch; asks the trainer to stop when
    the trial should be pruned (never after the last epoch: that run is complete)."""

    wants_batches = False

    def __init__(self, trial, metric: str, label: str = "", decides=lambda epoch: True) -> None:
        self.trial = trial
        self.metric = metric
        #: Whether the pruner can decide after an epoch (``PrunerSpec.decides``).
        self.decides = decides
        self.label = label or f"trial {trial.number}"
        self.pruned_at: int | None = None
        self.reason: str | None = None

    def on_train_start(self, trainer) -> None:
        for row in trainer.history:  # a continued run: the epochs it already has
            self._report(row, int(row.get("epoch", 0)), trainer.spec.epochs)

    def on_epoch_end(self, trainer, event: EpochEnd) -> None:
        value = self._report(event.row, event.epoch, event.epochs)
        if value is None or event.epoch >= event.epochs or self.pruned_at is not None:
            return
        if self.decides(event.epoch) and self.trial.should_prune():
            self.pruned_at = event.epoch
            self.reason = (f"pruned by the sweep after epoch {event.epoch}: its {self.metric}"
                           f" {value:.4g} was among the worse trials' at that epoch")
            trainer.stop()

    def _report(self, row: dict[str, Any], epoch: int, epochs: int) -> float | None:
        """Report the epoch's value where the pruner can use it, and the last epoch's: each
        report is a write to the storage, which costs more than a small network's epoch."""
        value = metric_value(row, self.metric)
        if value is not None and epoch > 0 and (self.decides(epoch) or epoch >= epochs):
            self.trial.report(value, epoch)
        return value

    def on_train_end(self, trainer, result: TrainResult) -> None:
        if self.pruned_at is not None and result.status == STOPPED and result.run_dir is not None:
            mark_pruned(result.run_dir, self.reason or PRUNED)
            result.status, result.reason = PRUNED, self.reason


def mark_pruned(run_dir: str | Path, reason: str) -> None:
    """Rewrite a stopped run's ``run.json`` to say it was pruned, and why."""
    record = read_run_json(run_dir)
    record.update({"status": PRUNED, "reason": reason})
    write_text_atomic(Path(run_dir) / RUN_JSON, json_text(finite(record)))
