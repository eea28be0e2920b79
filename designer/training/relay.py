"""The training thread's side of the GUI: core callbacks turned into a few small messages.

:class:`Relay` is a :class:`core.train.Callback`. It runs in the training thread and
hands plain data (numbers, numpy arrays, dicts) to ``post`` (the worker emits it as a
queued Qt signal). Batch losses are collected and posted at most ``rate`` times a
second, so the GUI thread gets ~10 small updates a second however fast training goes.
No Qt here: the relay is tested without it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.train.callbacks import BatchEnd, Callback, EpochEnd, TrainResult

#: Batch updates per second at most: the plots redraw at this rate (``plots.REDRAW_HZ``), so more
#: would only wake the GUI thread for nothing.
UPDATES_PER_SECOND = 10.0


@dataclass
class RunStarted:
    run_dir: Path | None
    epochs: int
    batches: int  # per epoch
    start_epoch: int  # > 0 when a run is continued
    step: int
    history: list[dict[str, float]]
    settings: dict[str, Any]  # trainer.optimizer_settings()
    optimizer: str
    device: str
    task: str
    class_names: list[str] | None
    notes: list[str] = field(default_factory=list)
    probe_samples: int = 0  # samples the feature-map chooser can pick from


@dataclass
class BatchUpdate:
    steps: np.ndarray  # int64: optimiser steps of the losses
    losses: np.ndarray  # float64
    epoch: int
    batch: int
    batches: int
    samples_per_second: float
    seconds_left: float | None
    learning_rate: float


@dataclass
class EpochUpdate:
    row: dict[str, float]
    epochs: int
    is_best: bool
    best_epoch: int
    confusion: np.ndarray | None
    seconds_left: float | None


@dataclass
class Paused:
    settings: dict[str, Any]


@dataclass
class Resumed:
    settings: dict[str, Any]


@dataclass
class Finished:
    result: TrainResult


class Relay(Callback):
    """Posts :class:`RunStarted`, throttled :class:`BatchUpdate`, :class:`EpochUpdate`,
    :class:`Paused`/:class:`Resumed` and :class:`Finished` messages."""

    def __init__(self, post: Callable[[Any], None], rate: float = UPDATES_PER_SECOND,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.post = post
        self.interval = 1.0 / rate
        self.clock = clock
        self._steps: list[int] = []
        self._losses: list[Any] = []  # floats, or loss tensors (read together on a GPU)
        self._last_post = 0.0
        self._window_start = 0.0
        self._window_samples = 0
        self._rate = 0.0  # samples per second, smoothed
        self._batch_seconds = 0.0  # seconds per batch, smoothed
        self._epoch_extra = 0.0  # seconds an epoch spends outside its batches (validation)
        self._last_batch_time = 0.0
        self._epoch_started = 0.0
        self._paused_at: float | None = None
        self._event: BatchEnd | None = None
        self._trainer = None

    # ------------------------------------------------------------------ hooks
    def on_train_start(self, trainer) -> None:
        self._trainer = trainer
        now = self.clock()
        self._last_post = self._window_start = self._epoch_started = self._last_batch_time = now
        probe_samples = 0
        for callback in trainer.callbacks.callbacks:
            inputs = getattr(callback, "probe_inputs", None)
            if inputs is not None:
                probe_samples = len(inputs)
        self.post(RunStarted(trainer.run_dir, trainer.spec.epochs, len(trainer.plan), trainer.epoch,
                             trainer.step, [dict(r) for r in trainer.history],
                             trainer.optimizer_settings(), trainer.spec.optimizer,
                             trainer.placement.device, trainer.info.task,
                             list(trainer.info.class_names or []) or None, list(trainer.notes),
                             probe_samples))

    def on_batch_end(self, trainer, event: BatchEnd) -> None:
        self._steps.append(event.step)
        self._losses.append(event._loss if event._loss is not None else event.loss_tensor)
        self._window_samples += event.samples
        self._event = event
        now = self.clock()
        self._last_batch_time = now
        if now - self._last_post >= self.interval:
            self._flush(now)

    def on_epoch_end(self, trainer, event: EpochEnd) -> None:
        now = self.clock()
        self._flush(now)
        extra = max(0.0, now - self._last_batch_time)
        self._epoch_extra = extra if not self._epoch_extra else 0.5 * (self._epoch_extra + extra)
        self._epoch_started = now
        self.post(EpochUpdate(dict(event.row), event.epochs, event.is_best, event.best_epoch,
                              event.val_confusion, self._seconds_left(event.epoch, len(trainer.plan))))

    def on_pause(self, trainer) -> None:
        self._flush(self.clock())
        self._paused_at = self.clock()
        self.post(Paused(trainer.optimizer_settings()))

    def on_resume(self, trainer) -> None:
        if self._paused_at is not None:
            paused = self.clock() - self._paused_at
            # the pause is not training time
            self._window_start += paused
            self._last_post += paused
            self._last_batch_time += paused
            self._paused_at = None
        self.post(Resumed(trainer.optimizer_settings()))

    def on_train_end(self, trainer, result: TrainResult) -> None:
        self._flush(self.clock())
        self.post(Finished(result))

    # ------------------------------------------------------------------ throttling
    def _flush(self, now: float) -> None:
        event = self._event
        if event is None or not self._steps:
            return
        elapsed = now - self._window_start
        if elapsed > 0 and self._window_samples:
            rate = self._window_samples / elapsed
            self._rate = rate if not self._rate else 0.7 * self._rate + 0.3 * rate
            per_batch = elapsed / len(self._steps)
            self._batch_seconds = (per_batch if not self._batch_seconds
                                   else 0.7 * self._batch_seconds + 0.3 * per_batch)
        losses = self._read_losses()
        lr = self._trainer.optimizer.param_groups[0]["lr"] if self._trainer is not None else float("nan")
        self.post(BatchUpdate(np.asarray(self._steps, np.int64), losses, event.epoch, event.batch,
                              event.batches, self._rate,
                              self._seconds_left(event.epoch - 1, event.batches, event.batch),
                              float(lr)))
        self._steps, self._losses = [], []
        self._window_start, self._window_samples = now, 0
        self._last_post = now

    def _read_losses(self) -> np.ndarray:
        if all(isinstance(v, float) for v in self._losses):
            return np.asarray(self._losses, np.float64)
        import torch  # the training thread: one device transfer for the whole window

        values = [v if isinstance(v, torch.Tensor) else torch.tensor(float(v)) for v in self._losses]
        devices = {v.device for v in values}
        if len(devices) > 1:
            values = [v.cpu() for v in values]
        return torch.stack([v.float() for v in values]).cpu().double().numpy()

    def _seconds_left(self, epochs_done: int, batches: int, batch: int = 0) -> float | None:
        trainer = self._trainer
        if trainer is None or not self._batch_seconds:
            return None
        total_epochs = trainer.spec.epochs
        batches_left = (total_epochs - epochs_done) * batches - batch
        epochs_left = total_epochs - epochs_done
        return max(0.0, batches_left * self._batch_seconds + epochs_left * self._epoch_extra)
