"""A sweep's Optuna study: opened with its settings checked, counted, read as plain rows.

Which trials count toward the number asked for: complete, pruned, and failed ones whose
run failed by itself (a diverging loss: ``failure`` says why). A trial whose process was
stopped or killed (``interrupted``; failed by LayerForge or by Optuna's heartbeat check)
does not count: its values are queued again (``retry_of``), and the new trial continues
its run folder from the last checkpoint when that folder is on this machine.
"""

from __future__ import annotations

import datetime
import warnings
from dataclasses import dataclass, field
from typing import Any

from core.sweep.spec import SweepError, SweepSpec
from core.sweep.storage import GRACE_SECONDS, host_id, open_storage, process_alive, shown

SETTINGS_ATTR = "layerforge_settings"
COMPLETE, PRUNED, FAILED, INTERRUPTED, RUNNING, WAITING = (
    "complete", "pruned", "failed", "interrupted", "running", "waiting")


@dataclass
class TrialRow:
    """One trial as the table, ``--show`` and the dock show it."""

    number: int
    state: str  # complete, pruned, failed, interrupted, running, waiting
    value: float | None
    params: dict[str, Any]
    seconds: float | None
    run_dir: str | None
    reason: str | None = None
    epochs: int = 0  # epochs reported so far
    retry_of: int | None = None
    curve: dict[int, float] = field(default_factory=dict)  # the metric per epoch


@dataclass
class Tally:
    done: int = 0
    running: int = 0
    waiting: int = 0


def quiet_optuna() -> None:
    """Optuna's own INFO lines ("Trial 3 finished ...") would repeat what LayerForge prints."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


def open_study(url: str, name: str, spec: SweepSpec, training: dict[str, Any] | None, *,
               worker: bool = False, create: bool = True):
    """The study ``name`` in ``url``, made if new; :class:`SweepError` when it exists with other
    settings (what varies, the metric or the direction). ``worker``: with heartbeats."""
    import optuna

    from core.sweep.choices import PRUNERS

    quiet_optuna()
    storage = open_storage(url, heartbeat=worker)
    key = spec.settings_key(training)
    sampler = make_sampler(spec, 0)
    epochs = int((training or {}).get("epochs") or 20)
    pruner = PRUNERS.get(spec.pruner).build(epochs)
    try:
        existing = optuna.load_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner)
    except KeyError:
        existing = None
    if existing is not None:
        _check_same(existing, key, name, url)
        return existing, storage
    if not create:
        raise SweepError(f"the storage {shown(url)} has no study {name!r}: start the sweep first")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study = optuna.create_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner,
                                    direction=key["direction"], load_if_exists=True)
    if SETTINGS_ATTR in study.user_attrs:
        _check_same(study, key, name, url)  # another process made it a moment ago
    else:
        study.set_user_attr(SETTINGS_ATTR, key)
    return study, storage


def make_sampler(spec: SweepSpec, trials_so_far: int):
    """The sweep's sampler, seeded from its seed and the trials so far: each claim draws with
    a seed of its own (workers started together would otherwise draw the same values), and
    one worker's sweep is the same every time."""
    from core.sweep.choices import SAMPLERS

    if spec.sampler == "grid":  # its seed orders the grid: the same in every worker
        return SAMPLERS.get("grid").build(spec.grid(), spec.seed)
    seed = None if spec.seed is None else (spec.seed * 100_003 + trials_so_far) % (2 ** 32)
    return SAMPLERS.get(spec.sampler).build(None, seed)


def _check_same(study, key: dict[str, Any], name: str, url: str) -> None:
    stored = study.user_attrs.get(SETTINGS_ATTR)
    if stored is None or stored == key:
        return
    if stored.get("parameters") != key["parameters"]:
        was, now = list(stored.get("parameters") or {}), list(key["parameters"])
        what = (f"it varies {', '.join(was) or 'nothing'}, this sweep {', '.join(now)}" if was != now
                else "the same settings over other ranges or choices")
    else:
        what = (f"it optimises {stored.get('metric')} ({stored.get('direction')}), this sweep"
                f" {key['metric']} ({key['direction']})")
    raise SweepError(f"study {name!r} in {shown(url)} was started with other sweep settings ({what}):"
                     " give this sweep another study name (--study), or put the settings back")


def load_rows(url: str, name: str) -> list[TrialRow]:
    """The study's trials as rows (empty when the study does not exist yet); reads only."""
    return StudyReader(url, name).rows()


class StudyReader:
    """Reads one study's rows again and again over one open storage (the dock polls it)."""

    def __init__(self, url: str, name: str) -> None:
        quiet_optuna()
        self.url, self.name = url, name
        self.storage = open_storage(url, heartbeat=False)
        self._study = None

    def study(self):
        """The study, or None while it does not exist yet."""
        import optuna

        if self._study is None:
            try:
                self._study = optuna.load_study(study_name=self.name, storage=self.storage)
            except KeyError:
                return None
        return self._study

    def rows(self) -> list[TrialRow]:
        study = self.study()
        return rows(study) if study is not None else []


def study_names(url: str) -> list[str]:
    """The studies in a storage."""
    import optuna

    return [s.study_name for s in optuna.get_all_study_summaries(open_storage(url, heartbeat=False))]


