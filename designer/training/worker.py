"""The training worker: a QObject living in its own QThread that does ALL the torch work.

It loads the data (``core.data.load`` with progress and cancel), builds the trainer
(``core.train.prepare`` or ``continue_run``) and runs ``fit()`` with the
:class:`~designer.training.relay.Relay` and the probes. Everything it learns reaches
the GUI thread as one queued signal, ``message(object)``, carrying plain data: the
relay's messages, probe snapshots (numpy arrays), and the worker's own
:class:`Loading`, :class:`Failed` and :class:`Done`. The GUI thread never runs a torch
kernel (GUIDE §4); it controls the run through the thread-safe methods below, which
forward to the trainer's ``stop``/``pause``/``resume``/``update_optimizer``. While it
trains, torch uses one thread fewer than there are cores (:mod:`designer.training.threads`).
"""

from __future__ import annotations

import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from core.errors import LayerForgeError
from designer.data.signals import emit
from designer.training.relay import Relay
from designer.training.threads import training_threads


#: How often the live probes run (seconds), by their name in ``core.train.probes.PROBES``.
#: Slower than their defaults for the norms: every snapshot is redrawn, and on a small CPU
#: machine each redraw takes a share from training.
PROBE_SECONDS = {"activations": 1.0, "norms": 0.5, "decision_boundary": 0.5}


@dataclass
class TrainingJob:
    """What to train: a new run of ``project``, or the run in ``continue_dir`` going on."""

    project: Any = None  # core.project.Project (a copy: the person may edit theirs meanwhile)
    run_dir: Path | None = None  # where a new run is written (None: beside the project)
    continue_dir: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    dataset: Any = None  # an already loaded core.data.Dataset (benchmarks, tests)
    probes: bool = True
    #: Also log to TensorBoard / MLflow (``core.train.tracking``; Preferences ▸ Tracking).
    tracking: dict[str, Any] = field(default_factory=dict)


@dataclass
class Loading:
    fraction: float
    message: str


@dataclass
class Failed:
    """Training could not start or broke: one sentence for the person."""

    message: str
    bug: bool = False


@dataclass
class Done:
    """The worker has finished (after ``Finished``, ``Failed`` or a cancelled load)."""

    cancelled: bool = False


