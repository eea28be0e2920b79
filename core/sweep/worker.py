"""A trial worker: claims trials one at a time until the study has enough, or time is up.

Any number of workers, in processes on this machine or on others, share one study. A
claim happens while the storage's claim lock is held: dead trials are failed and their
values queued again, the trials are counted, and a trial is asked for only when fewer
than ``wanted`` are done or running, so the study ends with exactly ``wanted`` trials
that count. Ctrl-C (or SIGTERM) stops the running trial after its batch, as a stopped
run; its values are queued again for the next time the sweep runs.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core.sweep.study import fail_dead_trials, open_study, requeue_interrupted, surplus, tally
from core.sweep.storage import claim_lock, sqlite_path

#: Seconds between looks at the study while the last trials run elsewhere.
POLL_SECONDS = 1.0
DONE, WAIT = "done", "wait"


@dataclass
class WorkerPlan:
    """What a worker needs; the CLI passes it to each worker process as arguments."""

    project_path: Path
    storage_url: str
    study_name: str
    runs_dir: Path
    trials: int  # how many trials the study should have in all
    deadline: float | None = None  # time.time() after which no trial starts
    threads: int | None = None  # torch threads of this worker
    parent_pid: int | None = None  # stop when this process is gone


@dataclass
class WorkerResult:
    trials_run: int
    interrupted: bool


class Stopper:
    """The first Ctrl-C/SIGTERM stops the running trial after its batch and the worker after
    it; a second Ctrl-C aborts at once."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.trainer = None
        self._previous: dict[int, object] = {}

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def stop(self) -> None:
        self.event.set()
        trainer = self.trainer
        if trainer is not None:
            trainer.stop()

    def _handle(self, signum, frame) -> None:
        if self.stopped and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.stop()

    def __enter__(self) -> "Stopper":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _watch_parent(parent_pid: int, stopper: Stopper) -> None:
    """Stop cleanly when the process that started this worker is gone (killed)."""
    def watch() -> None:
        while not stopper.event.wait(1.0):
            if os.getppid() != parent_pid:
                stopper.stop()
                return

    threading.Thread(target=watch, name="layerforge-sweep-parent", daemon=True).start()


def claim(study, storage, url: str, wanted: int, spec=None):
    """The next trial to run (RUNNING, marked as this process's), ``WAIT`` while the last
    trials run elsewhere, or ``DONE``. With ``spec``, the sampler is seeded afresh for
    this claim (:func:`core.sweep.study.make_sampler`)."""
    from optuna.trial import TrialState

    from core.sweep.study import make_sampler
    from core.sweep.trial import pid_attrs

    with claim_lock(url):
        trials = study.get_trials(deepcopy=False)
        if fail_dead_trials(study, storage, trials):
            trials = study.get_trials(deepcopy=False)
        if requeue_interrupted(study, trials):
            trials = study.get_trials(deepcopy=False)
        counts = tally(study, trials)
        if counts.done >= wanted:
            return DONE
        if counts.done + counts.running >= wanted:
            return WAIT
        if spec is not None:
            study.sampler = make_sampler(spec, len(trials))
        with warnings.catch_warnings():
            # Optuna says heartbeats are meant for Study.optimize; Heartbeat (core.sweep.trial)
            # records them for our ask-and-tell loop.
            warnings.filterwarnings("ignore", message="Heartbeat of storage")
            trial = study.ask()
        for key, value in pid_attrs().items():
            trial.set_user_attr(key, value)
        storage.record_heartbeat(trial._trial_id)
    if sqlite_path(url) is None and surplus(study, trial.number, wanted):
        # another machine claimed the last slot at the same moment (SQLite's lock prevents it)
        trial.set_user_attr("surplus", True)
        study.tell(trial, state=TrialState.FAIL)
        return WAIT
    return trial


def run_worker(plan: WorkerPlan, log: Callable[[str], None] | None = None) -> WorkerResult:
    """Run trials until the study has ``plan.trials``, the deadline passes or a stop."""
    from core.project import Project
    from core.sweep.spec import check_sweep
    from core.sweep.trial import TrialRunner

    log = log or _print
    if plan.threads:
        import torch

        torch.set_num_threads(plan.threads)
    from core.data import describe

    project = Project.load(plan.project_path)
    spec = check_sweep(project, describe(project.data, project.directory) if project.data else None)
    metric = spec.resolved_metric(project.training)
    study, storage = open_study(plan.storage_url, plan.study_name, spec, project.training, worker=True)
    count = 0
    with Stopper() as stopper:
        if plan.parent_pid:
            _watch_parent(plan.parent_pid, stopper)
        runner = TrialRunner(project, spec, study, storage, plan.study_name, plan.runs_dir, metric,
                             on_trainer=lambda trainer: setattr(stopper, "trainer", trainer))
        while not stopper.stopped:
            if plan.deadline is not None and time.time() >= plan.deadline:
                break
            trial = claim(study, storage, plan.storage_url, plan.trials, spec)
            if trial is DONE:
                break
            if trial is WAIT:
                stopper.event.wait(POLL_SECONDS)
                continue
            if stopper.stopped:  # asked to stop while claiming: give the trial back
                from optuna.trial import TrialState

                trial.set_user_attr("interrupted", "stopped before it started")
                study.tell(trial, state=TrialState.FAIL)
                break
            outcome = runner.run(trial)
            count += 1
            log(outcome_line(outcome, metric))
    return WorkerResult(count, stopper.stopped)


def outcome_line(outcome, metric: str) -> str:
    """``trial 3: complete, val_loss 0.412 in 4.2 s (lr=0.003, fc1.out_features=32)``."""
    values = ", ".join(f"{k}={_fmt(v)}" for k, v in outcome.values.items())
    value = f", {metric} {outcome.value:.4g}" if outcome.value is not None else ""
    why = f": {outcome.reason}" if outcome.reason and outcome.state in ("failed", "interrupted") else ""
    return f"trial {outcome.number}: {outcome.state}{value} in {outcome.seconds:.1f} s ({values}){why}"


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _print(line: str) -> None:
    print(line, flush=True)
    sys.stdout.flush()
