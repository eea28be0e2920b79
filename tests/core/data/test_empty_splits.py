"""A validation (or test) split that comes out empty is said in the notes and, for the Problems
panel, in ``DataInfo.warnings``, which ``describe`` fills without loading the data."""

from __future__ import annotations

import pytest

from core.data import describe, load
from core.data import image_source
from core.data.split import split_indices, split_sizes
from tests.core.data.conftest import csv_spec
from tests.core.data.images import make_folder


def _warned(info, words: str) -> None:
    assert any(words in w for w in info.warnings), info.warnings


def test_two_rows_leave_the_validation_split_empty(write_csv):
    path = write_csv("two.csv", "a,y\n1,0.5\n2,1.5\n")
    dataset = load(csv_spec(path, target="y"))
    assert dataset.validation is None
    words = "the validation split is empty (2 rows in all): add rows"
    _warned(dataset.info, words)
    assert any(words in note for note in dataset.notes)
    assert "data.split.validation" in dataset.info.warnings[0]
    assert describe(csv_spec(path, target="y")).warnings == dataset.info.warnings


def test_a_stratified_split_of_many_small_classes(write_csv):
    rows = "".join(f"{i},c{i % 28}\n" for i in range(40))
    path = write_csv("classes.csv", "a,label\n" + rows)
    info = describe(csv_spec(path, target="label"))  # describe first: no load before it
    _warned(info, "the validation split is empty (40 rows in 28 classes")
    assert "data.split.stratify" in info.warnings[0]
    unstratified = load(csv_spec(path, target="label", split={"stratify": False}))
    assert len(unstratified.validation) == 8 and unstratified.info.warnings == []


def test_an_empty_test_split_is_named_too(write_csv):
    path = write_csv("five.csv", "a,y\n" + "".join(f"{i},{i + 0.5}\n" for i in range(5)))
    info = load(csv_spec(path, target="y", split={"validation": 0.4, "test": 0.05})).info
    assert len(info.warnings) == 1 and "the test split is empty (5 rows in all)" in info.warnings[0]


def test_no_warning_when_nothing_is_empty_or_no_split_was_asked(write_csv):
    path = write_csv("ok.csv", "a,y\n" + "".join(f"{i},{i + 0.5}\n" for i in range(20)))
    assert load(csv_spec(path, target="y")).info.warnings == []
    assert load(csv_spec(path, target="y", split={"validation": 0})).info.warnings == []


def test_time_series_windows(write_csv):
    path = write_csv("series.csv", "t,v\n" + "".join(f"{i},{i * 0.5}\n" for i in range(6)))
    dataset = load(csv_spec(path, target="v", sequence={"window": 2},
                            split={"validation": 0.1}))
    _warned(dataset.info, "the validation split is empty (4 windows in all)")


def test_image_folders_are_warned_by_describe_without_decoding(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "tiny", {"a": 2, "b": 2}, size=(8, 8))
    data = {"kind": "image_folder", "path": str(root)}
    monkeypatch.setattr(image_source, "decoded_images", None)  # describe must not decode
    info = describe(data)
    _warned(info, "the validation split is empty (4 images in 2 classes")
    monkeypatch.undo()
    dataset = load(data)
    assert dataset.validation is None and dataset.info == info
    assert any("the validation split is empty" in n for n in dataset.notes)


def test_builtin_datasets(tmp_path):
    data = {"kind": "builtin", "name": "spiral", "samples": 20, "classes": 10}
    info = describe(data)
    _warned(info, "the validation split is empty (20 samples in 10 classes")
    dataset = load(data)
    assert dataset.validation is None and dataset.info.warnings == info.warnings
    assert describe({"kind": "builtin", "name": "spiral"}).warnings == []


@pytest.mark.parametrize("groups", [[2], [40], [2, 2, 3], [1] * 28 + [2] * 6, [5, 17, 1]])
def test_split_sizes_agree_with_split_indices(groups):
    import numpy as np

    labels = np.repeat(np.arange(len(groups)), groups)
    parts = split_indices(len(labels), 0.2, 0.1, stratify=labels, seed=3)
    assert split_sizes(groups, 0.2, 0.1) == tuple(len(p) for p in parts)