def rows(study) -> list[TrialRow]:
    """Every trial that is not a given-back claim, by number."""
    result = []
    for trial in study.get_trials(deepcopy=False):
        attrs = trial.user_attrs
        if attrs.get("surplus"):
            continue
        seconds = None
        if trial.datetime_start is not None:
            end = trial.datetime_complete or datetime.datetime.now()
            seconds = max(0.0, (end - trial.datetime_start).total_seconds())
        value = trial.value if trial.state.name == "COMPLETE" else None
        if trial.state.name == "PRUNED" and trial.intermediate_values:
            value = trial.intermediate_values[max(trial.intermediate_values)]
        result.append(TrialRow(
            number=trial.number, state=state_of(trial), value=value, params=dict(trial.params),
            seconds=seconds, run_dir=attrs.get("run_dir"),
            reason=attrs.get("failure") or attrs.get("pruned") or attrs.get("interrupted"),
            epochs=_epochs(attrs.get("run_dir"), trial.intermediate_values),
            retry_of=attrs.get("retry_of"), curve=dict(trial.intermediate_values)))
    return sorted(result, key=lambda r: r.number)


def _epochs(run_dir: str | None, reports: dict[int, float]) -> int:
    """Epochs the trial's run has completed: its run.json when the folder is on this machine,
    else the last epoch it reported to the study."""
    if run_dir:
        import json
        from pathlib import Path

        try:
            return int(json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))["epochs_completed"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return max(reports) if reports else 0


def state_of(trial) -> str:
    state = trial.state.name
    if state == "FAIL":
        return FAILED if "failure" in trial.user_attrs else INTERRUPTED
    return {"COMPLETE": COMPLETE, "PRUNED": PRUNED, "RUNNING": RUNNING, "WAITING": WAITING}.get(state, state.lower())


def tally(study, trials=None) -> Tally:
    """How many trials are done (they count), running, and waiting to run."""
    counts = Tally()
    for trial in study.get_trials(deepcopy=False) if trials is None else trials:
        if trial.user_attrs.get("surplus"):
            continue
        state = state_of(trial)
        if state in (COMPLETE, PRUNED, FAILED):
            counts.done += 1
        elif state == RUNNING:
            counts.running += 1
        elif state == WAITING:
            counts.waiting += 1
    return counts


def surplus(study, number: int, wanted: int) -> bool:
    """Whether trial ``number`` is one too many: ``wanted`` trials that count or run were
    claimed before it (two machines claimed the last slot at the same moment)."""
    before = 0
    for trial in study.get_trials(deepcopy=False):
        if trial.number < number and not trial.user_attrs.get("surplus") and \
                state_of(trial) in (COMPLETE, PRUNED, FAILED, RUNNING):
            before += 1
    return before >= wanted


def fail_dead_trials(study, storage, trials=None) -> list[int]:
    """Fail running trials whose process is gone: on this machine, a process id that no longer
    runs; elsewhere, no heartbeat for a while (Optuna's check, only asked when another
    machine has a trial running). Returns their numbers. ``trials``: the study's trials,
    when just read."""
    import optuna
    from optuna.trial import TrialState

    failed = []
    here = host_id()
    trials = study.get_trials(deepcopy=False) if trials is None else trials
    running = [t for t in trials if t.state == TrialState.RUNNING]
    for trial in running:
        attrs = trial.user_attrs
        dead = attrs.get("host") == here and isinstance(attrs.get("pid"), int) and not process_alive(attrs["pid"])
        # Killed between its claim and its first record (no machine, no heartbeat): old is dead.
        unowned = "host" not in attrs and trial.datetime_start is not None and \
            (datetime.datetime.now() - trial.datetime_start).total_seconds() > GRACE_SECONDS
        if dead or unowned:
            try:
                if storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL):
                    failed.append(trial.number)
            except optuna.exceptions.UpdateFinishedTrialError:
                pass
    if any(t.user_attrs.get("host") not in (here, None) for t in running):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            before = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,))}
            optuna.storages.fail_stale_trials(study)
            after = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,))}
        failed += sorted(after - before - set(failed))
    return failed


def requeue_interrupted(study, trials=None) -> list[int]:
    """Queue again the values of every interrupted trial not queued yet; returns their numbers."""
    trials = study.get_trials(deepcopy=False) if trials is None else trials
    retried = {t.user_attrs.get("retry_of") for t in trials}
    queued = []
    for trial in trials:
        if state_of(trial) != INTERRUPTED or trial.user_attrs.get("surplus") or trial.number in retried:
            continue
        if not trial.params:  # killed before it drew its values: a new trial takes its place
            continue
        attrs = {"retry_of": trial.number}
        if trial.user_attrs.get("run_dir"):
            attrs["resume_run"] = trial.user_attrs["run_dir"]
            attrs["resume_host"] = trial.user_attrs.get("host")
        study.enqueue_trial(dict(trial.params), user_attrs=attrs)
        queued.append(trial.number)
    return queued


def best_row(study_rows: list[TrialRow], direction: str) -> TrialRow | None:
    """The complete trial with the best value."""
    done = [r for r in study_rows if r.state == COMPLETE and r.value is not None]
    if not done:
        return None
    return (max if direction == "maximize" else min)(done, key=lambda r: r.value)
