"""preprocessing_check: what LayerForge writes passes; each hand edit gets its field named."""

from __future__ import annotations

import pytest

from core.data.preprocessing_check import outputs_problem, preprocessing_problem

TABLE = {"kind": "table", "task": "classification", "input_shape": [4], "class_names": ["a", "b"],
         "input_scaling": {"method": "standard", "mean": [0, 0, 0, 0], "scale": [1, 1, 1, 1]},
         "table": {"csv": {"header": True}, "columns": [
             {"name": "x", "type": "numeric", "fill": 0.5},
             {"name": "colour", "type": "categorical", "fill": "red", "categories": ["red", "blue"]},
             {"name": "city", "type": "categorical", "fill": None, "categories": [f"c{i}" for i in range(40)]}]}}
SEQUENCE = {**TABLE, "kind": "sequence", "input_shape": [5, 4], "sequence": {"window": 5}}
IMAGE = {"kind": "image", "task": "classification", "input_shape": [3, 8, 8], "class_names": ["a", "b"],
         "image": {"size": [8, 8], "color": "rgb"}}


@pytest.mark.parametrize("pre", [TABLE, SEQUENCE, IMAGE], ids=["table", "sequence", "image"])
def test_what_layerforge_writes_has_no_problem(pre):
    assert preprocessing_problem(pre) is None


@pytest.mark.parametrize("pre, words", [
    ({**TABLE, "input_shape": [3]}, "columns make 4 features, but its 'input_shape' says 3"),
    ({**TABLE, "input_shape": [4, 0]}, "'input_shape' is [4, 0], not a list of sizes"),
    ({**TABLE, "class_names": "a,b"}, "'class_names' is 'a,b', not a list of names"),
    ({**TABLE, "input_scaling": {"mean": [0], "scale": [1, 1]}}, "two lists of numbers of one length"),
    ({**TABLE, "table": []}, "its 'table' is [], not an object"),
    ({**TABLE, "table": "x.csv"}, "its 'table' is 'x.csv', not an object"),
    ({**SEQUENCE, "sequence": {"window": 0}}, "without a 'window' of at least 1 row"),
    ({**IMAGE, "image": {"size": [8]}}, "without a 'size' of [height, width]"),
    ({**TABLE, "table": {"columns": [{"type": "numeric"}]}}, "column 1 of its table is"),
    ({**TABLE, "table": {"columns": [{"name": "t", "type": "text", "max_length": "8"}]}},
     "column 't' has the max_length '8', not a number of tokens"),
    ({**TABLE, "table": {"columns": [{"name": "c", "type": "categorical", "categories": [1, 2]}]}},
     "column 'c' has the categories [1, 2], not a list of texts"),
])
def test_each_kind_of_edit_names_its_field(pre, words):
    problem = preprocessing_problem(pre)
    assert problem is not None and words in problem, problem


def test_the_models_outputs_must_fit_the_names_given_them():
    assert outputs_problem(TABLE, 2) is None
    assert "its 'class_names' has 2 names, but the model gives 3 values" in outputs_problem(TABLE, 3)
    regression = {"task": "regression", "target_names": ["y"]}
    assert outputs_problem(regression, 1) is None  # one value needs no name list
    assert "its 'target_names' has 1 name, but the model gives 2 values" in outputs_problem(regression, 2)
    assert outputs_problem({"task": "reconstruction"}, 64) is None
