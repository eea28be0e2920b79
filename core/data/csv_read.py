"""Reading a whole CSV file into numpy, in blocks, with progress and cancel.

pyarrow's streaming reader parses each block on several threads. Numeric columns are
parsed as float64 and go block by block into one float32 array (what training needs, and
half the memory of float64), allocated once from a row-count estimate (untouched pages
cost no memory); values too large for float32 are recorded (:mod:`core.data.float_range`)
rather than passed off as missing. Text columns
become integer codes into a list of categories. Small blocks keep pyarrow's read-ahead
buffers small. A column guessed numeric from the head that holds text further down is
re-read as text, so the caller can say which rows hold it. Broken rows are reported
with their row number.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from core.data import csv_errors, float_range
from core.data.csv_format import NULL_VALUES, CsvFormat, is_number, shown_name, to_number
from core.data.csv_lines import blank_lines, shown_row
from core.data.dataset import CancelCallback, Cancelled, ProgressCallback
from core.errors import DataError

BLOCK_BYTES = 512 << 10
_STATS_ROWS = 1 << 16
_NULLS = frozenset(NULL_VALUES)
_BAD_FLOAT = re.compile(r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error to (float|double)")
_BAD_UTF8 = re.compile(r"invalid UTF8", re.I)
_RAGGED = re.compile(r"Expected (\d+) columns, got (\d+)")


@dataclass
class TextColumn:
    """A text column: ``codes`` (int32, -1 = missing) index ``categories`` (first-seen order)."""

    codes: np.ndarray
    categories: list[str]

    def numbers(self, decimal: str) -> np.ndarray:
        """Each category as a number, NaN where it is not one."""
        return np.array([to_number(c, decimal) if is_number(c, decimal) else np.nan
                         for c in self.categories], np.float64)

    def as_numbers(self, decimal: str) -> np.ndarray:
        """The column as float64 values; missing cells and text cells are NaN."""
        table = np.append(self.numbers(decimal), np.nan)
        return table[self.codes]  # code -1 picks the appended NaN

    def counts(self) -> np.ndarray:
        valid = self.codes[self.codes >= 0]
        return np.bincount(valid, minlength=len(self.categories))


@dataclass
class FloatStats:
    """Per float column (arrays over ``float_names``): counts and range of the finite cells."""

    missing: np.ndarray  # NaN or ±inf cells
    infinite: np.ndarray
    low: np.ndarray
    high: np.ndarray
    mean: np.ndarray
    integer: np.ndarray  # bool: every finite cell a whole number


@dataclass
class RawTable:
    """A CSV file's columns: one float32 array, float64 columns and text columns."""

    path: Path
    format: CsvFormat
    n_rows: int
    float_names: list[str]
    floats: np.ndarray  # (n_rows, len(float_names)) float32, file order
    wide: dict[str, np.ndarray]
    text: dict[str, TextColumn]
    #: Columns asked for as numbers that hold text; they are in ``text``.
    demoted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Float32 columns with finite values float32 cannot hold (stored there as ±inf).
    overflow: dict[str, float_range.Overflow] = field(default_factory=dict)
    _stats: FloatStats | None = field(default=None, repr=False)
    _blank_lines: np.ndarray | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return shown_name(self.path)

    def row_number(self, index: int | np.ndarray) -> int | np.ndarray:
        """The row a person sees in a spreadsheet or an editor (the header is row 1, blank
        lines counted: :mod:`core.data.csv_lines`)."""
        if self._blank_lines is None:
            self._blank_lines = _blank_lines(self.path, self.format)
        return shown_row(index, self._blank_lines, self.format.header)

    def float_column(self, name: str) -> np.ndarray:
        """A (strided) view of one float32 column."""
        return self.floats[:, self.float_names.index(name)]

    def values(self, name: str) -> np.ndarray:
        """Any column as float64 numbers (text cells and missing cells are NaN)."""
        if name in self.wide:
            return self.wide[name]
        if name in self.text:
            return self.text[name].as_numbers(self.format.decimal)
        return self.float_column(name).astype(np.float64)

    def beyond_float32(self, name: str) -> float_range.Overflow | None:
        """The cells of a column that are finite but too large for float32, or None."""
        if name in self.float_names:
            return self.overflow.get(name)
        return float_range.find(self.values(name))

    def float_stats(self) -> FloatStats:
        """Statistics of every float column in one pass over row blocks."""
        if self._stats is None:
            self._stats = _float_stats(self.floats)
        return self._stats

    def release_floats(self) -> None:
        self.floats = np.zeros((0, len(self.float_names)), np.float32)
        self._stats = None


