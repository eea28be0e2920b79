"""Row numbers as a person finds them: blank lines counted (core/data/csv_lines.py)."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.csv_lines import blank_lines, shown_row


def _rows(path, header=True, encoding="utf-8", delimiter=","):
    """The shown row of each data row the readers read (blank lines skipped)."""
    data_rows = [line for line in path.read_text(encoding=encoding).splitlines() if line]
    count = len(data_rows) - (1 if header else 0)
    return [int(r) for r in shown_row(np.arange(count), blank_lines(path, encoding, delimiter, header), header)]


def test_a_file_without_blank_lines_is_numbered_from_the_header(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n3,4\n\n\n")  # blank lines after the last row move nothing
    assert blank_lines(path).size == 0
    assert _rows(path) == [2, 3]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_blank_lines_above_the_header_between_and_after_rows_move_the_rows_below(tmp_path, newline):
    path = tmp_path / "gaps.csv"
    lines = ["", "a,b", "1,2", "", "", "3,4", "5,6", "", "7,8", "", ""]
    path.write_bytes(newline.join(lines).encode())
    assert _rows(path) == [3, 6, 7, 9]


def test_without_a_header_the_first_row_is_row_1(tmp_path):
    path = tmp_path / "bare.csv"
    path.write_text("\n1,2\n\n3,4\n")
    assert _rows(path, header=False) == [2, 4]


def test_a_blank_line_inside_a_quoted_value_is_not_a_row(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('a,b\n1,"two\n\nlines"\n3,4\n\n5,6\n')
    blanks = blank_lines(path)
    assert list(blanks) == [2]  # the one real blank line, after two data rows
    assert [int(r) for r in shown_row(np.arange(3), blanks, True)] == [2, 3, 5]


def test_utf16_files_are_read_for_blank_lines_too(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("a;b\n1;2\n\n3;4\n", encoding="utf-16")
    assert list(blank_lines(path, "utf-16", ";")) == [1]


def test_a_file_that_cannot_be_read_again_keeps_the_plain_numbers(tmp_path):
    assert blank_lines(tmp_path / "gone.csv").size == 0
    assert int(shown_row(4, np.zeros(0, np.int64), True)) == 6


def test_lines_of_spaces_are_blank_only_where_the_reader_skips_them(tmp_path):
    """pandas (the exported predict.py) skips a line of spaces; LayerForge's reader takes it for
    a row: each numbers the rows after it as the file shows them."""
    path = tmp_path / "spaces.csv"
    path.write_text("a,b\n1,2\n   \n3,4\n\t\n5,6\n")
    assert blank_lines(path).size == 0
    spaced = blank_lines(path, whitespace=True)
    assert list(spaced) == [1, 2]
    assert [int(r) for r in shown_row(np.arange(3), spaced, True)] == [2, 4, 6]
    path.write_text("  \na,b\n1,2\n")  # above the header
    assert list(blank_lines(path, whitespace=True)) == [-1]


@pytest.mark.parametrize("chunk", [3, 5, 7, 1 << 20])
def test_the_byte_search_finds_a_blank_line_across_its_chunks_and_ignores_the_trailing_ones(
        tmp_path, monkeypatch, chunk):
    from core.data import csv_lines

    monkeypatch.setattr(csv_lines, "_CHUNK", chunk)  # read a few bytes at a time
    path = tmp_path / "gap.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n\r\n3,4\r\n")
    assert list(blank_lines(path, line_ending="\r\n")) == [1]
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\r\n\r\n\r\n")  # blank only at the end: nothing moves
    assert blank_lines(path, line_ending="\r\n").size == 0
    path.write_bytes(b"a,b\n1,2\n  \n3,4\n")
    assert blank_lines(path, line_ending="\n").size == 0
    assert list(blank_lines(path, whitespace=True)) == [1]
