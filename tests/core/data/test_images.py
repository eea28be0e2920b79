"""Image folders: layout, bad files, colour and orientation, the decode cache, splits."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from core.data import Cancelled, describe, load
from core.errors import DataError
from tests.core.data.images import BROKEN, add_broken_files, draw, make_folder


def spec(path, **options):
    return {"kind": "image_folder", "path": str(path), **options}


def test_a_folder_of_classes_loads_as_float_pixels(tmp_path):
    root = make_folder(tmp_path / "shapes", {"circle": 8, "square": 8, "triangle": 8})
    dataset = load(spec(root, split={"validation": 0.25, "seed": 0}))
    assert dataset.info.class_names == ["circle", "square", "triangle"]
    assert dataset.info.input_shape == (3, 32, 24)  # median height × width, RGB
    x = dataset.train.x
    assert x.dtype == np.float32 and x.shape[1:] == (3, 32, 24)
    assert 0 <= x.min() and x.max() <= 1 and x.max() > 0.4
    assert (len(dataset.train), len(dataset.validation)) == (18, 6)
    assert dataset.train.ids[0] == "circle/circle_000.png"
    assert dataset.preprocessing["image"]["size"] == [32, 24]
    assert dataset.preprocessing["input_scaling"] is None
    assert describe(spec(root)) == dataset.info


def test_bad_files_are_skipped_listed_and_training_goes_on(tmp_path):
    root = make_folder(tmp_path / "shapes", broken=True)
    (root / "empty_class").mkdir()
    dataset = load(spec(root))
    skipped = dict(map(tuple, dataset.schema["skipped"]))
    for name, reason in BROKEN.items():
        assert skipped[f"circle/{name}"] == reason, name
    assert dataset.info.samples == 18
    assert any("4 files skipped" in n and "circle/zero.png (empty file (0 bytes))" in n
               for n in dataset.notes)
    assert any("class folder 'empty_class' has no images: left out" in n for n in dataset.notes)
    assert dataset.info.class_names == ["circle", "square", "triangle"]


def test_a_file_that_fails_only_when_decoded_is_skipped_too(tmp_path):
    root = make_folder(tmp_path / "shapes")
    path = root / "square" / "late.jpg"
    draw("square", (64, 64), 5).save(path, "JPEG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])  # the header is intact, the pixels are not
    dataset = load(spec(root, image_size=[16, 16]))
    assert ["square/late.jpg", "truncated or damaged image"] in dataset.schema["skipped"]
    assert dataset.info.samples == 18 and len(dataset.train) + len(dataset.validation) == 18


@pytest.mark.parametrize("layout, words", [
    ("flat", "holds images but no class sub-folders: an image folder needs one sub-folder per class"),
    ("nothing", "has no class sub-folders: an image folder needs one sub-folder per class"),
    ("one_class", "has only one class with images ('cat'); a classifier needs at least two"),
    ("empty_classes", "has no readable images in its sub-folders"),
    ("file", "is a file, not a folder"),
    ("missing", "does not exist"),
])
def test_layouts_that_cannot_work_are_refused_with_the_expected_layout(tmp_path, layout, words):
    root = tmp_path / "data"
    root.mkdir()
    if layout == "flat":
        draw("circle").save(root / "a.png")
    elif layout == "one_class":
        make_folder(root, {"cat": 3})
    elif layout == "empty_classes":
        (root / "a").mkdir()
        (root / "b").mkdir()
        (root / "b" / "readme.txt").write_text("x")
    elif layout == "file":
        root = tmp_path / "x.png"
        draw("circle").save(root)
    elif layout == "missing":
        root = tmp_path / "nowhere"
    with pytest.raises(DataError) as caught:
        load(spec(root))
    assert words in str(caught.value)
    if layout not in ("file", "missing"):
        assert "for example data/cat/001.jpg and data/dog/002.jpg" in str(caught.value)


def test_exif_orientation_is_applied(tmp_path):
    root = make_folder(tmp_path / "f", {"a": 2, "b": 2}, size=(8, 8))
    image = Image.new("RGB", (20, 10), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 10, 10))  # left half white
    exif = image.getexif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to view
    image.save(root / "a" / "rotated.jpg", exif=exif, quality=95)
    dataset = load(spec(root, image_size=[20, 10], color="grayscale", split={"validation": 0}))
    index = dataset.train.ids.index("a/rotated.jpg")
    pixels = dataset.train.x[index, 0]
    assert pixels.shape == (20, 10)
    assert pixels[:9].mean() > 0.9 and pixels[11:].mean() < 0.1  # the white half is on top


def test_colour_modes(tmp_path):
    root = tmp_path / "modes"
    make_folder(root, {"gray": 3, "other": 3}, size=(12, 12), mode="L")
    assert describe(spec(root)).input_shape == (1, 12, 12)  # every image grayscale -> auto gray
    rgba = Image.new("RGBA", (12, 12), (255, 0, 0, 0))  # fully transparent red
    rgba.save(root / "other" / "transparent.png")
    palette = draw("circle", (12, 12), 3).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    palette.save(root / "other" / "palette.png")
    deep = Image.fromarray(np.full((12, 12), 65535, np.uint16))
    assert deep.mode == "I;16"
    deep.save(root / "gray" / "deep.png")
    dataset = load(spec(root, split={"validation": 0}))
    assert dataset.info.input_shape == (3, 12, 12)
    ids = dataset.train.ids
    assert np.allclose(dataset.train.x[ids.index("other/transparent.png")], 1.0)  # on white
    assert np.allclose(dataset.train.x[ids.index("gray/deep.png")], 1.0)  # 16-bit white stays white
    gray = load(spec(root, color="grayscale", split={"validation": 0}))
    assert gray.info.input_shape == (1, 12, 12)


def test_default_size_is_the_median_capped_at_128(tmp_path):
    root = tmp_path / "big"
    make_folder(root, {"a": 2, "b": 1}, size=(400, 200))
    make_folder(root, {"b": 0}, size=(40, 20))
    draw("circle", (40, 20)).save(root / "b" / "small.png")
    assert describe(spec(root)).input_shape == (3, 64, 128)  # 200×400 shrunk to 128 on the long side
    assert describe(spec(root, image_size=[20, 30])).input_shape == (3, 20, 30)


def test_the_second_load_comes_from_the_cache_until_the_folder_changes(tmp_path, monkeypatch):
    import core.data.image_cache as image_cache

    root = make_folder(tmp_path / "f")
    first = load(spec(root))
    assert first.schema["from_cache"] is False
    monkeypatch.setattr(image_cache, "decode_chunk",
                        lambda task: pytest.fail("decoded again although the cache is current"))
    second = load(spec(root))
    assert second.schema["from_cache"] is True
    assert np.array_equal(first.train.x, second.train.x)
    monkeypatch.undo()
    draw("square", (24, 32), 77).save(root / "square" / "new.png")
    third = load(spec(root))
    assert third.schema["from_cache"] is False and third.info.samples == 19
    os.utime(root / "square" / "new.png", ns=(10**9, 10**9))  # modified in place
    assert load(spec(root)).schema["from_cache"] is False


def test_parallel_decoding_gives_the_same_pixels(tmp_path, monkeypatch):
    import core.data.image_cache as image_cache

    monkeypatch.setattr(image_cache, "CHUNK", 3)
    root = make_folder(tmp_path / "f", {"a": 8, "b": 8}, size=(10, 10), broken=True)
    from core.data.image_source import load as load_images

    serial = load_images(spec(root), ".", cache_dir=tmp_path / "c1", workers=1)
    parallel = load_images(spec(root), ".", cache_dir=tmp_path / "c2", workers=2)
    assert np.array_equal(serial.train.x, parallel.train.x)
    assert serial.schema["skipped"] == parallel.schema["skipped"]


def test_cancel_stops_loading_and_leaves_no_partial_cache(tmp_path, monkeypatch):
    import core.data.image_cache as image_cache

    monkeypatch.setattr(image_cache, "CHUNK", 2)
    root = make_folder(tmp_path / "f", {"a": 10, "b": 10}, size=(10, 10))
    steps = []
    with pytest.raises(Cancelled):
        load(spec(root), cancel=lambda: len(steps) > 2, progress=lambda f, m: steps.append(f),
             cache_dir=tmp_path / "cache")
    leftovers = [p.name for p in (tmp_path / "cache").rglob("*") if "pixels" in p.name]
    assert leftovers == []
    progress = []
    load(spec(root), progress=lambda f, m: progress.append((f, m)), cache_dir=tmp_path / "cache")
    fractions = [f for f, _m in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("decoding images" in m for _f, m in progress)


def test_a_separate_validation_folder(tmp_path):
    train = make_folder(tmp_path / "train", {"circle": 6, "square": 6})
    val = make_folder(tmp_path / "val", {"square": 2, "circle": 3})
    dataset = load(spec(train, validation_path=str(val)))
    assert len(dataset.train) == 12 and len(dataset.validation) == 5
    assert sorted(dataset.validation.y.tolist()) == [0, 0, 0, 1, 1]
    assert dataset.info.samples == 17
    make_folder(tmp_path / "val", {"triangle": 1})
    with pytest.raises(DataError, match="has a class 'triangle' that the training folder"):
        load(spec(train, validation_path=str(val)))


def test_large_splits_are_memory_mapped_files(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "f")
    in_memory = load(spec(root))
    monkeypatch.setenv("LAYERFORGE_IMAGE_MEMORY", "1")
    mapped = load(spec(root))
    assert isinstance(mapped.train.x, np.memmap) and not isinstance(in_memory.train.x, np.memmap)
    assert np.array_equal(np.asarray(mapped.train.x), in_memory.train.x)


def test_augmentation_and_reconstruction(tmp_path):
    root = make_folder(tmp_path / "f")
    assert load(spec(root)).augment is None
    dataset = load(spec(root, augment={"hflip": True, "rotation": 10}, task="reconstruction"))
    assert dataset.augment is not None and dataset.train.y is None
    assert dataset.info.target_shape() == dataset.info.input_shape
    with pytest.raises(DataError, match="data.augment.rotation must be a number from 0 to 180"):
        load(spec(root, augment={"rotation": 400}))
    with pytest.raises(DataError, match="data.image_size must be"):
        load(spec(root, image_size=[0, 5]))


def test_broken_files_in_a_prediction_folder(tmp_path):
    from core.data import encode_inputs

    root = make_folder(tmp_path / "train")
    dataset = load(spec(root, split={"validation": 0}))
    target = tmp_path / "new"
    target.mkdir()
    draw("circle", (24, 32), 1).save(target / "one.png")
    add_broken_files(target)
    notes: list[str] = []
    encoded = encode_inputs(dataset.preprocessing, target, notes)
    assert encoded.ids == ["one.png"]
    assert encoded.x.shape == (1,) + dataset.info.input_shape
    assert "zero.png" in notes[0] and "truncated.png" in notes[0]
    # the same file as in training gives exactly the training pixels
    same = encode_inputs(dataset.preprocessing, root / "circle" / "circle_000.png")
    assert np.array_equal(same.x[0], dataset.train.x[dataset.train.ids.index("circle/circle_000.png")])


def test_workers_from_a_fork_server_do_not_rerun_an_unguarded_script(tmp_path):
    """With threads running (as in the designer) workers start from a fork server; a script
    without the ``__main__`` guard must not be run again in each of them."""
    import subprocess
    import sys
    from pathlib import Path

    root = make_folder(tmp_path / "f", {"a": 12, "b": 12}, size=(8, 8))
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
        "import core.data.image_cache as image_cache\n"
        "from core.data import load\n"
        "from core.data.workers import _context\n"
        "image_cache.CHUNK = 2\n"
        f"d = load({{'kind': 'image_folder', 'path': {str(root)!r}}}, cache_dir={str(tmp_path / 'c')!r})\n"
        "print(_context().get_start_method(), len(d.train) + len(d.validation))\n")
    repo = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                            cwd=repo, env={**__import__("os").environ, "PYTHONPATH": str(repo)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["forkserver", "24"]
