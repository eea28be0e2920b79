"""What a run has done so far, as plain data (GUIDE §3, habit 13).

The trainer keeps one :class:`RunState` and hands it to the parts that report on the
run: ``record`` (run.json), ``checkpoint`` (last.ckpt) and, through ``trainer.run``,
callbacks and the designer's relay. They read these fields, never the trainer's
private attributes, so the trainer can change how it trains without breaking them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunState:
    """A run's progress: completed epochs and steps, the metrics rows, changes and notes."""

    #: The last completed epoch (0 before the first one ends).
    epoch: int = 0
    #: Optimiser steps taken so far, over all epochs.
    step: int = 0
    #: One metrics row per completed epoch (what metrics.csv holds).
    history: list[dict[str, Any]] = field(default_factory=list)
    #: Settings changed while the run was paused: ``{"epoch", "step", "settings"}``.
    changes: list[dict[str, Any]] = field(default_factory=list)
    #: Sentences for the person about this run (fallbacks, dropped samples, ...).
    notes: list[str] = field(default_factory=list)
    #: The epoch whose weights are the best so far by the monitored metric (0: none yet).
    best_epoch: int = 0
    #: run.json as last written (``None`` until the run starts writing its folder).
    record: dict[str, Any] | None = None

    @property
    def best_row(self) -> dict[str, Any] | None:
        """The metrics row of :attr:`best_epoch`, or None."""
        return next((row for row in self.history if row["epoch"] == self.best_epoch), None)

    @property
    def last_row(self) -> dict[str, Any] | None:
        return self.history[-1] if self.history else None
