"""One trial: draw its values, train a normal run folder with them, tell the study how it went.

The run is trained by the code ``layerforge train`` uses (``core.train.setup.prepare(...)
.fit()``, or ``continue_run`` for a trial that takes over an interrupted one's folder), so
every trial's folder can be continued, exported and opened like any other run.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from core.errors import LayerForgeError
from core.project import Project
from core.sweep.pruning import PRUNED, TrialReporter, metric_value
from core.sweep.space import apply_values
from core.sweep.spec import SweepSpec, Varied
from core.sweep.storage import HEARTBEAT_SECONDS
from core.train.callbacks import COMPLETED, FAILED, STOPPED

INTERRUPTED = "interrupted"


@dataclass
class TrialOutcome:
    """How one trial ended, for the worker's log line."""

    number: int
    state: str  # complete, pruned, failed, interrupted
    value: float | None
    values: dict[str, Any]
    seconds: float
    run_dir: Path | None
    reason: str | None = None


def suggest(trial, varied: Varied) -> Any:
    """The trial's value for one setting, drawn by the study's sampler."""
    if varied.kind == "choice":
        return trial.suggest_categorical(varied.name, list(varied.choices))
    if varied.kind == "int":
        return trial.suggest_int(varied.name, int(varied.low), int(varied.high),
                                 step=int(varied.step or 1), log=varied.log)
    return trial.suggest_float(varied.name, float(varied.low), float(varied.high),
                               step=float(varied.step) if varied.step is not None else None, log=varied.log)


def trial_run_dir(runs_dir: Path, study_name: str, number: int) -> Path:
    """``<runs folder>/sweep-<study>/trial-0007``."""
    return Path(runs_dir) / f"sweep-{study_name}" / f"trial-{number:04d}"


class Heartbeat:
    """Tells the storage every few seconds that a trial's process is alive (so other machines
    can tell a dead one from a slow one)."""

    def __init__(self, storage, trial_id: int, interval: float = HEARTBEAT_SECONDS) -> None:
        self.storage, self.trial_id, self.interval = storage, trial_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="layerforge-sweep-heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self.storage.record_heartbeat(self.trial_id)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.storage.record_heartbeat(self.trial_id)
            except Exception:  # noqa: BLE001 - a missed beat is retried; the trial goes on
                pass


class TrialRunner:
    """Runs trials of one study in this process, loading the data once for all of them."""

    def __init__(self, project: Project, spec: SweepSpec, study, storage, study_name: str,
                 runs_dir: Path, metric: str, on_trainer: Callable[[Any], None] | None = None) -> None:
        self.project, self.spec, self.study, self.storage = project, spec, study, storage
        self.study_name, self.runs_dir, self.metric = study_name, Path(runs_dir), metric
        #: Called with each trial's trainer before it trains (the worker's stop handler keeps it).
        self.on_trainer = on_trainer or (lambda trainer: None)
        self._dataset = None

    def dataset(self):
        if self._dataset is None:
            from core.data import load

            self._dataset = load(self.project.data, self.project.directory)
        return self._dataset

    def run(self, trial) -> TrialOutcome:
        """Train ``trial`` (already claimed: RUNNING) and tell the study its result."""
        import time

        from optuna.trial import TrialState

        started = time.time()
        values = {v.name: suggest(trial, v) for v in self.spec.parameters}
        run_dir = self._run_dir(trial)
        trial.set_user_attr("run_dir", str(run_dir))
        outcome = TrialOutcome(trial.number, FAILED, None, values, 0.0, run_dir)
        try:
            with Heartbeat(self.storage, trial._trial_id):
                result, reporter = self._train(trial, values, run_dir)
        except LayerForgeError as err:  # these values cannot train (a refused width, ...)
            outcome.reason = str(err)
            trial.set_user_attr("failure", outcome.reason)
            self.study.tell(trial, state=TrialState.FAIL)
            outcome.seconds = time.time() - started
            return outcome
        except BaseException as err:  # an abort (second Ctrl-C) or a bug: never left RUNNING
            key, text = (("interrupted", "aborted") if isinstance(err, KeyboardInterrupt)
                         else ("failure", f"{type(err).__name__}: {err}"))
            trial.set_user_attr(key, text)
            self.study.tell(trial, state=TrialState.FAIL)
            raise
        outcome.seconds = time.time() - started
        if result.status == PRUNED:
            outcome.state, outcome.reason = PRUNED, result.reason
            outcome.value = metric_value(result.final, self.metric)
            trial.set_user_attr("pruned", result.reason)
            self.study.tell(trial, state=TrialState.PRUNED)
        elif result.status == COMPLETED:
            value = metric_value(result.best or result.final, self.metric)
            if value is None:
                outcome.reason = (f"the run wrote no {self.metric} column: choose a sweep metric"
                                  " among its metrics.csv columns")
                trial.set_user_attr("failure", outcome.reason)
                self.study.tell(trial, state=TrialState.FAIL)
            else:
                outcome.state, outcome.value = "complete", value
                self.study.tell(trial, value)
        elif result.status == STOPPED:  # Ctrl-C or Stop: queued again when the sweep goes on
            outcome.state, outcome.reason = INTERRUPTED, result.reason
            trial.set_user_attr("interrupted", result.reason or "stopped")
            self.study.tell(trial, state=TrialState.FAIL)
        else:  # FAILED: a diverging loss, out of memory...; the study goes on
            outcome.reason = result.reason
            trial.set_user_attr("failure", result.reason or "the run failed")
            self.study.tell(trial, state=TrialState.FAIL)
        return outcome

    def _run_dir(self, trial) -> Path:
        """The folder of an interrupted trial this one takes over, else a new one."""
        from core.sweep.storage import host_id
        from core.train.rundir import CHECKPOINT

        resume = trial.user_attrs.get("resume_run")
        if resume and trial.user_attrs.get("resume_host") in (None, host_id()) and \
                (Path(resume) / CHECKPOINT).is_file():
            return Path(resume)
        path = trial_run_dir(self.runs_dir, self.study_name, trial.number)
        n = 2
        while path.exists():  # never write over another run
            path = path.with_name(f"trial-{trial.number:04d}-{n}")
            n += 1
        return path

    def _train(self, trial, values: dict[str, Any], run_dir: Path):
        from core.train.rundir import CHECKPOINT
        from core.train.setup import continue_run, prepare

        from core.sweep.choices import PRUNERS

        reporter = TrialReporter(trial, self.metric, decides=PRUNERS.get(self.spec.pruner).decides)
        if (run_dir / CHECKPOINT).is_file():
            trainer = continue_run(run_dir, dataset=self.dataset(), callbacks=[reporter])
        else:
            project = apply_values(self.project, values)
            project.extra["sweep_trial"] = {"study": self.study_name, "trial": trial.number,
                                            "values": values}
            trainer = prepare(project, self.dataset(), run_dir=run_dir, callbacks=[reporter])
        self.on_trainer(trainer)
        try:
            return trainer.fit(), reporter
        finally:
            self.on_trainer(None)


def pid_attrs() -> dict[str, Any]:
    """What a claimed trial records about the process that runs it."""
    from core.sweep.storage import host_id

    return {"host": host_id(), "pid": os.getpid()}
