"""A whole CSV file profiled for the import dialog: every column's type, missing cells, summary.

The dialog shows the head at once (:func:`core.data.csv_format.read_head`), then this
profile from a background thread; choosing a target then needs no new read
(:meth:`TableProfile.target_facts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.data import columns as cols
from core.data.columns import NUMERIC, ColumnProfile
from core.data.csv_format import CsvFormat, read_head
from core.data.csv_read import RawTable, read_table
from core.data.dataset import CancelCallback, ProgressCallback


@dataclass
class TargetFacts:
    """What choosing ``names`` as the target means: the inferred task and class balance."""

    task: str
    class_names: list[str] | None = None
    class_counts: list[int] | None = None
    problem: str | None = None


@dataclass
class TableProfile:
    path: Path
    format: CsvFormat
    rows: int
    columns: dict[str, ColumnProfile]
    raw: RawTable

    def target_facts(self, names: list[str]) -> TargetFacts:
        """The task ``auto`` would pick for these target columns, with class counts."""
        if not names:
            return TargetFacts("reconstruction")
        task = cols.infer_task(self.raw, names, self.columns)
        if task != "classification":
            return TargetFacts(task)
        class_names, _codes, counts = cols.class_counts(self.raw, names[0])
        problem = None
        if len(class_names) < 2:
            problem = (f"the target {names[0]!r} has only one class: a classifier needs at least"
                       " two; choose another target or the task regression")
        return TargetFacts(task, class_names, [int(c) for c in counts], problem)

    def class_facts(self, name: str) -> TargetFacts:
        class_names, _codes, counts = cols.class_counts(self.raw, name)
        return TargetFacts("classification", class_names, [int(c) for c in counts])


def profile_csv(path: str | Path, fmt: CsvFormat | None = None, *,
                progress: ProgressCallback | None = None,
                cancel: CancelCallback | None = None) -> TableProfile:
    """Read every column of ``path`` (in format ``fmt``, detected when None) and profile it."""
    head = read_head(path, encoding=fmt.encoding if fmt else None,
                     delimiter=fmt.delimiter if fmt else None, decimal=fmt.decimal if fmt else None,
                     header=fmt.header if fmt else None, max_rows=200)
    fmt = head.format
    guesses = cols.guess_kinds(head)
    names = list(fmt.names)
    numeric = {n for n in names if guesses[n] == NUMERIC}
    raw = read_table(path, fmt, names, numeric=numeric, progress=progress, cancel=cancel,
                     span=(0.0, 0.9), expected_rows=head.estimated_rows)
    profiles = {}
    for index, name in enumerate(names):
        profiles[name] = cols.profile_column(raw, name)
        if progress is not None:
            progress(0.9 + 0.1 * (index + 1) / len(names), f"profiling column {name!r}")
    return TableProfile(Path(path), fmt, raw.n_rows, profiles, raw)
