"""Every bad CSV listed in issue 4 gets one sentence naming the file (and row/column) and what to do;
the ones that "must just work" load."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from core.data import load
from core.errors import DataError
from tests.core.data.conftest import csv_spec

GOOD = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,10,x\n11,12,y\n"


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


# name -> (file content, spec options, the words the message must contain)
BAD = {
    "empty": (b"", {}, ["empty.csv is empty", "header row and data rows"]),
    "blank_lines_only": (b"\n\r\n  \n", {}, ["blank_lines_only.csv is empty"]),
    "header_only": ("a,b,label\n", {"target": "label"},
                    ["header_only.csv has a header row but no data rows", "add rows"]),
    "too_many_fields": ("a,b,label\n1,2,x\n3,4,y,9\n5,6,x\n", {"target": "label"},
                        ["too_many_fields.csv row 3 has 4 fields but the header has 3",
                         "needs quotes"]),
    "too_few_fields": ("a,b,label\n1,2,x\n3,4,y\n5,x\n7,8,y\n", {"target": "label"},
                       ["too_few_fields.csv row 4 has 2 fields but the header has 3",
                        "a value is missing"]),
    "target_all_missing": ("a,b,label\n1,2,\n3,4,\n5,6,NA\n", {"target": "label"},
                           ["target_all_missing.csv target column 'label' is empty in every row",
                            "choose another target"]),
    "one_class": ("a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n", {"target": "label"},
                  ["one_class.csv target column 'label' has only one class ('x' in 4 rows)",
                   "at least two"]),
    "text_in_numeric": ("age,b,label\n" + "".join(f"{i},{i},{'xy'[i % 2]}\n" for i in range(20))
                        + "abc,3,x\n", {"target": "label"},
                        ["text_in_numeric.csv column 'age' holds numbers but row 22 holds text ('abc')",
                         "data.categorical", "data.numeric"]),
    # blank lines count, as in an editor and a spreadsheet: 'abc' is on the file's line 25
    "text_in_numeric_after_blank_lines": ("age,b,label\n\n" + "".join(f"{i},{i},{'xy'[i % 2]}\n" for i in range(10))
                                          + "\r\n\n" + "".join(f"{i},{i},{'xy'[i % 2]}\n" for i in range(10))
                                          + "abc,3,x\n\n\n", {"target": "label"},
                                          ["column 'age' holds numbers but row 25 holds text ('abc')"]),
    "too_many_fields_after_a_blank_line": ("a,b,label\n1,2,x\n\n3,4,y,9\n5,6,x\n", {"target": "label"},
                                           ["too_many_fields_after_a_blank_line.csv row 4 has 4 fields"]),
    "duplicate_names": ("a,b,a,label\n1,2,3,x\n4,5,6,y\n", {"target": "label"},
                        ["duplicate_names.csv has two columns named 'a' (columns 1 and 3)",
                         "rename one"]),
    "binary": (bytes(range(256)) * 4, {}, ["binary.csv is not a text file"]),
    "excel": (_zip_bytes(), {}, ["excel.csv is not a text file", "Excel workbook", "save it as CSV"]),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(100), {}, ["png.csv is not a text file", "PNG image"]),
    "no_features": ("label,id\nx,1\ny,2\nx,3\n", {"target": "label", "ignore": ["id"]},
                    ["no_features.csv has no feature columns", "add columns"]),
    "only_empty_features": ("a,label\n,x\n,y\n,x\n", {"target": "label"},
                            ["only_empty_features.csv has no feature columns"]),
    "unknown_target": (GOOD, {"target": "lable"},
                       ["unknown_target.csv has no column 'lable' (data.target)",
                        "did you mean 'label'?"]),
    "wrong_encoding": ("a,b,label\n1,2,café\n3,4,thé\n", {"target": "label", "encoding": "ascii"},
                       ["wrong_encoding.csv cannot be read as ascii", "choose another encoding"]),
    "regression_on_text": (GOOD, {"target": "label", "task": "regression"},
                           ["target column 'label' holds text", "set the task to classification"]),
    "multilabel_not_binary": ("a,y1,y2\n1,0,1\n2,1,3\n3,0,0\n", {"target": ["y1", "y2"],
                                                               "task": "multilabel"},
                              ["label column 'y2' must hold 0 or 1", "row 3"]),
    "short_series": ("t,v\n1,1\n2,2\n3,3\n4,4\n", {"target": "v", "sequence": {"window": 5}},
                     ["short_series.csv has 4 usable rows, too few for windows of 5 rows",
                      "shorter window"]),
    # parser-level failures: the row, and what to do, never the parser's own words
    "long_header": ("a" * (300 << 10) + ",b\n1,2\n", {},
                    ["long_header.csv row 1 is longer than 256 kB", "shorten the row"]),
    "long_row_2": ("a,b,label\n0," + "7" * (300 << 10) + ",x\n1,2,y\n", {},
                   ["long_row_2.csv row 2 is longer than 256 kB", "close the quote"]),
    "long_cell_in_head": ("a,b,label\n0,1,x\n2," + "7" * (200 << 10) + ",y\n1,2,y\n", {},
                          ["long_cell_in_head.csv row 3 holds a value longer than 128 kB",
                           "shorten or remove that value"]),
    "unclosed_quote": ('a,b,label\n1,2,x\n3,"4,y\n' + "5,6,x\n" * 30_000, {},
                       ["unclosed_quote.csv row 3 holds a value longer than 128 kB",
                        "a quote that is never closed"]),
    "long_cell_deep": ("a,b,label\n" + "1,2,x\n3,4,y\n" * 15_000 + "5," + "6" * (1 << 20)
                       + ",x\n7,8,y\n", {"target": "label"},
                       ["long_cell_deep.csv row 30002 holds a value longer than 128 kB",
                        "shorten or remove that value"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_csv_gets_one_clear_sentence(write_csv, name):
    content, options, words = BAD[name]
    path = write_csv(f"{name}.csv", content)
    with pytest.raises(DataError) as caught:
        load(csv_spec(path, **options))
    message = str(caught.value)
    assert "\n" not in message
    assert "straddl" not in message and "CSV parse error" not in message
    for word in words:
        assert word in message, (word, message)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist: check the path"):
        load(csv_spec(tmp_path / "nope.csv"))
    with pytest.raises(DataError, match="is a folder, not a CSV file"):
        load(csv_spec(tmp_path))


def test_text_in_numeric_column_loads_once_the_person_says_what_it_is(write_csv):
    path = write_csv("t.csv", BAD["text_in_numeric"][0])
    as_categories = load(csv_spec(path, target="label", categorical=["age"]))
    assert any(name.startswith("age=") for name in as_categories.info.feature_names)
    as_numbers = load(csv_spec(path, target="label", numeric=["age"]))
    assert as_numbers.info.feature_names[0] == "age"
    assert any("'age': 1 text cells (row 22) treated as missing" in note for note in as_numbers.notes)
    assert np.isfinite(as_numbers.train.x).all()


def test_nan_and_infinite_values_are_missing_with_a_note_naming_rows(write_csv):
    rows = "".join(f"{i},{i * 2},{'xy'[i % 2]}\n" for i in range(10))
    path = write_csv("nan.csv", "a,b,label\n" + rows + "NaN,inf,x\n3,-inf,y\nnan,4,x\n")
    dataset = load(csv_spec(path, target="label"))
    notes = " | ".join(dataset.notes)
    assert "column 'b' has 2 infinite values (rows 12, 13): treated as missing" in notes
    assert "column 'a' has 2 missing cells: filled with the training mean" in notes
    assert "column 'b' has 2 missing cells" in notes
    for part in (dataset.train, dataset.validation):
        assert np.isfinite(part.x).all()
    dropped = load(csv_spec(path, target="label", missing="drop"))
    assert dropped.info.samples == 10
    assert any("3 rows with missing values left out" in n and "rows 12, 13, 14" in n
               for n in dropped.notes)


def test_non_utf8_file_is_read_as_cp1252_with_a_note(write_csv):
    text = "name,value,label\n" + "".join(f"caf\u00e9 {i},{i},{'xy'[i % 2]}\n" for i in range(8))
    path = write_csv("latin.csv", text, encoding="cp1252")
    dataset = load(csv_spec(path, target="label", categorical=["name"]))
    assert "name=caf\u00e9 0" in dataset.info.feature_names
    assert any("is not UTF-8" in n and "Windows-1252 (cp1252)" in n for n in dataset.notes)


def test_non_utf8_bytes_after_the_detection_sample_switch_to_cp1252(write_csv):
    from core.data.csv_format import SAMPLE_BYTES

    rows = "".join(f"n{i % 10},{i},{'xy'[i % 2]}\n" for i in range(SAMPLE_BYTES // 8))
    text = "name,value,label\n" + rows + "na\u00efve,3,x\n"
    path = write_csv("late.csv", text, encoding="cp1252")
    dataset = load(csv_spec(path, target="label", categorical=["name"]))
    assert "name=na\u00efve" in dataset.info.feature_names
    assert any("is not UTF-8 throughout" in n for n in dataset.notes)


def test_bom_and_windows_line_endings_just_work(write_csv):
    text = "\ufeffa,b,label\r\n1,2,x\r\n3,4,y\r\n5,6,x\r\n7,8,y\r\n"
    dataset = load(csv_spec(write_csv("bom.csv", text), target="label"))
    assert dataset.info.feature_names == ["a", "b"]
    assert dataset.info.class_names == ["x", "y"]


def test_semicolons_with_decimal_commas_just_work(write_csv):
    text = "a;b;label\n1,5;-2,25;x\n3,0;4,5;y\n5,25;6;x\n7;8,75;y\n"
    dataset = load(csv_spec(write_csv("semi.csv", text), target="label", scale="none",
                            split={"validation": 0.0}))
    assert dataset.info.feature_names == ["a", "b"]
    rows = dict(zip(dataset.train.ids, dataset.train.x.tolist()))
    assert rows["2"] == [1.5, -2.25] and rows["5"] == [7.0, 8.75]


def test_utf16_and_tab_separated(write_csv):
    text = "a\tb\tlabel\n1.5\t2\tx\n3\t4\ty\n5\t6\tx\n"
    dataset = load(csv_spec(write_csv("u16.csv", text, encoding="utf-16"), target="label"))
    assert dataset.info.feature_names == ["a", "b"]


def test_a_file_without_a_header_gets_numbered_columns(write_csv):
    text = "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(12))
    dataset = load(csv_spec(write_csv("nohead.csv", text)))
    assert dataset.info.feature_names == ["column 1", "column 2"]
    assert dataset.info.target_names == ["column 3"]
    assert dataset.info.task == "classification"
    assert any("using the last column, 'column 3'" in n for n in dataset.notes)


def test_bad_options_name_the_key(write_csv):
    path = write_csv("good.csv", GOOD)
    cases = [({"missing": "zero"}, "data.missing must be one of"),
             ({"scale": "log"}, "data.scale must be one of"),
             ({"split": {"validation": 1.5}}, "data.split.validation must be a fraction"),
             ({"sequence": {"window": 0}}, "data.sequence.window must be a whole number"),
             ({"delimiter": ";;"}, "data.delimiter must be one character"),
             ({"categorical": ["a"], "numeric": ["a"]}, "listed in both"),
             ({"task": "reconstruction", "target": "label"}, "data.target must be empty"),
             ({"features": ["a", "label"]}, "is both the target and a feature")]
    for options, words in cases:
        options.setdefault("target", "label") if "task" not in options else None
        with pytest.raises(DataError, match=words):
            load(csv_spec(path, **options))


def test_a_50_mb_cell_is_named_by_its_row_on_every_read_path(write_csv):
    from core.data import describe, encode_inputs
    from core.data.csv_profile import profile_csv

    rows = "".join(f"{i},{i * 2},{'xy'[i % 2]}\n" for i in range(20))
    good = load(csv_spec(write_csv("good.csv", "a,b,label\n" + rows), target="label"))
    path = write_csv("huge.csv", "a,b,label\n" + rows + "7," + "8" * (50 << 20) + ",x\n1,2,y\n")
    words = "huge.csv row 22 holds a value longer than 128 kB"
    for read in (lambda: load(csv_spec(path, target="label")),
                 lambda: describe(csv_spec(path, target="label")),
                 lambda: profile_csv(path),
                 lambda: encode_inputs(good.preprocessing, path)):
        with pytest.raises(DataError) as caught:
            read()
        assert words in str(caught.value) and "straddl" not in str(caught.value)


def test_other_pyarrow_failures_become_a_sentence_with_the_row(tmp_path):
    import pyarrow as pa

    from core.data.csv_errors import arrow_error

    error = arrow_error(tmp_path / "odd.csv", "utf-8", ",", pa.ArrowInvalid("CSV parse error: odd\nmore"),
                        next_row=42, block=512 << 10)
    assert str(error) == ("odd.csv cannot be read as a table at or after row 42 (odd): check the"
                          " delimiter, the quotes and the encoding in the data settings")
