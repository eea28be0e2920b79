"""When and what the trainer writes to its run folder after each epoch.

A completed epoch's state is kept (a cheap copy: the module's and optimiser's tensors to
the CPU, the metrics rows by reference) so that whatever happens next (a stop mid-epoch,
a diverging loss, Ctrl-C, a pause the person closes the window in) it can still be
written exactly. Writing (the best weights, ``last.ckpt``, ``metrics.csv``, ``run.json``)
happens when it is due: the last epoch, before a pause or stop, the first epoch to end
:data:`FIRST_WRITE_AFTER` into training, and from then on when the time since the last
write is long enough that writing costs at most :data:`SAVE_SHARE` of it.

An epoch shorter than :data:`KEEP_AFTER` that is not written is not kept either (the
copy would cost a small table's epoch several percent): until the next kept epoch, a
pause or stop waits for the epoch's end (:attr:`EpochSaver.holds_last_epoch`), which is
that short, and a run that fails mid-epoch keeps the checkpoint of its last kept epoch,
as a killed one does, and says so.

Serialising and writing run on the run folder's writer thread. The last epoch's files
leave out run.json, which the end of the run writes right after (as its final record).
"""

from __future__ import annotations

import time
from typing import Any

from core.train import record
from core.train.checkpoint import checkpoint_bytes, detached_copy, host_rng_state, trainer_state
from core.train.rundir import CHECKPOINT, METRICS_CSV, WEIGHTS, metrics_csv_text

#: Writing the run folder may cost at most this share of the training time: on epochs of
#: a few milliseconds the state is kept every epoch but written every few dozen, so a
#: small table trains near the speed of a hand loop and per-epoch cost stays flat however
#: long the history grows; slower epochs are written every epoch. The share is small
#: because a write costs training more than the writer's own time: while the writer
#: thread serialises (``torch.save`` runs Python for every value of the history) it holds
#: the GIL, and the training thread, coming back from a kernel, waits for it (measured on a
#: 178-row table: 0.1 made the whole fit 5% slower than 0.02; see issue 16). A run killed
#: outright loses at most the epochs since the last write (a fraction of a second there).
SAVE_SHARE = 0.02

#: Seconds of training before the first write: a run's first write costs about as much as
#: twenty of a small table's epochs (four files fsynced while the writer thread holds the
#: GIL the training thread wants), and such a run is often over in a fifth of a second,
#: when its last epoch is written anyway. A slower first epoch is written as it ends; a
#: run killed outright before its first write loses at most this much training.
FIRST_WRITE_AFTER = 0.25

#: Seconds: an epoch at least this long is kept even when it is not written (see above);
#: a pause or stop asked for during a shorter one's successor waits at most about this.
KEEP_AFTER = 0.05


