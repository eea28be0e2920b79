"""Prediction inputs: a new CSV encoded exactly as the training data was."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.data import apply_input_scaling, encode_inputs, load
from core.errors import DataError
from tests.core.data.conftest import csv_spec

TRAIN = "size;colour;weight;label\n" + "".join(
    f"{i % 7 + 0.5:.1f}".replace(".", ",") + f";{'rgb'[i % 3]};{'' if i == 4 else i * 2};{'ab'[i % 2]}\n"
    for i in range(30))


def _by_id(encoded, ids):
    where = {i: k for k, i in enumerate(encoded.ids)}
    return encoded.x[[where[i] for i in ids]]


def test_the_training_file_encodes_to_exactly_the_training_inputs(write_csv):
    path = write_csv("train.csv", TRAIN)
    dataset = load(csv_spec(path, target="label"))
    preprocessing = json.loads(json.dumps(dataset.preprocessing))  # as read from preprocessing.json
    encoded = encode_inputs(preprocessing, path)
    assert encoded.x.dtype == np.float32 and encoded.x.shape == (30, 5)
    for part in (dataset.train, dataset.validation):
        assert np.array_equal(apply_input_scaling(preprocessing, _by_id(encoded, part.ids)), part.x)


def test_extra_columns_and_another_order_are_fine_a_missing_column_is_named(write_csv):
    path = write_csv("train.csv", TRAIN)
    dataset = load(csv_spec(path, target="label"))
    new = write_csv("new.csv", "extra,weight,colour,size\nz,10,g,2.5\nz,,purple,1\n")
    notes: list[str] = []
    encoded = encode_inputs(dataset.preprocessing, new, notes)
    assert encoded.ids == ["2", "3"]
    names = dataset.info.feature_names
    row = dict(zip(names, encoded.x[0]))
    assert row["size"] == 2.5 and row["weight"] == 10 and row["colour=g"] == 1
    unknown = dict(zip(names, encoded.x[1]))
    assert unknown["colour=r"] == unknown["colour=g"] == unknown["colour=b"] == 0
    fill = dataset.preprocessing["table"]["columns"][2]["fill"]
    assert unknown["weight"] == pytest.approx(fill)
    assert any("filled with the training fill values" in n for n in notes)
    missing = write_csv("missing.csv", "size,colour\n1,r\n")
    with pytest.raises(DataError, match="missing.csv has no column 'weight', which the model was"
                                        " trained on: add it"):
        encode_inputs(dataset.preprocessing, missing)


def test_sequence_prediction_gives_every_full_window(write_csv):
    lines = ["day,value"] + [f"{i},{i * 0.5}" for i in range(40)]
    path = write_csv("series.csv", "\n".join(lines))
    dataset = load(csv_spec(path, target="value", features=["value"],
                            sequence={"window": 5, "order_by": "day"}))
    encoded = encode_inputs(dataset.preprocessing, path)
    assert encoded.x.shape == (36, 5, 1)
    assert encoded.ids[0] == "6"  # the first window ends on spreadsheet row 6
    scaled = apply_input_scaling(dataset.preprocessing, encoded.x)
    assert np.allclose(_by_id(encoded, dataset.train.ids), encoded.x[:len(dataset.train)])
    assert np.array_equal(scaled[:len(dataset.train)], dataset.train.x)
    short = write_csv("short.csv", "day,value\n1,2\n2,3\n")
    with pytest.raises(DataError, match="fewer than the model's window of 5 rows"):
        encode_inputs(dataset.preprocessing, short)


def test_builtin_points_predict_from_a_csv_of_x_and_y(write_csv):
    dataset = load({"kind": "builtin", "name": "moons", "samples": 100})
    encoded = encode_inputs(dataset.preprocessing, write_csv("points.csv", "x,y\n0.5,0.25\n-1,2\n"))
    assert encoded.x.tolist() == [[0.5, 0.25], [-1.0, 2.0]]


def test_scaling_checks_the_width():
    preprocessing = {"kind": "table", "input_scaling": {"mean": [0, 1], "scale": [1, 2]}}
    assert apply_input_scaling(preprocessing, np.array([[1, 3]])).tolist() == [[1, 1]]
    with pytest.raises(DataError, match="trained on 2 features per sample"):
        apply_input_scaling(preprocessing, np.zeros((1, 3)))
    images = {"kind": "image", "input_scaling": {"mean": [0.5], "scale": [0.5]}}
    assert apply_input_scaling(images, np.ones((2, 1, 3, 3))).max() == 1.0
