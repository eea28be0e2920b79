"""Old Mac line endings (CR only) read exactly like the LF version of the same file, on every
path that reads a CSV: format sniffing, the preview, the full read, the profile, predict."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import encode_inputs, load
from core.data.csv_format import read_head, sniff
from core.data.csv_profile import profile_csv
from tests.core.data.conftest import csv_spec

LF = "a,b,colour,label\n" + "".join(
    f"{i},{i * 0.5},{'red' if i % 3 else 'blue'},{'xy'[i % 2]}\n" for i in range(30))
QUOTED = 'a,note,label\n1,"two\nlines",x\n2,plain,y\n3,"more\nlines",x\n4,end,y\n5,e,x\n6,f,y\n'


def _pair(write_csv, text: str = LF):
    return write_csv("lf.csv", text), write_csv("cr.csv", text.replace("\n", "\r"))


def test_the_head_and_the_sniffed_format_match_the_lf_file(write_csv):
    lf, cr = _pair(write_csv)
    head_lf, head_cr = read_head(lf), read_head(cr)
    assert head_cr.rows == head_lf.rows and len(head_cr.rows) == 30
    assert head_cr.names == ("a", "b", "colour", "label")
    assert head_cr.format.line_ending == "\r"
    assert "old Mac line endings" in head_cr.format.describe()
    assert sniff(cr).delimiter == "," and sniff(cr).header
    assert abs(head_cr.estimated_rows - 30) <= 3


def test_a_cr_file_loads_the_same_data_as_its_lf_version(write_csv):
    lf, cr = _pair(write_csv)
    a, b = load(csv_spec(lf, target="label")), load(csv_spec(cr, target="label"))
    for part in ("train", "validation"):
        assert np.array_equal(getattr(a, part).x, getattr(b, part).x)
        assert np.array_equal(getattr(a, part).y, getattr(b, part).y)
        assert list(getattr(a, part).ids) == list(getattr(b, part).ids)
    assert a.info.feature_names == b.info.feature_names
    assert a.schema["rows"] == b.schema["rows"] == 30


def test_quoted_line_breaks_in_a_cr_file(write_csv):
    lf, cr = _pair(write_csv, QUOTED)
    head = read_head(cr)
    assert head.format.quoted_newlines
    assert [row[1] for row in head.rows][:1] == ["two\rlines"]
    assert len(load(csv_spec(cr, target="label", split={"validation": 0})).train) == 6


def test_a_cr_file_larger_than_the_sample_and_many_blocks(write_csv, monkeypatch):
    import core.data.csv_read as csv_read

    monkeypatch.setattr(csv_read, "BLOCK_BYTES", 8192)
    rows = 40_000  # about 600 kB: the head is a cut sample, the full read many blocks
    text = "a,b,label\n" + "".join(f"{i},{i % 7},{'xy'[i % 2]}\n" for i in range(rows))
    lf, cr = _pair(write_csv, text)
    head = read_head(cr)
    assert head.truncated and head.rows[0] == ["0", "0", "x"]
    assert 0.8 * rows < head.estimated_rows < 1.2 * rows
    a, b = load(csv_spec(lf, target="label")), load(csv_spec(cr, target="label"))
    assert b.schema["rows"] == rows
    assert np.array_equal(a.train.x, b.train.x)


def test_the_profile_for_the_dialog_reads_a_cr_file(write_csv):
    _lf, cr = _pair(write_csv)
    profile = profile_csv(cr)
    assert profile.rows == 30 and profile.columns["colour"].kind == "categorical"


def test_predict_reads_a_cr_file_like_the_lf_one(write_csv):
    lf, cr = _pair(write_csv)
    dataset = load(csv_spec(lf, target="label"))
    a = encode_inputs(dataset.preprocessing, lf)
    b = encode_inputs(dataset.preprocessing, cr)
    assert np.array_equal(a.x, b.x) and a.ids == b.ids


@pytest.mark.parametrize("ending", ["\r", "\r\n"])
def test_a_non_utf8_byte_is_reported_on_its_line(write_csv, ending):
    text = ending.join(["a,b,label", "1,2,x", "3,4,y", "5,6,caf\xe9", "7,8,y"]) + ending
    path = write_csv(f"enc{len(ending)}.csv", text.encode("cp1252"))
    note = read_head(path).format.notes[0]
    assert "first non-UTF-8 byte on line 4" in note


def test_layerforge_check_reads_a_cr_file(write_csv, tmp_path, capsys):
    from tests.core.data.test_cli_data import check, project

    _lf, cr = _pair(write_csv)
    code, out, err = check(capsys, project(tmp_path, {"kind": "csv", "path": cr.name, "target": "label"}))
    assert code == 0, err
    assert "rows: 30 (comma-separated" in out and "old Mac line endings" in out