def _blank_lines(path: Path, fmt: CsvFormat) -> np.ndarray:
    """:func:`core.data.csv_lines.blank_lines` of a file read with ``fmt``."""
    return blank_lines(path, fmt.encoding, fmt.delimiter, fmt.header, line_ending=fmt.line_ending)


def _float_stats(floats: np.ndarray) -> FloatStats:
    width = floats.shape[1]
    missing = np.zeros(width, np.int64)
    infinite = np.zeros(width, np.int64)
    low = np.full(width, np.inf)
    high = np.full(width, -np.inf)
    total = np.zeros(width)
    integer = np.ones(width, bool)
    for start in range(0, len(floats), _STATS_ROWS):
        block = floats[start:start + _STATS_ROWS]
        finite = np.isfinite(block)
        if finite.all():
            clean, high_part, low_part = block, block, block
        else:
            missing += (~finite).sum(axis=0)
            infinite += np.isinf(block).sum(axis=0)
            clean = np.where(finite, block, np.float32(0))
            low_part = np.where(finite, block, np.float32(np.inf))
            high_part = np.where(finite, block, np.float32(-np.inf))
        total += clean.sum(axis=0, dtype=np.float64)
        low = np.minimum(low, low_part.min(axis=0, initial=np.inf))
        high = np.maximum(high, high_part.max(axis=0, initial=-np.inf))
        still = np.flatnonzero(integer)  # only columns that were whole numbers so far
        if len(still):
            part = clean[:, still]
            integer[still] = (np.floor(part) == part).all(axis=0)
    count = len(floats) - missing
    mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return FloatStats(missing, infinite, low, high, mean, integer)