class EpochSaver:
    """Keeps the last completed epoch of ``trainer`` and writes it to its run folder."""

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        self.pending: dict[str, Any] | None = None  # the kept state, not yet written
        #: Whether the last completed epoch is kept or written (or nothing is to be kept):
        #: a pause or stop may then act mid-epoch (see the module's docstring).
        self.holds_last_epoch = True
        #: The epoch of the last kept state (written or pending): what last.ckpt will hold.
        self.kept_epoch = 0
        self._rows_written = 0  # metrics rows in the last metrics.csv queued
        self.best_unsaved = False
        self._run_json_owed = False  # the last write left run.json out (see write_pending)
        self._metrics_text = MetricsText()  # used on the writer thread only
        self._last_write = float("-inf")  # when the last write was queued (perf_counter)
        self._written = False  # whether any epoch was written yet
        self._busy_before = 0.0

    def begin(self) -> None:
        """Training (or a resumed run's training) starts now: the first write is timed from here."""
        self._last_write = time.perf_counter()
        self._written = False
        self.holds_last_epoch, self.kept_epoch = True, self.trainer.epoch

    def epoch_done(self, is_best: bool, last: bool = False, seconds: float = 0.0) -> None:
        """Keep this epoch's state (and best weights) when it matters, and write it when
        due; ``last``: the run ends after this epoch, and its final run.json follows (none
        is written here); ``seconds``: how long the epoch took."""
        trainer = self.trainer
        saves = trainer.runs is not None and trainer.is_main
        due = saves and self._due()
        keeps = due or (saves and seconds >= KEEP_AFTER)
        if keeps:
            self.pending = self._snapshot()
            self.kept_epoch = trainer.epoch
        self.holds_last_epoch = keeps or not saves
        if is_best:
            # The kept state's copy of the weights serves as the best weights too (both are
            # only read from now on): one copy of the module instead of two.
            trainer.best_weights = self.pending["model"] if keeps else trainer.weights_snapshot()
            self.best_unsaved = True
        if due:
            self.write_pending(run_json=not last)

    def keep_last_epoch(self) -> None:
        """Keep the last completed epoch now if it was not (a pause or stop is to act on it)."""
        if not self.holds_last_epoch:
            self.pending, self.kept_epoch = self._snapshot(), self.trainer.epoch
            self.holds_last_epoch = True

    def write_pending(self, run_json: bool = True) -> None:
        """Queue what is not written yet: best weights, the kept state's checkpoint, the
        metrics, run.json, in that order.

        ``run_json=False`` when the caller writes run.json right after (the end of a run):
        on a small table each file costs about as much as a few epochs (fsync included).
        """
        trainer, state, self.pending = self.trainer, self.pending, None
        runs = trainer.runs
        if runs is None:
            return
        current = state is not None and state["epoch"] == trainer.run.epoch
        history = state["history"] if current else list(trainer.run.history)
        if state is None and not self.best_unsaved and len(history) == self._rows_written:
            # Written already; a pause after the last epoch still wants run.json.
            if run_json and self._run_json_owed:
                self._write_run_json()
            return
        started = time.perf_counter()
        if self.best_unsaved and trainer.best_weights is not None:
            snapshot, name, epoch = trainer.best_weights, trainer.run_dir.name, trainer.run.best_epoch
            runs.write(WEIGHTS, lambda: record.weights_file(snapshot, name, epoch))
            self.best_unsaved = False
        if state is not None:
            state["rng"] = {**host_rng_state(), **state["rng"]}  # see _snapshot
            runs.write(CHECKPOINT, lambda: checkpoint_bytes(state))
        csv_text, self._rows_written = self._metrics_text, len(history)
        runs.write(METRICS_CSV, lambda: csv_text(history).encode("utf-8"))
        self._run_json_owed = not run_json
        if run_json:
            self._write_run_json()
        # This thread's time to hand the files over counts in with the writer's time.
        self._busy_before = runs.busy_seconds - (time.perf_counter() - started)
        self._last_write = time.perf_counter()
        self._written = True

    def _write_run_json(self) -> None:
        self.trainer.runs.write_json("run.json", record.running(self.trainer.run, self.trainer.spec))
        self._run_json_owed = False

    def _snapshot(self) -> dict[str, Any]:
        """The trainer's state now, copied; its random states are torch's alone: Python's and
        NumPy's, which training never draws from (and NumPy's costs tens of microseconds
        to read, on epochs of a few milliseconds), are read when the state is written."""
        state = trainer_state(self.trainer, host_rng=False)
        # The random states are new objects already, and metrics rows are never changed
        # once appended: only the module's and optimiser's live tensors need copying.
        kept = {key: state.pop(key) for key in ("rng", "history", "changes")}
        kept["history"], kept["changes"] = list(kept["history"]), [dict(c) for c in kept["changes"]]
        return {**detached_copy(state), **kept}

    def _due(self) -> bool:
        trainer = self.trainer
        if trainer.epoch >= trainer.spec.epochs or trainer.control.pending:
            return True
        if trainer.tracker is not None and trainer.tracker.stop_reason:
            return True
        if not trainer.runs.idle:
            return False  # the last files are still being written
        waited = time.perf_counter() - self._last_write
        if not self._written:
            return waited >= FIRST_WRITE_AFTER
        cost = trainer.runs.busy_seconds - self._busy_before  # the last write's, fsync included
        return waited >= cost / SAVE_SHARE


class MetricsText:
    """``metrics_csv_text(history)``, made anew only for the rows added since the last call.

    Rows never change once appended, so the text of the earlier ones is kept: writing
    metrics.csv then costs the same at epoch 1,000 as at epoch 10 (per-epoch cost stays
    flat). The text is the same: a full one is made whenever the columns differ.
    """

    def __init__(self) -> None:
        self.text, self.header, self.rows, self.last = "", None, 0, None

    def __call__(self, history: list[dict[str, Any]]) -> str:
        rows = self.rows
        if rows and len(history) >= rows and history[rows - 1] is self.last:
            if len(history) == rows:
                return self.text
            header, _, body = metrics_csv_text(history[rows:]).partition("\n")
            if header == self.header:
                return self._keep(self.text + body, history)
        text = metrics_csv_text(history)
        self.header = text.partition("\n")[0]
        return self._keep(text, history)

    def _keep(self, text: str, history: list[dict[str, Any]]) -> str:
        self.text, self.rows, self.last = text, len(history), history[-1] if history else None
        return text
