"""Reading a CSV file's dialect: encoding, delimiter, decimal separator, header, names.

Only the first :data:`SAMPLE_BYTES` of the file are read, so detection (and the
designer's preview) costs the same for a 1 kB file and a 1 GB one. Every guess can be
overridden; a file that cannot be a table (empty, binary, duplicate column names, a
header without rows) is refused here with one sentence naming the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.data import csv_errors
from core.data.paths import is_loop, loop_error
from core.errors import DataError

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
#: When two delimiters split every sample line consistently, the earlier one wins:
#: tabs and semicolons are rarely inside values, commas are (decimal commas).
_DELIMITER_PRIORITY = ("\t", ";", ",", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
LINE_ENDING_NAMES = {"\r\n": "Windows line endings", "\r": "old Mac line endings (CR only)"}
_LINE_BREAK = re.compile(rb"\r\n?|\n")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")
#: Cells read as missing (pyarrow's defaults plus "?", common in UCI data sets).
NULL_VALUES = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
               "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?"]
_NULLS = frozenset(NULL_VALUES)
_NUMBER = {".": re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|infinity)\s*$", re.I),
           ",": re.compile(r"^\s*[+-]?(\d+,?\d*|,\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|infinity)\s*$", re.I)}
_COMMA_DECIMAL = re.compile(r"^\s*[+-]?\d+,\d+\s*$")
_DOT_DECIMAL = re.compile(r"^\s*[+-]?\d*\.\d+\s*$")
_MAGIC = ((b"PK\x03\x04", "an Excel workbook or another zip archive: save it as CSV"),
          (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook: save it as CSV"),
          (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"PAR1", "a Parquet file: convert it to CSV"), (b"SQLite format", "an SQLite database"))


@dataclass(frozen=True)
class CsvFormat:
    """How to read one CSV file; ``names`` are the column names (generated without a header)."""

    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    header: bool = True
    names: tuple[str, ...] = ()
    quoted_newlines: bool = False
    line_ending: str = "\n"
    notes: tuple[str, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        """``semicolon-separated, decimal comma, UTF-8, header, Windows line endings``."""
        parts = [f"{DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}-separated",
                 f"decimal {'comma' if self.decimal == ',' else 'point'}", self.encoding,
                 "header row" if self.header else "no header row"]
        if self.line_ending in LINE_ENDING_NAMES:
            parts.append(LINE_ENDING_NAMES[self.line_ending])
        return ", ".join(parts)


@dataclass
class Head:
    """The first rows of a file as text cells, for the preview and for type guesses."""

    format: CsvFormat
    rows: list[list[str]]
    truncated: bool  # True when the file has more rows than ``rows``
    sample_bytes: int  # bytes of the file the rows came from
    estimated_rows: int = 0  # data rows in the whole file, from the sample's line lengths

    @property
    def names(self) -> tuple[str, ...]:
        return self.format.names

    def column(self, index: int) -> list[str]:
        return [row[index] if index < len(row) else "" for row in self.rows]


def shown_name(path: str | Path) -> str:
    return Path(path).name


def read_sample(path: str | Path, size: int = SAMPLE_BYTES) -> tuple[bytes, int]:
    """The first ``size`` bytes and the file's size; a missing/unreadable file is a DataError."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            sample = handle.read(size)
            total = handle.seek(0, io.SEEK_END)
    except FileNotFoundError:
        raise DataError(f"{path} does not exist: check the path in the data settings") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not a CSV file: choose a file, or use the image"
                        " folder import for a folder of images") from None
    except OSError as err:
        if is_loop(err):
            raise loop_error(path) from None
        raise DataError(f"{path} cannot be read: {err.strerror or err}") from None
    return sample, total


def line_of(data: bytes, position: int) -> int:
    """The 1-based line of byte ``position``; LF, CRLF and old Mac CR all end a line."""
    return len(_LINE_BREAK.findall(data, 0, position)) + 1


def is_missing(cell: str) -> bool:
    return cell.strip() in _NULLS


