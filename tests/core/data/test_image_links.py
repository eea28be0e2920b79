"""Symbolic links in and to data folders: each real image counted once, under its own class,
and a link that leads back to itself is one sentence, never a RuntimeError."""

from __future__ import annotations

import os

import numpy as np
import pytest

from core.data import describe, encode_inputs, load
from core.data.image_scan import list_images
from core.errors import DataError
from tests.core.data.images import draw, make_folder

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt",
                                reason="needs POSIX symbolic links")


def spec(path, **options):
    return {"kind": "image_folder", "path": str(path), **options}


def _all_ids(dataset) -> list[str]:
    return [i for part in (dataset.train, dataset.validation, dataset.test) if part for i in part.ids]


def test_a_link_back_to_the_root_is_followed_once(tmp_path):
    root = make_folder(tmp_path / "shapes", {"circle": 5, "square": 5}, size=(8, 8))
    os.symlink("..", root / "circle" / "loop")
    dataset = load(spec(root, split={"validation": 0.2}))
    ids = _all_ids(dataset)
    assert dataset.info.samples == 10 and len(ids) == 10 == len(set(ids))
    assert all("loop" not in i for i in ids)
    assert not set(dataset.train.ids) & set(dataset.validation.ids)
    classes = dataset.info.class_names
    for part in (dataset.train, dataset.validation):
        assert [classes[y] for y in part.y] == [i.split("/")[0] for i in part.ids]
    assert any(path == "circle/loop" and "link" in reason for path, reason in dataset.schema["skipped"])
    assert describe(spec(root, split={"validation": 0.2})).samples == 10


def test_a_link_to_another_class_does_not_relabel_its_images(tmp_path):
    root = make_folder(tmp_path / "shapes", {"circle": 5, "square": 5}, size=(8, 8))
    os.symlink("../square", root / "circle" / "more")
    os.symlink("../../square/sub", root / "circle" / "deeper")  # a link into a class's sub-folder
    (root / "square" / "sub").mkdir()
    draw("square", (8, 8), 99).save(root / "square" / "sub" / "deep.png")
    os.symlink("../square/square_000.png", root / "circle" / "copy.png")
    dataset = load(spec(root, split={"validation": 0}))
    ids = list(dataset.train.ids)
    assert len(ids) == 11 and "square/sub/deep.png" in ids and "square/square_000.png" in ids
    assert dataset.schema["classes"] == [["circle", 5], ["square", 6]]


def test_links_to_images_outside_the_folder_are_read_once(tmp_path):
    root = make_folder(tmp_path / "shapes", {"circle": 3, "square": 3}, size=(8, 8))
    outside = make_folder(tmp_path / "elsewhere", {"more": 4}, size=(8, 8)) / "more"
    os.symlink(outside, root / "circle" / "extra")
    os.symlink(outside, root / "circle" / "extra_again")
    os.symlink(outside / "more_000.png", root / "square" / "borrowed.png")
    dataset = load(spec(root, split={"validation": 0}))
    ids = list(dataset.train.ids)
    assert len(ids) == 10 == len(set(ids))
    assert sum(i.startswith("circle/extra/") for i in ids) == 4
    assert "square/borrowed.png" not in ids  # the same file as circle/extra/more_000.png


def test_a_class_folder_that_is_a_link_is_a_class(tmp_path):
    root = make_folder(tmp_path / "shapes", {"circle": 3}, size=(8, 8))
    outside = make_folder(tmp_path / "elsewhere", {"square": 3}, size=(8, 8)) / "square"
    os.symlink(outside, root / "square")
    dataset = load(spec(root, split={"validation": 0}))
    assert dataset.info.class_names == ["circle", "square"] and dataset.info.samples == 6


def test_prediction_folders_with_a_loop_list_each_image_once(tmp_path):
    root = make_folder(tmp_path / "new", {"a": 2, "b": 2}, size=(8, 8))
    os.symlink("..", root / "a" / "up")
    os.symlink(".", root / "b" / "here")
    _root, images, _skipped = list_images(root)
    assert images == ["a/a_000.png", "a/a_001.png", "b/b_000.png", "b/b_001.png"]


@pytest.mark.parametrize("kind", ["image_folder", "csv"])
def test_a_data_path_that_links_to_itself_is_one_sentence(tmp_path, kind):
    loop = tmp_path / "loop"
    os.symlink("loop", loop)
    for call in (describe, load):
        with pytest.raises(DataError) as caught:
            call({"kind": kind, "path": "loop"}, tmp_path)
        message = str(caught.value)
        assert "loop" in message and "links to itself" in message and "\n" not in message


def test_predicting_from_a_path_that_links_to_itself_is_one_sentence(tmp_path):
    root = make_folder(tmp_path / "train", {"a": 2, "b": 2}, size=(8, 8))
    images = load(spec(root, split={"validation": 0}))
    table = tmp_path / "t.csv"
    table.write_text("x,y,label\n" + "".join(f"{i},{i},{'ab'[i % 2]}\n" for i in range(10)))
    rows = load({"kind": "csv", "path": str(table), "target": "label"})
    loop = tmp_path / "loop"
    os.symlink("loop", loop)
    for dataset in (images, rows):
        with pytest.raises(DataError, match="links to itself"):
            encode_inputs(dataset.preprocessing, loop)
    assert np.isfinite(rows.train.x).all()
