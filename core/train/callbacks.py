"""Callbacks: how the GUI worker, the CLI progress bar and the probes follow a run.

Subclass :class:`Callback` and override what you need. Every method is called in the
training thread, in this order::

    on_train_start(trainer)
    (on_batch_end(trainer, BatchEnd) ... on_epoch_end(trainer, EpochEnd)) per epoch
    on_pause(trainer) / on_resume(trainer)   when pause() / resume() take effect
    on_train_end(trainer, TrainResult)       always, also after stop or failure

Reading ``BatchEnd.loss`` turns the loss tensor into a float (a GPU synchronisation), so
a callback that runs every batch should read it only when it needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNING, COMPLETED, STOPPED, FAILED = "running", "completed", "stopped", "failed"


@dataclass
class BatchEnd:
    """After one optimiser step."""

    epoch: int  # 1-based
    batch: int  # 1-based within the epoch
    batches: int  # per epoch
    step: int  # optimiser steps since the run began (resumed runs continue counting)
    samples: int  # samples in this batch (this process)
    loss_tensor: Any = None
    _loss: float | None = None

    @property
    def loss(self) -> float:
        """The batch's training loss (synchronises with the device on first use)."""
        if self._loss is None:
            self._loss = float(self.loss_tensor)
        return self._loss


@dataclass
class EpochEnd:
    """After an epoch's training and validation, once its checkpoint is written."""

    epoch: int
    epochs: int
    row: dict[str, float]  # the metrics.csv row: epoch, train_loss, val_loss, ..., seconds
    is_best: bool
    best_epoch: int
    val_confusion: Any = None  # numpy (K, K) for classification with a validation split


@dataclass
class TrainResult:
    """How a run ended."""

    status: str  # completed, stopped or failed
    reason: str | None
    run_dir: Path | None
    epochs_completed: int
    best: dict[str, float] | None = None
    final: dict[str, float] | None = None
    test: dict[str, float] | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Callback:
    """Override the hooks you need; all run in the training thread."""

    def on_train_start(self, trainer) -> None:
        pass

    def on_batch_end(self, trainer, event: BatchEnd) -> None:
        pass

    def on_epoch_end(self, trainer, event: EpochEnd) -> None:
        pass

    def on_pause(self, trainer) -> None:
        pass

    def on_resume(self, trainer) -> None:
        pass

    def on_train_end(self, trainer, result: TrainResult) -> None:
        pass

    #: Set to False when ``on_batch_end`` does nothing, to save a call per batch.
    wants_batches = True


class CallbackList:
    """Calls every callback's hook in order."""

    def __init__(self, callbacks=()):
        self.callbacks = list(callbacks)
        self._batch = [c for c in self.callbacks if c.wants_batches
                       and type(c).on_batch_end is not Callback.on_batch_end]

    @property
    def wants_batches(self) -> bool:
        return bool(self._batch)

    def on_train_start(self, trainer) -> None:
        for c in self.callbacks:
            c.on_train_start(trainer)

    def on_batch_end(self, trainer, event: BatchEnd) -> None:
        for c in self._batch:
            c.on_batch_end(trainer, event)

    def on_epoch_end(self, trainer, event: EpochEnd) -> None:
        for c in self.callbacks:
            c.on_epoch_end(trainer, event)

    def on_pause(self, trainer) -> None:
        for c in self.callbacks:
            c.on_pause(trainer)

    def on_resume(self, trainer) -> None:
        for c in self.callbacks:
            c.on_resume(trainer)

    def on_train_end(self, trainer, result: TrainResult) -> None:
        for c in self.callbacks:
            c.on_train_end(trainer, result)
