"""The project of a trial: the sweep's project with that trial's values, ready to save or open."""

from __future__ import annotations

from pathlib import Path

from core.project import SUFFIX, Project
from core.sweep.space import apply_values
from core.sweep.spec import SweepError
from core.sweep.study import COMPLETE, TrialRow, best_row


def trial_project(project: Project, row: TrialRow) -> Project:
    """``project`` with ``row``'s values applied; its sweep section is left out (the result is
    a plain project to train), and its name says which trial it came from."""
    result = apply_values(project, row.params, name=f"{project.name} (trial {row.number})")
    result.description = (f"Trial {row.number} of a sweep: "
                          + ", ".join(f"{k} = {v}" for k, v in row.params.items()))
    return result


def best_project(project: Project, rows: list[TrialRow], direction: str, study: str) -> tuple[Project, TrialRow]:
    """The best complete trial's project; :class:`SweepError` when none has completed."""
    best = best_row(rows, direction)
    if best is None:
        done = sum(r.state == COMPLETE for r in rows)
        raise SweepError(f"study {study!r} has no complete trial yet ({len(rows)} trials, {done}"
                         " complete): run the sweep first")
    return trial_project(project, best), best


def write_project(project: Project, out: str | Path) -> Path:
    """Save ``project`` at ``out`` (``.lfproj`` added when missing); relative data paths are
    rewritten to work from there."""
    path = Path(out).expanduser()
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    if not path.parent.is_dir():
        raise SweepError(f"cannot write {path}: the folder {path.parent} does not exist")
    return project.save(path)
