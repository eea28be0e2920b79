"""Which epoch is best so far, and when early stopping ends the run."""

from __future__ import annotations

import math
from typing import Any

from core.train.spec import EarlyStopping, metric_direction


class BestTracker:
    """Watches one metrics.csv column (``monitor``) epoch after epoch.

    ``update(row)`` says whether the epoch is the best so far (better by more than
    ``min_delta``); ``stop_reason`` is set once ``patience`` epochs in a row were not.
    """

    def __init__(self, monitor: str, early_stopping: EarlyStopping | None = None):
        self.monitor = monitor
        self.early = early_stopping
        self.minimise = metric_direction(monitor) == "min"
        self.best_epoch = 0
        self.best_value: float | None = None
        self.bad_epochs = 0
        self.stop_reason: str | None = None

    def update(self, row: dict[str, Any]) -> bool:
        value = row.get(self.monitor)
        if value is None or not math.isfinite(value):
            if self.best_epoch == 0:  # nothing better yet: keep these weights
                self.best_epoch = row["epoch"]
                return True
            return False
        delta = self.early.min_delta if self.early else 0.0
        if (self.best_value is None
                or (value < self.best_value - delta if self.minimise else value > self.best_value + delta)):
            self.best_value, self.best_epoch, self.bad_epochs = value, row["epoch"], 0
            return True
        self.bad_epochs += 1
        if self.early and self.bad_epochs >= self.early.patience:
            self.stop_reason = (f"early stopping: {self.monitor} did not improve for"
                                f" {self.early.patience} epochs (best {self.best_value:.6g}"
                                f" at epoch {self.best_epoch})")
        return False

    def state_dict(self) -> dict[str, Any]:
        return {"best_epoch": self.best_epoch, "best_value": self.best_value,
                "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best_epoch, self.best_value = state["best_epoch"], state["best_value"]
        self.bad_epochs = state["bad_epochs"]
