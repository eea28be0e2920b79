"""The GUI thread's handle on training: start, pause, resume, stop, and the live data.

:class:`TrainingSession` starts a :class:`~designer.training.worker.TrainingWorker` in
its own thread, receives its queued messages, files them into a
:class:`~designer.training.live.LiveRun` (cheap appends) and tells the views through
Qt signals. The plots do not redraw on each message; they poll ``live`` on a timer.

States: ``idle`` → ``loading`` (data, network) → ``running`` ⇄ ``paused`` →
``stopping`` → ``idle``. ``finished(result)`` carries the ``TrainResult`` (or ``None``
when training could not start; ``failed(message)`` says why).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from designer import settings as user_settings
from designer.data.signals import emit
from designer.training.interpreter import TrainingInterpreter
from designer.training.live import LiveRun
from designer.training.relay import BatchUpdate, EpochUpdate, Finished, Paused, Resumed, RunStarted
from designer.training.worker import Done, Failed, Loading, TrainingJob, TrainingWorker, start_worker

IDLE, LOADING, RUNNING, PAUSED, STOPPING = "idle", "loading", "running", "paused", "stopping"
#: ``progressed`` carries batch updates at most this often (progress bars, status bar): each
#: update repaints widgets, and the GUI thread's time is taken from training on a small CPU.
PROGRESS_HZ = 4


class TrainingSession(QObject):
    state_changed = Signal(str)
    loading = Signal(float, str)
    started = Signal(object)  # RunStarted
    progressed = Signal(object)  # BatchUpdate (a few a second) or EpochUpdate
    settings_changed = Signal(dict)  # the optimiser settings in effect (pause/resume)
    finished = Signal(object)  # TrainResult, or None when training never started
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = IDLE
        self.live = LiveRun()
        self.worker: TrainingWorker | None = None
        self.worker_thread: QThread | None = None
        self.run_dir: Path | None = None
        self.result = None
        self.settings: dict[str, Any] = {}
        self.optimizer_name: str | None = None
        self.probe_samples = 0
        self.sample_index = 0
        self._progress_sent = 0.0
        self._stopping_for_close = False
        #: the garbage collector's old objects frozen while a run trains (no full collections)
        self.interpreter = TrainingInterpreter()

    # ------------------------------------------------------------------ starting
    @property
    def active(self) -> bool:
        return self.state != IDLE

    def start(self, project, *, dataset=None, overrides: dict[str, Any] | None = None,
              run_dir: Path | None = None, probes: bool = True) -> bool:
        """Train ``project`` (a copy is taken now) in the worker; False if a run is active."""
        return self._start(TrainingJob(project=project, run_dir=run_dir, overrides=dict(overrides or {}),
                                       dataset=dataset, probes=probes, tracking=user_settings.tracking()))

    def continue_run(self, run_dir: Path, *, overrides: dict[str, Any] | None = None,
                     dataset=None) -> bool:
        """Go on with an earlier run (stopped, killed, or completed with more epochs)."""
        return self._start(TrainingJob(continue_dir=Path(run_dir), overrides=dict(overrides or {}),
                                       dataset=dataset, tracking=user_settings.tracking()))

    def _start(self, job: TrainingJob) -> bool:
        if self.active:
            return False
        self.live = LiveRun()
        self.result = None
        self.run_dir = job.continue_dir
        self.settings = {}
        self._set_state(LOADING)
        self.interpreter.enter()  # also while the worker loads and builds (full collections then too)
        self.worker, self.worker_thread = start_worker(job, self._on_message, self.sample_index)
        return True

    # ------------------------------------------------------------------ control
    def pause(self) -> None:
        if self.worker is not None and self.state in (LOADING, RUNNING):
            self.worker.pause()

    def resume(self) -> None:
        if self.worker is not None and self.state in (LOADING, PAUSED, RUNNING):
            self.worker.resume()

    def stop(self) -> None:
        if self.worker is not None and self.state != IDLE:
            self.worker.stop()
            if self.state != IDLE:
                self._set_state(STOPPING)

    def update_optimizer(self, **settings: Any) -> None:
        """Change live optimiser settings (raises ``TrainingError`` for a bad value)."""
        if self.worker is None:
            return
        self.worker.update_optimizer(**settings)
        self.settings.update(settings)

    def set_sample_index(self, index: int) -> None:
        """The probe sample whose feature maps are shown (kept for the next runs too)."""
        self.sample_index = int(index)
        if self.worker is not None:
            self.worker.set_sample_index(index)

    def stop_and_wait(self, timeout_s: float = 60.0) -> bool:
        """Stop quickly (no final report) and wait for the worker, keeping events flowing."""
        if not self.active:
            return True
        self._stopping_for_close = True
        if self.worker is not None:
            self.worker.set_final_report(False)
        self.stop()
        deadline = time.monotonic() + timeout_s
        while self.active and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            if self.worker_thread is not None:
                self.worker_thread.wait(20)
        QCoreApplication.processEvents()
        return not self.active

    # ------------------------------------------------------------------ messages (GUI thread)
    def _on_message(self, item: Any) -> None:
        live = self.live
        if isinstance(item, BatchUpdate):
            live.add_batches(item.steps, item.losses, item.learning_rate)
            live.set_progress(epoch=item.epoch, batch=item.batch, batches=item.batches,
                              samples_per_second=item.samples_per_second,
                              seconds_left=item.seconds_left, learning_rate=item.learning_rate)
            now = time.monotonic()
            if now - self._progress_sent >= 1.0 / PROGRESS_HZ:  # the plots read ``live`` themselves
                self._progress_sent = now
                emit(self.progressed, item)
        elif hasattr(item, "kind"):  # a probe snapshot
            live.add_snapshot(item)
        elif isinstance(item, EpochUpdate):
            live.add_epoch(item.row, item.best_epoch, item.confusion)
            live.set_progress(epoch=int(item.row["epoch"]), batch=live.progress.get("batches", 0),
                              seconds_left=item.seconds_left, completed_epochs=int(item.row["epoch"]))
            emit(self.progressed, item)
        elif isinstance(item, Loading):
            emit(self.loading, item.fraction, item.message)
        elif isinstance(item, RunStarted):
            self._on_started(item)
        elif isinstance(item, Paused):
            self.settings = dict(item.settings)
            if self.state != STOPPING:
                self._set_state(PAUSED)
            emit(self.settings_changed, self.settings)
        elif isinstance(item, Resumed):
            self.settings = dict(item.settings)
            if self.state != STOPPING:
                self._set_state(RUNNING)
            emit(self.settings_changed, self.settings)
        elif isinstance(item, Finished):
            self.result = item.result
        elif isinstance(item, Failed):
            emit(self.failed, item.message)
        elif isinstance(item, Done):
            self._on_done()

    def _on_started(self, item: RunStarted) -> None:
        self.run_dir = item.run_dir
        self.settings = dict(item.settings)
        self.optimizer_name = item.optimizer
        self.probe_samples = item.probe_samples
        self.live.start(item.batches, item.epochs, item.history, item.task, item.class_names,
                        item.run_dir)
        self.live.set_progress(epoch=item.start_epoch, batch=0, batches=item.batches,
                               completed_epochs=item.start_epoch, device=item.device,
                               samples_per_second=0.0, seconds_left=None)
        if self.state == LOADING:
            self._set_state(RUNNING)
        emit(self.started, item)
        emit(self.settings_changed, self.settings)

    def _on_done(self) -> None:
        thread = self.worker_thread
        if thread is not None:
            thread.quit()
            thread.wait()
        self.interpreter.leave()
        if self.worker is not None:
            self.worker.deleteLater()
        self.worker, self.worker_thread = None, None
        self._stopping_for_close = False
        self._set_state(IDLE)
        emit(self.finished, self.result)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            emit(self.state_changed, state)
