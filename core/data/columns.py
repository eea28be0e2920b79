"""What each CSV column is: numbers or categories, how many cells are missing, a summary.

The same rules serve the loader (which columns become features, and how) and the
designer's CSV dialog (what it shows and pre-selects), so both always agree.

- A column whose cells are all numbers is **numeric**; ``inf`` cells count as missing.
- A column that is mostly numbers (at least :data:`MOSTLY_NUMERIC`) with a few text cells
  is a mistake to ask about: the loader names the rows, and the person either lists the
  column in ``categorical`` or in ``numeric`` (then the text cells count as missing).
- A column of free text (several words per cell, most cells distinct: the thresholds
  are :mod:`core.data.text`'s) is **text**: it becomes token ids.
- Other text columns are **categorical**; one with more than :data:`MAX_CATEGORIES`
  distinct values where most rows are distinct looks like an id and is left out unless
  listed in ``categorical`` (or ``text``).
- A column whose every cell is missing, or a text column of dates, is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from core.data.csv_format import Head, is_missing, is_number
from core.data.csv_read import RawTable
from core.data.float_range import FLOAT32_MAX
from core.data.text import looks_like_text

NUMERIC, CATEGORICAL, IGNORE, TEXT = "numeric", "categorical", "ignore", "text"
MOSTLY_NUMERIC = 0.8
MAX_CATEGORIES = 50
#: A target with at most this many distinct whole numbers is a class label.
MAX_INTEGER_CLASSES = 20
SHOWN_ROWS = 5


@dataclass
class ColumnProfile:
    """One column as the loader and the dialog see it."""

    name: str
    kind: str  # NUMERIC, CATEGORICAL, TEXT or IGNORE (the default role's type)
    rows: int
    missing: int = 0
    distinct: int | None = None
    summary: str = ""
    reason: str = ""  # why a column is left out by default
    integer: bool = False
    #: Numeric-looking column with text cells: the first rows and values.
    text_rows: list[int] = field(default_factory=list)
    text_values: list[str] = field(default_factory=list)
    text_count: int = 0
    infinite_rows: list[int] = field(default_factory=list)
    infinite_count: int = 0
    #: A column read as categories though half or more of its cells are numbers: how many
    #: are, and some of its text cells (a note says so: it may be numbers with typos).
    number_cells: int = 0
    text_examples: list[str] = field(default_factory=list)
    #: Numbers written with signs or thousands separators ("12%", "$1,200"), which are read
    #: as text: how they are written, for the note or the reason that says so.
    written_numbers: str = ""
    categories: list[str] | None = None
    counts: list[int] | None = None

    @property
    def mostly_numeric_with_text(self) -> bool:
        return self.text_count > 0

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.kind, "missing": self.missing,
                "distinct": self.distinct, "summary": self.summary}


def guess_kinds(head: Head) -> dict[str, str]:
    """Per column, from the first rows only: NUMERIC when every filled cell is a number."""
    kinds = {}
    for index, name in enumerate(head.names):
        cells = [c for c in head.column(index) if not is_missing(c)]
        numbers = sum(1 for c in cells if is_number(c, head.format.decimal))
        kinds[name] = NUMERIC if cells and numbers == len(cells) else CATEGORICAL
    return kinds


def _number(value: float) -> str:
    if value == 0 or (1e-3 <= abs(value) < 1e6):
        return f"{value:.4g}"
    return f"{value:.3g}"


def _is_dates(categories: list[str]) -> bool:
    sample = categories[:50]
    if not sample or not any(ch in sample[0] for ch in "-/:"):
        return False
    try:
        np.array(sample, dtype="datetime64[s]")
    except ValueError:
        return False
    return True


#: A number with a currency sign, thousands separators (``sep``) or a per cent sign around it.
_SIGNS = "$€£¥₹"


def _written_number(sep: str, point: str) -> re.Pattern:
    group, dot = re.escape(sep), re.escape(point)
    return re.compile(rf"^[-+]?[{_SIGNS}]?\s?[-+]?(\d{{1,3}}({group}\d{{3}})+|\d+)({dot}\d+)?\s?[%{_SIGNS}]?$")


def written_numbers(categories: list[str], decimal: str = ".") -> str:
    """How a column's values are written when nearly all are numbers with a per cent sign, a
    currency sign or thousands separators ("'%' signs, such as '12%'"), else ""."""
    sample = [c.strip() for c in categories[:200] if c.strip()]
    if not sample:
        return ""
    pattern = _written_number("," if decimal == "." else ".", decimal)
    matching = [c for c in sample if pattern.match(c)]
    if len(matching) < 0.9 * len(sample):
        return ""
    signs = sorted({ch for c in matching for ch in c if ch in "%" + _SIGNS})
    separated = any(re.search(r"\d[,.]\d{3}(\D|$)", c) and not is_number(c, decimal) for c in matching)
    if not signs and not separated:
        return ""
    parts = ([f"{' and '.join(repr(s) for s in signs)} sign{'s' if len(signs) > 1 else ''}"] if signs else []) \
        + (["thousands separators"] if separated else [])
    example = max(matching, key=len)  # the most telling: signs and separators together
    return f"{' and '.join(parts)}, such as {example!r}"


def profile_column(raw: RawTable, name: str) -> ColumnProfile:
    """Read one column of a loaded table: kind, missing cells, a one-line summary."""
    if name in raw.text:
        return _text_profile(raw, name)
    if name in raw.float_names:
        j = raw.float_names.index(name)
        stats = raw.float_stats()
        infinite = int(stats.infinite[j])
        where = np.flatnonzero(np.isinf(raw.float_column(name)))[:SHOWN_ROWS] if infinite else []
        over = raw.beyond_float32(name)
        if over is not None:
            return _beyond_float32_profile(raw, name, int(stats.missing[j]), over)
        return _numeric_profile(raw, name, int(stats.missing[j]), infinite, where,
                                float(stats.low[j]), float(stats.high[j]), float(stats.mean[j]),
                                bool(stats.integer[j]))
    return _profile_values(raw, name, raw.values(name))


def _beyond_float32_profile(raw: RawTable, name: str, missing: int, over) -> ColumnProfile:
    """A numeric column with values float32 cannot hold (stored as ±inf): not "missing";
    the loader refuses it by name (see :mod:`core.data.float_range`)."""
    row = int(raw.row_number(over.first))
    return ColumnProfile(name=name, kind=NUMERIC, rows=raw.n_rows, missing=missing - over.count,
                         summary=f"{over.count:,} values beyond ±{FLOAT32_MAX:.2g}, such as"
                                 f" {over.value:g} in row {row}")


def _profile_values(raw: RawTable, name: str, values: np.ndarray) -> ColumnProfile:
    finite = np.isfinite(values)
    infinite = np.isinf(values)
    good = values[finite]
    integer = bool(len(good)) and bool(np.all(np.floor(good) == good))
    return _numeric_profile(raw, name, int((~finite).sum()), int(infinite.sum()),
                            np.flatnonzero(infinite)[:SHOWN_ROWS],
                            float(good.min()) if len(good) else np.nan,
                            float(good.max()) if len(good) else np.nan,
                            float(good.mean()) if len(good) else np.nan, integer)


def _numeric_profile(raw: RawTable, name: str, missing: int, infinite: int, infinite_at,
                     low: float, high: float, mean: float, integer: bool) -> ColumnProfile:
    profile = ColumnProfile(name=name, kind=NUMERIC, rows=raw.n_rows, missing=missing,
                            integer=integer, infinite_count=infinite,
                            infinite_rows=[int(r) for r in raw.row_number(np.asarray(infinite_at))])
    if missing == raw.n_rows:
        profile.kind, profile.reason, profile.summary = IGNORE, "every cell is missing", "empty"
        return profile
    profile.summary = f"{_number(low)} to {_number(high)}, mean {_number(mean)}"
    return profile


def _text_profile(raw: RawTable, name: str) -> ColumnProfile:
    column = raw.text[name]
    rows = raw.n_rows
    counts = column.counts()
    filled = int(counts.sum())
    profile = ColumnProfile(name=name, kind=CATEGORICAL, rows=rows, missing=rows - filled,
                            distinct=len(column.categories))
    if filled == 0:
        profile.kind, profile.reason, profile.summary = IGNORE, "every cell is missing", "empty"
        return profile
    numbers = column.numbers(raw.format.decimal)
    is_num = ~np.isnan(numbers)
    numeric_cells = int(counts[is_num].sum())
    if numeric_cells == filled:  # numbers after all (e.g. empty in the first rows)
        return _profile_values(raw, name, column.as_numbers(raw.format.decimal))
    if numeric_cells >= MOSTLY_NUMERIC * filled:
        text_codes = np.flatnonzero(~is_num)
        mask = np.isin(column.codes, text_codes)
        where = np.flatnonzero(mask)
        profile.kind = NUMERIC
        profile.text_count = int(mask.sum())
        profile.text_rows = [int(r) for r in raw.row_number(where[:SHOWN_ROWS])]
        profile.text_values = [column.categories[c] for c in column.codes[where[:SHOWN_ROWS]]]
        good = numbers[is_num]
        profile.summary = (f"{_number(float(good.min()))} to {_number(float(good.max()))},"
                           f" {profile.text_count} text cells")
        return profile
    if numeric_cells >= 0.5 * filled:
        profile.number_cells = numeric_cells
        profile.text_examples = [column.categories[i] for i in np.flatnonzero(~is_num & (counts > 0))[:3]]
    order = np.argsort(-counts, kind="stable")
    profile.categories = [column.categories[i] for i in order]
    profile.counts = [int(counts[i]) for i in order]
    shown = ", ".join(f"{profile.categories[i]} ({profile.counts[i]})"
                      for i in range(min(3, len(order))))
    more = ", ..." if len(order) > 3 else ""
    profile.summary = f"{len(order)} categories: {shown}{more}"
    if _is_dates(column.categories):
        profile.kind, profile.reason = IGNORE, "it holds dates"
        profile.summary = f"dates from {min(column.categories)} to {max(column.categories)}"
        return profile
    profile.written_numbers = written_numbers(profile.categories, raw.format.decimal)
    if profile.written_numbers and len(order) > MAX_CATEGORIES and len(order) > 0.5 * filled:
        profile.kind = IGNORE
        profile.reason = (f"it holds numbers written with {profile.written_numbers}, which LayerForge"
                          " reads as text: save them as plain numbers (1200.5, 0.12) to use them")
        return profile
    is_text, words = looks_like_text(column.categories, counts)
    if is_text:
        profile.kind = TEXT
        profile.summary = (f"text: {len(order):,} distinct values in {filled:,} rows,"
                           f" {words:.1f} words on average")
    elif len(order) > MAX_CATEGORIES and len(order) > 0.5 * filled:
        profile.kind = IGNORE
        profile.reason = (f"it looks like an id or free text ({len(order):,} distinct values in"
                          f" {filled:,} rows)")
    return profile


def class_counts(raw: RawTable, name: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Class names, per-row codes (-1 = missing) and counts of a column used as a label.

    Numbers sort numerically (``2`` before ``10``), text alphabetically.
    """
    if name in raw.text:
        column = raw.text[name]
        numbers = column.numbers(raw.format.decimal)
        if len(numbers) and not np.isnan(numbers).any():
            values = column.as_numbers(raw.format.decimal)
        else:
            order = sorted(range(len(column.categories)), key=lambda i: column.categories[i])
            remap = np.full(len(column.categories) + 1, -1, np.int64)
            remap[order] = np.arange(len(order))
            codes = remap[column.codes]
            names = [column.categories[i] for i in order]
            return names, codes, np.bincount(codes[codes >= 0], minlength=len(names))
    else:
        values = raw.values(name)
    finite = np.isfinite(values)
    uniques, inverse = np.unique(values[finite], return_inverse=True)
    codes = np.full(len(values), -1, np.int64)
    codes[finite] = inverse
    names = [_label(v) for v in uniques]
    return names, codes, np.bincount(inverse, minlength=len(names))


def _label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def infer_task(raw: RawTable, targets: list[str], profiles: dict[str, ColumnProfile]) -> str:
    """``classification`` for text or few distinct whole numbers, ``multilabel`` for several
    0/1 columns, else ``regression``."""
    if len(targets) > 1:
        if all(_is_binary(raw, t, profiles[t]) for t in targets):
            return "multilabel"
        return "regression"
    profile = profiles[targets[0]]
    if profile.kind in (CATEGORICAL, TEXT) or (profile.kind == IGNORE and profile.distinct):
        return "classification"
    if profile.integer:
        values = raw.values(targets[0])
        distinct = np.unique(values[np.isfinite(values)])
        if len(distinct) <= MAX_INTEGER_CLASSES:
            return "classification"
    return "regression"


def _is_binary(raw: RawTable, name: str, profile: ColumnProfile) -> bool:
    if profile.kind != NUMERIC or profile.text_count:
        return False
    values = raw.values(name)
    values = values[np.isfinite(values)]
    return bool(len(values)) and bool(np.all((values == 0) | (values == 1)))


def memory_estimate(rows: int, width: int) -> str:
    """The float32 training array's size in words: ``12.3 MB``."""
    size = rows * max(width, 1) * 4
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size} TB"  # pragma: no cover