def is_number(cell: str, decimal: str = ".") -> bool:
    return bool(_NUMBER[decimal].match(cell))


def to_number(cell: str, decimal: str = ".") -> float:
    """A cell as a float (``nan`` if it is not a number)."""
    text = cell.strip()
    if decimal == ",":
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return float("nan")


# ---------------------------------------------------------------------- detection
def _check_binary(sample: bytes, name: str) -> None:
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            raise DataError(f"{name} is not a text file: it looks like {what}")
    head = sample[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > max(2, len(head) // 100):
        raise DataError(f"{name} is not a text file (it holds binary data): choose a CSV file,"
                        " or export your table as CSV")


def detect_encoding(sample: bytes, complete: bool) -> tuple[str, str | None]:
    """The codec to read the file with, and a note when it is not UTF-8."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8", None
    except UnicodeDecodeError as err:
        position = err.start
    line = line_of(sample, position)
    for encoding, label in (("cp1252", "Windows-1252 (cp1252)"), ("latin-1", "Latin-1")):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding, (f"the file is not UTF-8 (first non-UTF-8 byte on line {line}): read it"
                          f" as {label}; choose another encoding if letters look wrong")
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _decode(sample: bytes, encoding: str, complete: bool, name: str) -> str:
    codec = "utf-8-sig" if encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8) else encoding
    try:
        decoder = codecs.getincrementaldecoder(codec)()
        text = decoder.decode(sample, final=complete)
    except UnicodeDecodeError as err:
        line = line_of(sample, err.start)
        raise DataError(f"{name} cannot be read as {encoding}: line {line} has bytes that are not"
                        f" {encoding}; choose another encoding (cp1252 or latin-1 for Windows files)"
                        ) from None
    except LookupError:
        raise DataError(f"{encoding!r} is not an encoding Python knows: use one of"
                        f" {', '.join(ENCODINGS)}") from None
    return text.lstrip("\ufeff")


def _field_counts(lines: list[str], delimiter: str) -> list[int]:
    counts: list[int] = []
    try:
        counts.extend(len(row) for row in csv.reader(lines, delimiter=delimiter) if row)
    except csv.Error:  # a value past csv's field limit: the full parse names its row
        pass
    return counts


def _line_ending(text: str) -> str:
    """CRLF, LF or, for files from old Macs, a lone CR."""
    if "\r\n" in text:
        return "\r\n"
    return "\r" if "\r" in text and "\n" not in text else "\n"


def _parse(text: str, delimiter: str, limit: int, name: str) -> list[list[str]]:
    """The first ``limit`` non-blank rows. ``newline=""`` lets ``csv`` end rows at CR, LF and
    CRLF alike (and keep them inside quoted values); its errors become one sentence."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
                if len(rows) >= limit:
                    break
    except csv.Error as err:
        raise csv_errors.python_csv_error(name, len(rows) + 1, err) from None
    return rows


def detect_delimiter(lines: list[str]) -> str:
    """The candidate that splits (almost) every line into the same number (>1) of fields."""
    best: tuple[float, int, int] | None = None
    choice = ","
    for delimiter in DELIMITERS:
        counts = _field_counts(lines[:200], delimiter)
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2 or counts[0] != mode:
            continue
        consistent = counts.count(mode) / len(counts)
        score = (round(consistent, 2) >= 0.9, -_DELIMITER_PRIORITY.index(delimiter), consistent)
        if best is None or score > best:
            best, choice = score, delimiter
    return choice


def detect_decimal(rows: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    cells = [c for row in rows[:200] for c in row]
    comma = sum(1 for c in cells if _COMMA_DECIMAL.match(c))
    dot = sum(1 for c in cells if _DOT_DECIMAL.match(c))
    return "," if comma > dot else "."


def detect_header(rows: list[list[str]], decimal: str) -> bool:
    """A first row of labels above numbers is a header; a first row like the rest is data."""
    if len(rows) < 2:
        return True
    first, rest = rows[0], rows[1:50]
    if not any(is_number(cell, decimal) for cell in first):
        return True
    for index, cell in enumerate(first):
        below = [row[index] for row in rest if index < len(row) and not is_missing(row[index])]
        if (not is_missing(cell) and not is_number(cell, decimal) and below
                and all(is_number(c, decimal) for c in below)):
            return True
    return False


def _names(first: list[str], header: bool, width: int, name: str) -> tuple[str, ...]:
    if not header:
        return tuple(f"column {i + 1}" for i in range(width))
    names = [cell.strip() or f"column {i + 1}" for i, cell in enumerate(first)]
    seen: dict[str, int] = {}
    for index, column in enumerate(names):
        if column in seen:
            raise DataError(f"{name} has two columns named {column!r} (columns {seen[column] + 1}"
                            f" and {index + 1}): rename one of them in the header row")
        seen[column] = index
    return tuple(names)


def sniff(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
          decimal: str | None = None, header: bool | None = None) -> CsvFormat:
    """Detect how to read ``path``; each argument given (not None) overrides its guess."""
    return read_head(path, encoding=encoding, delimiter=delimiter, decimal=decimal,
                     header=header, max_rows=200).format


def read_head(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
              decimal: str | None = None, header: bool | None = None,
              max_rows: int = 500, sample_size: int = SAMPLE_BYTES) -> Head:
    """Detect the format and return the first ``max_rows`` rows as text (reads only the head)."""
    name = shown_name(path)
    sample, total = read_sample(path, sample_size)
    complete = len(sample) >= total
    if not sample.strip(b" \t\r\n\x00") or (sample.strip(codecs.BOM_UTF8 + b" \t\r\n") == b""):
        raise DataError(f"{name} is empty: choose a CSV file with a header row and data rows")
    notes: list[str] = []
    if encoding is None:
        if not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            _check_binary(sample, name)
        encoding, note = detect_encoding(sample, complete)
        if note:
            notes.append(f"{name}: {note}")
    text = _decode(sample, encoding, complete, name)
    if not complete:  # drop the last, probably cut, line
        cut = max(text.rfind("\n"), text.rfind("\r"), 0)
        text = text[:cut]
    line_ending = _line_ending(text[:65536])
    lines = [line for line in text.splitlines() if line.strip()]
    if not complete and len(lines) < 2:  # the sample ends inside the first or second row
        raise csv_errors.long_row(name, len(lines) + 1, len(sample))
    if not lines:
        raise DataError(f"{name} is empty: choose a CSV file with a header row and data rows")
    if delimiter is None:
        delimiter = detect_delimiter(lines)
    elif delimiter not in DELIMITERS and len(delimiter) != 1:
        raise DataError(f"data.delimiter must be one character such as ',' or ';', got {delimiter!r}")
    rows = _parse(text, delimiter, max_rows + 1, name)
    quoted_newlines = any("\n" in cell or "\r" in cell for row in rows for cell in row)
    if decimal is None:
        decimal = detect_decimal(rows[1:], delimiter)
    elif decimal not in (".", ","):
        raise DataError(f"data.decimal must be '.' or ',', got {decimal!r}")
    if header is None:
        header = detect_header(rows, decimal)
    width = len(rows[0]) if header else max(len(r) for r in rows[:50])
    names = _names(rows[0], header, width, name)
    body = rows[1:] if header else rows
    if header and not body:
        raise DataError(f"{name} has a header row but no data rows: add rows below the header")
    fmt = CsvFormat(encoding=encoding, delimiter=delimiter, decimal=decimal, header=header,
                    names=names, quoted_newlines=quoted_newlines, line_ending=line_ending,
                    notes=tuple(notes))
    body = body[:max_rows]
    newlines = max(sample.count(b"\r" if line_ending == "\r" else b"\n"), 1)
    estimated = int(total * newlines / max(len(sample), 1)) - (1 if header else 0)
    return Head(format=fmt, rows=body, truncated=not complete or len(rows) > max_rows + 1,
                sample_bytes=len(sample), estimated_rows=max(estimated, len(body)))
