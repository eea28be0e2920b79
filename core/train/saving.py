"""When and what the trainer writes to its run folder after each epoch.

Every completed epoch's state is kept at once (a cheap copy: the module's and
optimiser's tensors to the CPU, the metrics rows by reference), so that whatever
happens next (a stop mid-epoch, a diverging loss, Ctrl-C, a pause the person closes
the window in) the last completed epoch can still be written exactly. Writing (the
best weights, ``last.ckpt``, ``metrics.csv``, ``run.json``) happens when it is due: the
first and last epochs, before a pause or stop, and otherwise when the time since the
last write is long enough that writing costs at most :data:`SAVE_SHARE` of it.
Serialising and writing run on the run folder's writer thread.
"""

from __future__ import annotations

import time
from typing import Any

from core.train import record
from core.train.checkpoint import checkpoint_bytes, detached_copy, trainer_state
from core.train.rundir import CHECKPOINT, METRICS_CSV, WEIGHTS, metrics_csv_text

#: Writing the run folder may cost at most this share of the training time: on epochs of
#: a few milliseconds the state is kept every epoch but written every few epochs, so a
#: small table trains near the speed of a hand loop and per-epoch cost stays flat however
#: long the history grows; slower epochs are written every epoch.
SAVE_SHARE = 0.1


class EpochSaver:
    """Keeps the last completed epoch of ``trainer`` and writes it to its run folder."""

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        self.pending: dict[str, Any] | None = None  # the kept state, not yet written
        self.best_unsaved = False
        self._last_write = float("-inf")
        self._busy_before = 0.0

    def epoch_done(self, is_best: bool) -> None:
        """Keep this epoch's state (and best weights), and write it when due."""
        trainer = self.trainer
        if is_best:
            trainer.best_weights = trainer.weights_snapshot()
            self.best_unsaved = True
        if trainer.runs is None or not trainer.is_main:
            return
        self.pending = self._snapshot()
        if self._due():
            self.write_pending()

    def write_pending(self) -> None:
        """Queue the kept state: best weights, checkpoint, metrics, run.json, in that order."""
        trainer, state, self.pending = self.trainer, self.pending, None
        runs = trainer.runs
        if state is None or runs is None:
            return
        if self.best_unsaved and trainer.best_weights is not None:
            snapshot, name, epoch = trainer.best_weights, trainer.run_dir.name, trainer.run.best_epoch
            runs.write(WEIGHTS, lambda: record.weights_file(snapshot, name, epoch))
            self.best_unsaved = False
        started = time.perf_counter()
        runs.write(CHECKPOINT, lambda: checkpoint_bytes(state))
        history = state["history"]
        runs.write(METRICS_CSV, lambda: metrics_csv_text(history).encode("utf-8"))
        runs.write_json("run.json", record.running(trainer.run, trainer.spec))
        # This thread's time to hand the files over counts in with the writer's time.
        self._busy_before = runs.busy_seconds - (time.perf_counter() - started)
        self._last_write = time.perf_counter()

    def _snapshot(self) -> dict[str, Any]:
        state = trainer_state(self.trainer)
        # The random states are new objects already, and metrics rows are never changed
        # once appended: only the module's and optimiser's live tensors need copying.
        kept = {key: state.pop(key) for key in ("rng", "history", "changes")}
        kept["history"], kept["changes"] = list(kept["history"]), [dict(c) for c in kept["changes"]]
        return {**detached_copy(state), **kept}

    def _due(self) -> bool:
        trainer = self.trainer
        if trainer.epoch <= 1 or trainer.epoch >= trainer.spec.epochs or trainer.control.pending:
            return True
        if trainer.tracker is not None and trainer.tracker.stop_reason:
            return True
        if not trainer.runs.idle:
            return False  # the last files are still being written
        cost = trainer.runs.busy_seconds - self._busy_before  # the last write's, fsync included
        return time.perf_counter() - self._last_write >= cost / SAVE_SHARE
