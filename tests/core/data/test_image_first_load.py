"""The first load of a new image folder reads each file once and gives what the two steps give.

Two steps: the header scan, then the decoding (what ``load`` does for a folder whose scan
is remembered, or whose size or colour is chosen from the headers). One pass: a folder
never scanned, with ``image_size`` and ``color`` given. Both must produce the same scan
(classes, entries, skipped files, notes), the same pixels and the same dataset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.data import load
from core.data.image_cache import decoded_images
from core.data.image_first_load import scan_and_decode
from core.data.image_scan import scan_folder
from core.errors import DataError
from tests.core.data.images import add_broken_files, draw, make_folder
from tests.core.data.test_image_headers import _chunk, _exif_bytes, _move_after_pixels

SIZE = (12, 10)


def _awkward_folder(root: Path) -> Path:
    """Good images, the usual broken files, a JPEG that fails only when decoded, a class whose
    only file is not an image (it is left out: later rows and labels move up), a PNG named .jpg."""
    make_folder(root, {"apple": 5, "banana": 4}, size=(20, 16))
    add_broken_files(root / "apple")
    (root / "bad").mkdir()
    (root / "bad" / "x.jpg").write_text("not a picture")
    make_folder(root, {"cherry": 4}, size=(9, 14), mode="L")
    late = root / "banana" / "late.jpg"
    draw("square", (64, 64), 5).save(late, "JPEG")
    data = late.read_bytes()
    late.write_bytes(data[: len(data) * 2 // 3])  # the header is intact, the pixels are not
    draw("circle", (16, 16), 3).save(root / "cherry" / "png_named.jpg", "PNG")
    # turned by EXIF: before the pixels (JPEG, PNG) and after them (PNG); a palette image
    draw("square", (30, 12), 7).save(root / "banana" / "turned.jpg", "JPEG", exif=_exif_bytes(6))
    draw("square", (30, 12), 8).save(root / "banana" / "turned.png", exif=_exif_bytes(8))
    late = root / "apple" / "turned_late.png"
    draw("triangle", (30, 12), 9).save(late)
    _move_after_pixels(late, _chunk(b"eXIf", _exif_bytes(6)))
    draw("circle", (14, 20), 10, mode="P").save(root / "apple" / "palette.png")
    return root


def _two_steps(root: Path, cache: Path, color: str):
    scan = scan_folder(root, cache_root=cache)
    return scan, decoded_images(scan, SIZE, color, cache)


@pytest.mark.parametrize("color", ["rgb", "grayscale"])
def test_one_pass_gives_the_scan_and_pixels_of_the_two_steps(tmp_path, color):
    root = _awkward_folder(tmp_path / "fruit")
    scan, images = scan_and_decode(root, SIZE, color, tmp_path / "one")
    expected_scan, expected = _two_steps(root, tmp_path / "two", color)
    assert scan.classes == expected_scan.classes == ["apple", "banana", "cherry"]
    assert scan.entries == expected_scan.entries
    assert scan.skipped == expected_scan.skipped
    assert ["bad/x.jpg", "not an image, although its name ends in .jpg"] in scan.skipped
    assert scan.notes == expected_scan.notes and any("png_named.jpg" in n for n in scan.notes)
    turned = {e.path: (e.width, e.height) for e in scan.entries}
    assert turned["banana/turned.jpg"] == turned["apple/turned_late.png"] == (12, 30)
    assert scan.fingerprint == expected_scan.fingerprint
    assert images.failed == expected.failed and len(images.failed) == 1  # banana/late.jpg
    assert not images.from_cache
    np.testing.assert_array_equal(np.asarray(images.pixels), np.asarray(expected.pixels))
    # the scan is remembered, and the cache is current for the usual way too
    again = scan_folder(root, cache_root=tmp_path / "one")
    assert again.entries == scan.entries and again.skipped == scan.skipped
    cached = decoded_images(again, SIZE, color, tmp_path / "one")
    assert cached.from_cache and cached.failed == images.failed
    assert scan_and_decode(root, SIZE, color, tmp_path / "one") is None  # nothing read twice


def test_load_of_a_new_folder_equals_load_of_a_scanned_one(tmp_path):
    root = _awkward_folder(tmp_path / "fruit")
    spec = {"kind": "image_folder", "path": str(root), "image_size": list(SIZE), "color": "rgb"}
    first = load(spec, cache_dir=tmp_path / "one")
    scan_folder(root, cache_root=tmp_path / "two")  # as describe() does when the data is chosen
    usual = load(spec, cache_dir=tmp_path / "two")
    assert not first.schema["from_cache"] and not usual.schema["from_cache"]
    for key in ("images", "classes", "skipped", "format"):
        assert first.schema[key] == usual.schema[key], key
    assert first.notes == usual.notes
    assert first.info == usual.info
    for name in ("train", "validation", "test"):
        a, b = getattr(first, name), getattr(usual, name)
        assert (a is None) == (b is None), name
        if a is None:
            continue
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.y, b.y)
        assert a.ids == b.ids


def test_one_pass_refuses_a_wrong_layout_like_the_scan(tmp_path):
    root = make_folder(tmp_path / "one_class", {"only": 3}, size=(8, 8))
    with pytest.raises(DataError, match="only one class"):
        scan_and_decode(root, SIZE, "rgb", tmp_path / "cache")
    with pytest.raises(DataError, match="only one class"):
        scan_folder(root)
    assert not list((tmp_path / "cache").rglob("pixels*"))  # nothing half-made is left
