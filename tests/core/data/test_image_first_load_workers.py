"""The one-pass first load in worker processes, chunk by chunk, gives what one process gives.

Each worker decodes a chunk of files and writes the chunk's rows into the cache file at
once; a PNG is decoded before its header is read, and a PNG that fails is read again the
scan's way (a truncated one is refused by the scan, one whose pixel data alone is damaged
is kept by the scan and fails when decoded). These tests run the chunks in two worker
processes, with chunks small enough that every boundary falls somewhere.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

import core.data.image_cache as image_cache
from core.data.image_cache import chunk_rows, decoded_images
from core.data.image_first_load import scan_and_decode
from core.data.image_scan import scan_folder
from tests.core.data.images import add_broken_files, draw, make_folder
from tests.core.data.test_image_first_load import SIZE, _awkward_folder


def _damage_png_pixels(path: Path) -> None:
    """Spoil the compressed pixel data of the PNG at ``path`` and fix up the chunk's CRC: every
    chunk stays whole, so only the decoding can tell."""
    data = bytearray(path.read_bytes())
    start = data.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", data[start:start + 4])
    body = start + 8
    data[body + 2:body + length] = bytes(length - 2)  # zlib header kept, deflate blocks zeroed
    crc = zlib.crc32(bytes(data[start + 4:body + length]))  # over the chunk's type and data
    data[body + length:body + length + 4] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))


def _folder_with_damaged_png(root: Path) -> Path:
    root = _awkward_folder(root)
    damaged = root / "banana" / "damaged_pixels.png"
    draw("circle", (40, 30), 11).save(damaged)
    _damage_png_pixels(damaged)
    return root


@pytest.mark.parametrize("color", ["rgb", "grayscale"])
def test_chunks_in_two_workers_give_the_cache_of_one_process(tmp_path, monkeypatch, color):
    root = _folder_with_damaged_png(tmp_path / "fruit")
    monkeypatch.setattr(image_cache, "CHUNK", 4)  # ~8 tasks: run by worker processes
    scan, images = scan_and_decode(root, SIZE, color, tmp_path / "two_workers", workers=2)
    monkeypatch.undo()
    one = scan_and_decode(root, SIZE, color, tmp_path / "one_process", workers=1)
    usual_scan = scan_folder(root, cache_root=tmp_path / "usual")
    usual = decoded_images(usual_scan, SIZE, color, tmp_path / "usual", workers=1)
    for other_scan, other in (one, (usual_scan, usual)):
        assert scan.entries == other_scan.entries
        assert scan.skipped == other_scan.skipped and scan.notes == other_scan.notes
        assert images.failed == other.failed
        np.testing.assert_array_equal(np.asarray(images.pixels), np.asarray(other.pixels))
    # the truncated PNG is refused by the scan; the PNG whose pixels alone are damaged is kept
    # by the scan and fails when decoded, each with its sentence
    assert ["apple/truncated.png", "truncated or damaged image"] in scan.skipped
    failed = {scan.entries[row].path: reason for row, reason in images.failed.items()}
    assert set(failed) == {"banana/late.jpg", "banana/damaged_pixels.png"}
    assert failed["banana/damaged_pixels.png"].startswith("not a readable image")
    assert np.asarray(images.pixels).any(axis=(1, 2, 3)).sum() == len(scan.entries) - len(failed)


def test_rows_of_a_file_without_header_are_closed_in_worker_chunks(tmp_path, monkeypatch):
    """Broken files in every chunk: the rows that follow them move up, as in one process."""
    root = make_folder(tmp_path / "f", {"a": 9, "b": 9}, size=(11, 7))
    for name in ("a", "b"):
        add_broken_files(root / name)
    monkeypatch.setattr(image_cache, "CHUNK", 3)
    scan, images = scan_and_decode(root, SIZE, "rgb", tmp_path / "c1", workers=2)
    monkeypatch.undo()
    expected_scan = scan_folder(root, cache_root=tmp_path / "c2")
    expected = decoded_images(expected_scan, SIZE, "rgb", tmp_path / "c2", workers=1)
    assert len(scan.skipped) == 8 and scan.skipped == expected_scan.skipped
    assert images.pixels.shape == (18, 3) + SIZE
    np.testing.assert_array_equal(np.asarray(images.pixels), np.asarray(expected.pixels))


def test_chunks_of_large_images_hold_fewer_rows():
    assert chunk_rows((10_000, 3, 64, 64)) == image_cache.CHUNK
    assert chunk_rows((10_000, 3, 1024, 1024)) == image_cache.CHUNK_BYTES // (3 << 20)
    assert chunk_rows((10, 3, 4096, 4096)) == 1
