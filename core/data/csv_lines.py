"""Row numbers as a person finds them in the file: blank lines counted.

The table readers skip blank lines, so the n-th data row read is not always the file's
row n + 1: a blank line above it moves it down, in a text editor and in a spreadsheet
(which shows a blank line as an empty row) alike. A message that says "row 4 holds text"
must send the person to the row where the text is. Most files have no blank line between
their rows: that is checked with a byte search over the file, and only a file that has one
is read again, with Python's ``csv`` module (quoted values may hold newlines), to find where.

This file imports numpy and the standard library only, and nothing from LayerForge, on
purpose: the standalone-code export copies it beside its ``predict.py``, whose row numbers
are then the same as ``layerforge predict``'s.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import numpy as np

#: Two line ends in a row: a blank line, in each of the line endings files use.
_BLANK = {"\n": b"\n\n", "\r\n": b"\r\n\r\n", "\r": b"\r\r"}
#: The same with spaces or tabs between them (lines that count as blank with ``whitespace``).
_BLANK_OR_SPACES = re.compile(rb"\n[ \t]*\n|\r\n[ \t]*\r\n|\r[ \t]*\r")


def blank_lines(path: str | Path, encoding: str = "utf-8", delimiter: str = ",", header: bool = True,
                whitespace: bool = False, line_ending: str | None = None) -> np.ndarray:
    """Where the file's blank lines are, as data rows: for each blank line, how many data
    rows come before it (-1: above the header), sorted. Empty when there is none (or the
    file cannot be read again: the numbers then count the rows read). ``whitespace``: a
    line of spaces or tabs is blank too, as pandas reads files (LayerForge's reader takes it
    for a row). ``line_ending``: the file's own ("\n", "\r\n" or "\r"), when known: the
    byte search then looks for it doubled and for LF's, instead of all three."""
    try:
        if _ascii_line_ends(encoding) and not _may_have_blank_lines(Path(path), whitespace, line_ending):
            return np.zeros(0, np.int64)
        return _scan(Path(path), encoding, delimiter, header, whitespace)
    except (OSError, ValueError, csv.Error, LookupError):
        return np.zeros(0, np.int64)


def shown_row(index, blanks: np.ndarray, header: bool):
    """The row a person sees (the header is row 1) of data row ``index`` (an int or an
    array), given :func:`blank_lines`."""
    first = 2 if header else 1
    if not blanks.size:
        return index + first
    return index + first + np.searchsorted(blanks, index, side="right")


def _ascii_line_ends(encoding: str) -> bool:
    """Whether a line end is the byte 0x0A or 0x0D and those bytes mean nothing else: UTF-8
    and the one- and two-byte encodings CSV files come in; not UTF-16 or UTF-32."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return not name.startswith(("utf-16", "utf-32"))


#: Bytes read at a time by the byte search (the file is read, not mapped: a mapped file's
#: pages would count in the process's memory, as large as the file).
_CHUNK = 8 << 20


def _may_have_blank_lines(path: Path, whitespace: bool, line_ending: str | None) -> bool:
    """Whether two line ends follow each other before the file's last row (blank lines at
    the end move no row), or the file starts with one (or, with ``whitespace``, with spaces)."""
    size = path.stat().st_size
    if size == 0:
        return False
    with open(path, "rb") as handle:
        start = handle.read(64).lstrip(b"\xef\xbb\xbf")
        if (start.lstrip(b" \t") if whitespace else start)[:1] in (b"\n", b"\r"):
            return True
        handle.seek(max(0, size - 65536))
        tail = handle.read()
        end = size - (len(tail) - len(tail.rstrip(b"\r\n \t")))  # what follows is blank
        handle.seek(0)
        if whitespace:
            return _found(handle, end, lambda buf: (m.start() for m in [_BLANK_OR_SPACES.search(buf)] if m),
                          keep=4096)
        # the file's own line ending doubled, and LF's (a file of mixed endings has "\r\n\n")
        patterns = list({_BLANK[line_ending], _BLANK["\n"]}) if line_ending in _BLANK else list(_BLANK.values())
        return _found(handle, end, lambda buf: (i for i in (buf.find(p) for p in patterns) if i >= 0),
                      keep=3)


def _found(handle, end: int, first_matches, keep: int) -> bool:
    """Whether ``first_matches(buffer)`` gives a position before ``end`` in the file, read a
    chunk at a time (the last ``keep`` bytes of each chunk are searched again with the next)."""
    position, carried = 0, b""
    while position < end:
        chunk = handle.read(_CHUNK)
        if not chunk:
            return False
        buffer = carried + chunk
        base = position - len(carried)
        if any(base + index < end for index in first_matches(buffer)):
            return True
        carried = buffer[-keep:]
        position += len(chunk)
    return False


def _scan(path: Path, encoding: str, delimiter: str, header: bool, whitespace: bool) -> np.ndarray:
    blanks: list[int] = []
    rows = -1 if header else 0  # data rows read so far (-1: the header is still to come)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 1 << 30))  # the reader already took the file: no limit here
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as handle:
            for record in csv.reader(handle, delimiter=delimiter):
                if record and not (whitespace and len(record) == 1 and not record[0].strip(" \t")):
                    rows += 1
                else:
                    blanks.append(rows)
    finally:
        csv.field_size_limit(limit)
    # Blank lines after the last row move nothing; those above the header count as -1.
    return np.asarray([b for b in blanks if b < rows], dtype=np.int64)
