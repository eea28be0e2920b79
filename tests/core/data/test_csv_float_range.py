"""Finite numbers beyond float32's range (±3.4e38) are named by column, row and value, never
read as "missing" and the column silently dropped."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import encode_inputs, load
from core.data.csv_profile import profile_csv
from core.errors import DataError
from tests.core.data.conftest import csv_spec

ROWS = 20


def _table(a_values, y_values=None) -> str:
    y_values = y_values or [str(i * 0.5) for i in range(ROWS)]
    return "a,b,y\n" + "".join(f"{a},{i % 5},{y}\n" for i, (a, y) in enumerate(zip(a_values, y_values)))


def _message(path, **options) -> str:
    with pytest.raises(DataError) as caught:
        load(csv_spec(path, target="y", **options))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_column_of_1e308_is_refused_naming_column_row_and_value(write_csv):
    path = write_csv("huge.csv", _table([("1e308", "-1e308")[i % 2] for i in range(ROWS)]))
    message = _message(path)
    assert "huge.csv column 'a' holds 1e+308 in row 2 (and 19 more rows)" in message
    assert "3.4e+38" in message and "rescale" in message and "data.ignore" in message
    assert "missing" not in message


def test_one_value_beyond_float32_in_a_normal_column(write_csv):
    values = [str(i) for i in range(ROWS)]
    values[5] = "-4e39"
    message = _message(write_csv("one.csv", _table(values)))
    assert "one.csv column 'a' holds -4e+39 in row 7, beyond" in message


def test_the_person_can_leave_the_column_out(write_csv):
    path = write_csv("huge.csv", _table(["1e308"] * ROWS))
    dataset = load(csv_spec(path, target="y", ignore=["a"]))
    assert dataset.info.feature_names == ["b"]


def test_numbers_within_float32_range_load_as_they_are(write_csv):
    values = [f"{(i + 1) * 1e37}" for i in range(ROWS)][:ROWS]
    values[-1] = "3e38"
    dataset = load(csv_spec(write_csv("big.csv", _table(values)), target="y", scale="none",
                            split={"validation": 0}))
    assert np.isfinite(dataset.train.x).all()
    assert float(dataset.train.x[:, 0].max()) == pytest.approx(3e38, rel=1e-6)


def test_a_regression_target_beyond_float32_is_refused(write_csv):
    targets = [str(i + 0.5) for i in range(ROWS)]
    targets[3] = "2e300"
    message = _message(write_csv("target.csv", _table([str(i) for i in range(ROWS)], targets)))
    assert "target.csv target column 'y' holds 2e+300 in row 5" in message


def test_a_numeric_column_with_text_listed_in_numeric(write_csv):
    values = [str(i) for i in range(ROWS)]
    values[2], values[9] = "oops", "1e300"
    message = _message(write_csv("mixed.csv", _table(values)), numeric=["a"])
    assert "mixed.csv column 'a' holds 1e+300 in row 11" in message


def test_the_dialogs_profile_does_not_call_the_column_empty(write_csv):
    path = write_csv("huge.csv", _table(["1e308"] * ROWS))
    profile = profile_csv(path).columns["a"]
    assert profile.kind == "numeric" and profile.summary != "empty"
    assert "3.4e+38" in profile.summary and profile.missing == 0


def test_predicting_from_a_file_with_a_value_beyond_float32(write_csv):
    dataset = load(csv_spec(write_csv("train.csv", _table([str(i) for i in range(ROWS)])), target="y"))
    values = [str(i) for i in range(ROWS)]
    values[0] = "1e308"
    new = write_csv("new.csv", _table(values))
    with pytest.raises(DataError, match=r"new.csv column 'a' holds 1e\+308 in row 2"):
        encode_inputs(dataset.preprocessing, new)