class _CountingReader(io.RawIOBase):
    """A file wrapper that counts bytes read, for progress."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.handle.readinto(buffer)
        self.count += n or 0
        return n


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig") else encoding


def _options(fmt: CsvFormat, columns: list[str], types: dict, handler=None, threads: bool = True):
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(use_threads=threads, block_size=BLOCK_BYTES,
                             column_names=list(fmt.names), skip_rows=1 if fmt.header else 0,
                             encoding=_arrow_encoding(fmt.encoding))
    parse = pacsv.ParseOptions(delimiter=fmt.delimiter, newlines_in_values=fmt.quoted_newlines,
                               invalid_row_handler=handler)
    convert = pacsv.ConvertOptions(include_columns=columns, column_types=types,
                                   decimal_point=fmt.decimal, null_values=NULL_VALUES,
                                   strings_can_be_null=True, quoted_strings_can_be_null=True)
    return read, parse, convert


def _ragged_rows(path: Path, fmt: CsvFormat, columns: list[str]) -> DataError:
    """Re-parse on one thread to find the rows with the wrong number of fields."""
    import pyarrow.csv as pacsv

    bad: list[tuple[int | None, int, int]] = []

    def handler(row):
        bad.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    read, parse, convert = _options(fmt, columns[:1], {}, handler, threads=False)
    try:
        for _batch in pacsv.open_csv(path, read_options=read, parse_options=parse,
                                     convert_options=convert):
            pass
    except Exception:  # noqa: BLE001 - the message below is the useful part
        pass
    name = shown_name(path)
    if not bad:
        return DataError(f"{name} has rows with a different number of fields than the header:"
                         " check the delimiter and the quotes")
    number, expected, actual = bad[0]
    where = "a row"
    if number is not None:  # pyarrow counts the rows it reads (a header is 1), not blank lines
        index = number - (2 if fmt.header else 1)
        where = f"row {int(shown_row(index, _blank_lines(path, fmt), fmt.header))}"
    more = f" ({len(bad) - 1} more rows like it)" if len(bad) > 1 else ""
    delim = {"\t": "tab"}.get(fmt.delimiter, repr(fmt.delimiter))
    hint = (f"a {delim} inside a value needs quotes" if actual > expected
            else "a value is missing, or a quote is not closed")
    return DataError(f"{name} {where} has {actual} fields but the header has {expected}{more}:"
                     f" fix that row ({hint})")


def read_table(path: str | Path, fmt: CsvFormat, columns: list[str], *,
               numeric: set[str] = frozenset(), wide: set[str] = frozenset(),
               progress: ProgressCallback | None = None, cancel: CancelCallback | None = None,
               span: tuple[float, float] = (0.0, 1.0), expected_rows: int = 0) -> RawTable:
    """Read ``columns`` of ``path``: ``numeric`` ones as float32, ``wide`` ones as float64,
    the others as text. Progress goes from ``span[0]`` to ``span[1]``. ``expected_rows``
    (an estimate from the head) sizes the float array up front."""
    path = Path(path)
    numeric, wide = set(numeric), set(wide)
    demoted: list[str] = []
    notes: list[str] = []
    for _attempt in range(len(columns) + 3):
        try:
            table = _read_once(path, fmt, columns, numeric, wide, progress, cancel, span,
                               expected_rows)
        except _Retry as retry:
            if retry.column is not None:
                numeric.discard(retry.column)
                wide.discard(retry.column)
                demoted.append(retry.column)
            else:
                notes.append(f"{shown_name(path)} is not UTF-8 throughout: read it as Windows-1252"
                             " (cp1252); choose another encoding if letters look wrong")
                fmt = replace(fmt, encoding="cp1252")
            continue
        table.demoted = demoted
        table.notes = list(fmt.notes) + notes
        return table
    raise DataError(f"{shown_name(path)} could not be read: check the delimiter and encoding")


class _Retry(Exception):
    def __init__(self, column: str | None):
        self.column = column


def _read_once(path: Path, fmt: CsvFormat, columns: list[str], numeric: set[str], wide: set[str],
               progress, cancel, span, expected_rows: int) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    name = shown_name(path)
    float_names = [c for c in columns if c in numeric and c not in wide]
    text_names = [c for c in columns if c not in numeric and c not in wide]
    types = {c: pa.float64() for c in columns if c in float_names or c in wide}
    types.update({c: pa.dictionary(pa.int32(), pa.string()) for c in text_names})
    read, parse, convert = _options(fmt, columns, types)
    total = max(path.stat().st_size, 1)
    floats = np.empty((int(expected_rows * 1.1) + 1024, len(float_names)), np.float32)
    wide_parts: dict[str, list[np.ndarray]] = {c: [] for c in columns if c in wide}
    code_parts: dict[str, list[np.ndarray]] = {c: [] for c in text_names}
    lookups: dict[str, dict[str, int]] = {c: {} for c in text_names}
    overflow: dict[str, float_range.Overflow] = {}
    n_rows = 0
    try:
        with open(path, "rb") as raw:
            counter = _CountingReader(raw)
            reader = pacsv.open_csv(io.BufferedReader(counter, 1 << 20), read_options=read,
                                    parse_options=parse, convert_options=convert)
            for batch in reader:
                if cancel is not None and cancel():
                    raise Cancelled()
                rows = batch.num_rows
                if n_rows + rows > len(floats):
                    floats = _grow(floats, n_rows, n_rows + rows)
                for j, column in enumerate(float_names):
                    values = _buffer_values(batch.column(column), np.float64, np.nan)
                    float_range.store(values, floats[n_rows:n_rows + rows, j])
                    found = float_range.find(values, n_rows)
                    if found is not None:
                        overflow[column] = overflow[column].plus(found) if column in overflow else found
                for column in wide_parts:
                    wide_parts[column].append(_buffer_values(batch.column(column), np.float64, np.nan))
                for column in text_names:
                    code_parts[column].append(_codes(batch.column(column), lookups[column]))
                n_rows += rows
                if progress is not None:
                    progress(span[0] + (span[1] - span[0]) * min(counter.count / total, 1.0),
                             f"reading {name}: {n_rows:,} rows")
    except pa.ArrowInvalid as err:
        message = str(err)
        bad_float = _BAD_FLOAT.search(message)
        if bad_float:
            index = int(bad_float.group(1))
            raise _Retry(fmt.names[index] if index < len(fmt.names) else None) from None
        if _BAD_UTF8.search(message) and _arrow_encoding(fmt.encoding) == "utf8":
            raise _Retry(None) from None
        if _RAGGED.search(message):
            raise _ragged_rows(path, fmt, columns) from None
        if "Empty CSV file" in message:
            raise DataError(f"{name} is empty: choose a CSV file with a header row and data rows") from None
        raise _arrow_error(path, fmt, err, n_rows) from None
    except UnicodeDecodeError as err:
        raise DataError(f"{name} cannot be read as {fmt.encoding}: {err.reason}; choose another"
                        " encoding (cp1252 or latin-1 for Windows files)") from None
    except OSError as err:
        raise DataError(f"{name} cannot be read: {err.strerror or err}") from None
    except pa.ArrowException as err:  # out of memory, a column over 2 GB, ...
        raise _arrow_error(path, fmt, err, n_rows) from None
    text = {}
    for column in text_names:
        codes = (np.concatenate(code_parts[column]) if code_parts[column]
                 else np.zeros(0, np.int32))
        text[column] = TextColumn(codes, list(lookups[column]))
    wide_arrays = {c: (np.concatenate(p) if p else np.zeros(0)) for c, p in wide_parts.items()}
    _release_arrow_memory(pa)
    return RawTable(path=path, format=fmt, n_rows=n_rows, float_names=float_names,
                    floats=floats[:n_rows], wide=wide_arrays, text=text, overflow=overflow)


def _arrow_error(path: Path, fmt: CsvFormat, err: Exception, rows_read: int) -> DataError:
    next_row = rows_read + (2 if fmt.header else 1)
    return csv_errors.arrow_error(path, fmt.encoding, fmt.delimiter, err, next_row, BLOCK_BYTES)


def _grow(floats: np.ndarray, used: int, needed: int) -> np.ndarray:
    """A larger array with the first ``used`` rows copied (the row estimate was low)."""
    bigger = np.empty((max(needed, int(len(floats) * 1.5) + 1024), floats.shape[1]), np.float32)
    bigger[:used] = floats[:used]
    return bigger


def _release_arrow_memory(pa) -> None:
    try:
        pa.default_memory_pool().release_unused()
    except AttributeError:  # pragma: no cover - older pyarrow
        pass


def _codes(array, lookup: dict[str, int]) -> np.ndarray:
    """Codes of one batch's dictionary column in the column's global category list."""
    if array.null_count == len(array):
        return np.full(len(array), -1, np.int32)
    if hasattr(array, "combine_chunks"):
        array = array.combine_chunks()
    local = []
    for value in array.dictionary.to_pylist():
        value = value.strip() if value is not None else None
        if value is None or value in _NULLS:
            local.append(-1)
        else:
            local.append(lookup.setdefault(value, len(lookup)))
    table = np.array(local + [-1], np.int32)
    return table[_buffer_values(array.indices, np.int32, -1)]


def _buffer_values(array, dtype, null) -> np.ndarray:
    """A primitive arrow array as numpy, nulls replaced by ``null``.

    Read from the buffers directly: pyarrow's own conversions of arrays with nulls
    import pandas, which costs more memory than a million rows of data.
    """
    values = np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset:array.offset + len(array)]
    if array.null_count == 0:
        return values
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], np.uint8), bitorder="little")
    valid = bits[array.offset:array.offset + len(array)].astype(bool)
    return np.where(valid, values, np.array(null, dtype))