class TrainingWorker(QObject):
    message = Signal(object)

    def __init__(self, job: TrainingJob) -> None:
        super().__init__()
        self.job = job
        self.trainer = None
        self.probes: list = []
        self._at_end: list = []  # the probes that run when training ends
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._paused = False
        self._sample_index = 0

    # ------------------------------------------------------------------ any thread
    def stop(self) -> None:
        """Cancel the data loading, or stop training after the current batch."""
        with self._lock:
            self._cancel.set()
            if self.trainer is not None:
                self.trainer.stop()

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self.trainer is not None:
                self.trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            if self.trainer is not None:
                self.trainer.resume()

    def update_optimizer(self, **settings: Any) -> None:
        """Checked at once (``TrainingError``); applied by the training thread before the next batch."""
        with self._lock:
            if self.trainer is None:
                from core.errors import TrainingError

                raise TrainingError("training has not started yet: change the settings in the form")
            self.trainer.update_optimizer(**settings)

    def optimizer_settings(self) -> dict[str, Any] | None:
        with self._lock:
            return self.trainer.optimizer_settings() if self.trainer is not None else None

    def set_sample_index(self, index: int) -> None:
        """Which probe sample's feature maps the activation probe sends."""
        self._sample_index = int(index)
        for probe in self.probes:
            if hasattr(probe, "sample_index"):
                probe.sample_index = self._sample_index

    def set_final_report(self, enabled: bool) -> None:
        """Skip the probes that run when training ends, the final report (closing the window:
        stop quickly)."""
        for probe in self._at_end:
            probe.enabled = enabled

    # ------------------------------------------------------------------ the training thread
    def run(self) -> None:
        cancelled = False
        threads = None
        try:
            threads = self._leave_a_core_to_the_gui()
            self._train()
        except _Cancelled:
            cancelled = True
        except LayerForgeError as err:
            self._post(Failed(str(err)))
        except Exception as err:  # noqa: BLE001 - a bug must reach the person, not kill the thread
            traceback.print_exc(file=sys.stderr)
            self._post(Failed(f"training stopped because of a bug in LayerForge ({type(err).__name__}:"
                              f" {err}); please report it", bug=True))
        finally:
            if threads is not None:
                import torch

                torch.set_num_threads(threads)
            app = QCoreApplication.instance()
            if app is not None:  # back to the GUI thread, so it can be deleted there
                self.moveToThread(app.thread())
            self._post(Done(cancelled))

    @staticmethod
    def _leave_a_core_to_the_gui() -> int:
        """Train with :func:`~designer.training.threads.training_threads` threads (a core stays
        free for the GUI thread); returns the count to restore afterwards."""
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(training_threads())
        return before

    def _train(self) -> None:
        from core.data import Cancelled

        job = self.job
        try:
            if job.continue_dir is not None:
                trainer = self._continue(job)
            else:
                trainer = self._prepare(job)
        except Cancelled:
            raise _Cancelled from None
        with self._lock:
            self.trainer = trainer
            if self._cancel.is_set():
                raise _Cancelled
            if self._paused:
                trainer.pause()
        # The first optimiser imports torch's compiler machinery (about a second): say so.
        self._post(Loading(1.0, "Setting up the device and the optimiser, then the first batch…"))
        trainer.fit()

    def _callbacks(self, info) -> list:
        from core.train.probes import probes_for

        specs = probes_for(info) if self.job.probes else []
        self.probes = [spec.make(self._post) for spec in specs]
        self._at_end = [probe for spec, probe in zip(specs, self.probes) if spec.at_end]
        for spec, probe in zip(specs, self.probes):
            if spec.name in PROBE_SECONDS:
                probe.every_seconds = PROBE_SECONDS[spec.name]
                probe.at_epoch_end = True  # short runs get a point per epoch at least
        self.set_sample_index(self._sample_index)
        # the relay last: its RunStarted can then say how many samples the probes chose, and
        # the final report arrives before Finished
        from core.train.tracking import tracking_callbacks

        return [*self.probes, *tracking_callbacks(**self.job.tracking), Relay(self._post)]

    def _load(self, data_spec, base_dir):
        from core.data import load

        self._post(Loading(0.0, "Loading the data…"))
        dataset = load(data_spec, base_dir, progress=self._progress, cancel=self._cancel.is_set)
        self._post(Loading(1.0, "Building the network…"))
        return dataset

    def _prepare(self, job: TrainingJob):
        from core.train import prepare

        project = job.project
        dataset = job.dataset if job.dataset is not None else self._load(project.data, project.directory)
        return prepare(project, dataset, overrides=job.overrides or None, run_dir=job.run_dir,
                       callbacks=self._callbacks(dataset.info))

    def _continue(self, job: TrainingJob):
        from core.train import continue_run
        from core.train.setup import run_project

        dataset = job.dataset
        if dataset is None:
            project = run_project(job.continue_dir)
            dataset = self._load(project.data, project.directory)
        return continue_run(job.continue_dir, dataset=dataset, overrides=job.overrides or None,
                            callbacks=self._callbacks(dataset.info))

    def _progress(self, fraction: float, message: str) -> None:
        self._post(Loading(float(fraction), message or "Loading the data…"))

    def _post(self, item: Any) -> None:
        try:
            emit(self.message, item)
        except RuntimeError:  # the GUI side is gone (the application is quitting)
            pass


class _Cancelled(Exception):
    pass


def start_worker(job: TrainingJob, receiver, sample_index: int = 0) -> tuple[TrainingWorker, QThread]:
    """A worker in a new thread, its messages connected to ``receiver`` (queued), started."""
    if job.project is not None:
        job.project = _snapshot(job.project)
    worker = TrainingWorker(job)
    worker.set_sample_index(sample_index)
    thread = QThread()
    thread.setObjectName("layerforge-training")
    worker.moveToThread(thread)
    worker.message.connect(receiver)
    thread.started.connect(worker.run)
    thread.start()
    return worker, thread


def _snapshot(project):
    """A copy of the project as it is now: edits in the window do not reach the running job."""
    from core.project import Project

    return Project(project.name, project.graph.copy(), project.data, project.training,
                   project.description, project.extra, project.path)
