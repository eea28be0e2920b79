"""A probe that keeps its own cost small: it waits longer after a run that took long.

The rate a probe is given (every N batches, every few seconds, each epoch's end) suits a
network whose epochs take seconds; on a large network the same forward pass over a few
hundred samples could cost more than the training between two runs, and on a tiny one an
epoch may last a fifth of a second. :class:`PacedProbe` skips a due run until ``1 / share``
times its last run's duration has passed since that run ended, so its share of the
training time stays near ``share`` whatever the network. A skipped epoch's end is not lost
for good: when training ends, the last epoch's picture is sent if it was skipped.
"""

from __future__ import annotations

import time

from core.train.probes.base import Probe

#: The share of training time each paced probe allows itself.
SHARE = 0.01


class PacedProbe(Probe):
    """A :class:`~core.train.probes.base.Probe` whose runs keep to ``share`` of the time."""

    share = SHARE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.last_cost = 0.0  # seconds the last run took
        self._skipped_epoch: int | None = None  # an epoch whose end was skipped, not yet sent

    def on_train_start(self, trainer) -> None:
        self.last_cost, self._skipped_epoch = 0.0, None
        super().on_train_start(trainer)

    def resting(self) -> bool:
        """Whether the last run was too recent for its cost."""
        return bool(self.last_cost) and time.perf_counter() - self._last < self.last_cost / self.share

    def on_batch_end(self, trainer, event) -> None:
        if not self.resting():
            super().on_batch_end(trainer, event)

    def on_epoch_end(self, trainer, event) -> None:
        if self.enabled and self.at_epoch_end and self.resting():
            self._skipped_epoch = event.epoch
            return
        super().on_epoch_end(trainer, event)

    def on_train_end(self, trainer, result) -> None:
        failed = getattr(result, "status", None) == "failed"  # the network may not run at all
        if self.enabled and self._skipped_epoch is not None and not failed:
            self._run(trainer, self._skipped_epoch, None, trainer.step)

    def _run(self, trainer, epoch: int, batch: int | None, step: int) -> None:
        before = self.seconds
        super()._run(trainer, epoch, batch, step)
        self.last_cost = self.seconds - before
        self._skipped_epoch = None
