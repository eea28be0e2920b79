"""The common part of live probes: when to run, and where results go."""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from core.train.callbacks import BatchEnd, Callback, EpochEnd

Sink = Callable[[Any], None]


class Probe(Callback):
    """Runs :meth:`compute` when due and passes its result to ``sink``.

    Due means: every ``every_batches`` optimiser steps, or ``every_seconds`` after the
    last run (either may be ``None``), and at the end of each epoch if
    ``at_epoch_end``. Subclasses implement ``compute(trainer, epoch, batch)``.
    """

    def __init__(self, sink: Sink, every_batches: int | None = None,
                 every_seconds: float | None = 1.0, at_epoch_end: bool = True):
        self.sink = sink
        self.every_batches = every_batches
        self.every_seconds = every_seconds
        self.at_epoch_end = at_epoch_end
        self.enabled = True
        self._last = 0.0
        #: Seconds spent computing (for measuring the cost).
        self.seconds = 0.0

    @property
    def wants_batches(self) -> bool:  # type: ignore[override]
        return self.every_batches is not None or self.every_seconds is not None

    def on_train_start(self, trainer) -> None:
        self._last = time.perf_counter()
        self.prepare(trainer)

    def prepare(self, trainer) -> None:
        """Called once at the start (pick the probe batch, the grid...)."""

    def on_batch_end(self, trainer, event: BatchEnd) -> None:
        if not self.enabled:
            return
        due = bool(self.every_batches) and event.step % self.every_batches == 0
        if not due and self.every_seconds is not None:
            due = time.perf_counter() - self._last >= self.every_seconds
        if due:
            self._run(trainer, event.epoch, event.batch, event.step)

    def on_epoch_end(self, trainer, event: EpochEnd) -> None:
        if self.enabled and self.at_epoch_end:
            self._run(trainer, event.epoch, None, trainer.step)

    def _run(self, trainer, epoch: int, batch: int | None, step: int) -> None:
        started = time.perf_counter()
        result = self.compute(trainer, epoch, batch, step)
        now = time.perf_counter()
        self.seconds += now - started
        self._last = now
        if result is not None:
            self.sink(result)

    def compute(self, trainer, epoch: int, batch: int | None, step: int):  # pragma: no cover
        raise NotImplementedError


def probe_rows(split, count: int, seed: int = 0) -> np.ndarray:
    """A fixed random choice of ``count`` row indices of ``split`` (sorted), not using global RNG."""
    n = len(split)
    if n <= count:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=count, replace=False))


def probe_split(dataset):
    """The split probes look at: validation if there is one, else training."""
    if dataset.validation is not None and len(dataset.validation):
        return "validation", dataset.validation
    return "train", dataset.train
