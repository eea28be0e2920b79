"""The data-kind registry's contract: every registered kind is refused twice, named in the
sentence for a near miss, describes and loads a tiny dataset of its own, encodes new inputs
at predict time the way it trained, agrees with the JSON schema and has its docs section.
A new kind is tested by being added here (a ``CASES`` entry that makes its tiny data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.data import SOURCES, apply_input_scaling, describe, encode_inputs, load
from core.errors import DataError, UnknownNameError
from core.resources import resource_path
from tests.core.data.images import make_folder

ROOT = Path(__file__).resolve().parents[3]
NAMES = SOURCES.names()


def _csv(folder: Path) -> tuple[dict, Path]:
    rows = [f"{i % 5 * 0.5:.1f},{'rgb'[i % 3]},{'ab'[i % 2]}" for i in range(30)]
    path = folder / "table.csv"
    path.write_text("size,colour,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return {"kind": "csv", "path": "table.csv", "target": "label"}, path


def _images(folder: Path) -> tuple[dict, Path]:
    path = make_folder(folder / "images", {"circle": 4, "square": 4}, size=(12, 10))
    return {"kind": "image_folder", "path": "images", "image_size": [8, 8]}, path


def _builtin(folder: Path) -> tuple[dict, Path]:
    path = folder / "points.csv"
    path.write_text("x,y\n0.1,0.2\n-0.5,0.3\n", encoding="utf-8")
    return {"kind": "builtin", "name": "spiral", "samples": 40}, path


#: Per kind: ``make(folder) -> (data section relative to folder, a file prediction reads)``.
CASES = {"csv": _csv, "image_folder": _images, "builtin": _builtin}


def test_every_kind_has_a_case():
    assert set(CASES) == set(NAMES), "add a CASES entry that makes tiny data of the new kind"


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_kind_is_one_sentence_naming_the_nearest(name, tmp_path):
    typo = name.upper()
    with pytest.raises(UnknownNameError) as caught:
        SOURCES.get(typo)
    assert isinstance(caught.value, DataError)  # the CLI and the dialogs show it as a data problem
    assert str(caught.value).startswith("data.kind must be ")
    assert str(caught.value).endswith(f"got {typo!r}: did you mean {name!r}?")
    with pytest.raises(DataError, match="did you mean"):
        describe({"kind": typo}, tmp_path)


def test_no_data_is_a_sentence_not_a_lookup():
    with pytest.raises(DataError, match="the project has no data yet"):
        load(None)


@pytest.mark.parametrize("name", NAMES)
def test_each_kind_describes_loads_and_encodes_new_inputs(name, tmp_path):
    source = SOURCES.get(name)
    spec, predict_path = CASES[name](tmp_path)
    assert set(spec) - {"kind"} <= set(source.options) and set(source.required) <= set(spec)
    info = describe(spec, tmp_path)
    dataset = load(spec, tmp_path)
    assert dataset.info.input_shape == info.input_shape and dataset.info.task == info.task
    assert len(dataset.train) > 0 and dataset.train.x.shape[1:] == info.input_shape
    # the round trip a trained model makes: preprocessing.json, then new data encoded by it
    preprocessing = json.loads(json.dumps(dataset.preprocessing))
    assert preprocessing["kind"] in source.preprocessing_kinds
    encoded = encode_inputs(preprocessing, predict_path)
    assert encoded.x.shape[1:] == info.input_shape and len(encoded.ids) == len(encoded.x) > 0
    assert np.isfinite(apply_input_scaling(preprocessing, encoded.x)).all()
    # the words people see
    assert source.title and source.doc and source.predict_input
    assert source.summary(spec).startswith(("Data: ", "Built-in data: "))
    assert source.action(spec)


@pytest.mark.parametrize("name", NAMES)
def test_a_path_given_alone_is_read_by_the_kind_that_opens_it(name, tmp_path):
    source = SOURCES.get(name)
    if source.opens is None:
        return
    _spec, path = CASES[name](tmp_path)
    assert SOURCES.for_path(path) is source


def test_the_schema_offers_exactly_the_registered_kinds_and_their_options():
    data = json.loads(resource_path("schema", "project.schema.json").read_text(encoding="utf-8"))
    data = data["$defs"]["data"]
    assert data["properties"]["kind"]["enum"] == list(NAMES)
    options = {option for source in SOURCES for option in source.options}
    assert options | {"kind"} == set(data["properties"])
    for source in SOURCES:
        required = set(data["required"]) - {"kind"}
        for clause in data["allOf"]:
            kinds = clause["if"]["properties"]["kind"]
            if source.name in kinds.get("enum", [kinds.get("const")]):
                required |= set(clause["then"]["required"])
        assert required == set(source.required), source.name


@pytest.mark.parametrize("name", NAMES)
def test_each_kind_has_its_section_in_the_project_format_docs(name):
    text = (ROOT / "docs" / "project-format.md").read_text(encoding="utf-8")
    assert f'(`"kind": "{name}"`)' in text
