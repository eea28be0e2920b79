"""One sentence for a CSV file that the parsers cannot split into rows.

pyarrow (the full read) and Python's ``csv`` module (the head, the preview) fail on
different things and say so in their own words: a value longer than a parse block
("straddling object straddles two block boundaries"), a value longer than ``csv``'s
field limit (128 kB), a quote that is never closed. These helpers find the row when
they can and say what to do; the parsers' own messages never reach a person as they are.
"""

from __future__ import annotations

import csv
from pathlib import Path

from core.errors import DataError


def kilobytes(size: int) -> str:
    return f"{size // 1024:,} kB"


def long_value(name: str, row: int, limit: int) -> DataError:
    """A value (or row) longer than ``limit`` bytes starts in ``row``."""
    return DataError(f"{name} row {row} holds a value longer than {kilobytes(limit)}, far more"
                     " than a table cell holds (often a quote that is never closed): close the"
                     " quote, or shorten or remove that value")


def long_row(name: str, row: int, limit: int) -> DataError:
    """A row longer than ``limit`` bytes, the most one parse step reads, starts in ``row``."""
    return DataError(f"{name} row {row} is longer than {kilobytes(limit)}, more than one row of"
                     " a table can be (a quote that is never closed, a huge value, or tens of"
                     " thousands of columns): close the quote, or shorten the row")


def python_csv_error(name: str, row: int, err: csv.Error) -> DataError:
    """Python's ``csv`` failed while reading ``row`` (the head, the preview, a scan)."""
    if "field larger than field limit" in str(err):
        return long_value(name, row, csv.field_size_limit())
    return DataError(f"{name} row {row} cannot be split into fields ({str(err).rstrip('.')}):"
                     " check the quotes and the delimiter")


def first_long_row(path: Path, encoding: str, delimiter: str) -> int | None:
    """The row (the header is row 1, blank lines not counted) where the first value longer
    than ``csv``'s field limit starts, or None. Reads up to that row: only for error messages."""
    row = 0
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            for record in reader:
                row += 1 if record else 0
    except csv.Error as err:
        return row + 1 if "field larger than field limit" in str(err) else None
    except (OSError, LookupError):
        return None
    return None


def arrow_error(path: Path, encoding: str, delimiter: str, err: Exception, next_row: int,
                block: int) -> DataError:
    """pyarrow's failure as a sentence; ``next_row`` is the first row not yet read."""
    name = path.name
    message = str(err)
    if "straddl" in message:  # a row longer than one parse block
        row = first_long_row(path, encoding, delimiter)
        if row is not None:
            return long_value(name, row, csv.field_size_limit())
        return long_row(name, next_row, block)
    detail = message.splitlines()[0] if message else type(err).__name__
    detail = detail.removeprefix("CSV parse error: ")[:120]
    return DataError(f"{name} cannot be read as a table at or after row {next_row} ({detail}):"
                     " check the delimiter, the quotes and the encoding in the data settings")
