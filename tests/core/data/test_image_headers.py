"""Reading image headers: a PNG's header is read without decoding its pixels, with the same facts.

``read_header`` must give what Pillow gives after loading the whole image (that is what
the decoder turns by), also for PNGs whose EXIF or XMP orientation follows the pixel
data, and must still refuse a truncated PNG while scanning.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from core.data.image_decode import decode
from core.data.image_scan import _png_without_late_exif, read_header, scan_folder
from tests.core.data.images import add_broken_files, draw, make_folder

ROTATED = 6  # EXIF orientation: the camera was turned, width and height swap


def _exif_bytes(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _move_after_pixels(path: Path, chunk: bytes) -> None:
    """Put ``chunk`` right before IEND (after the pixel data), as some writers do."""
    data = path.read_bytes()
    end = data.rindex(b"IEND") - 4
    path.write_bytes(data[:end] + chunk + data[end:])


def _loaded_view(path: Path) -> tuple[int, int, str]:
    """Width, height (turned by the orientation) and mode, as Pillow sees them after load()."""
    with Image.open(path) as image:
        image.load()
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
            width, height = height, width
        return width, height, image.mode


def _pngs(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    files = {}
    files["plain"] = folder / "plain.png"
    draw("circle", (30, 20)).save(files["plain"])
    files["exif_first"] = folder / "exif_first.png"
    draw("circle", (30, 20)).save(files["exif_first"], exif=_exif_bytes(ROTATED))
    files["exif_late"] = folder / "exif_late.png"
    draw("square", (30, 20)).save(files["exif_late"])
    _move_after_pixels(files["exif_late"], _chunk(b"eXIf", _exif_bytes(ROTATED)))
    files["xmp_late"] = folder / "xmp_late.png"
    draw("square", (30, 20)).save(files["xmp_late"])
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
           b'22-rdf-syntax-ns#"><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/"'
           b' tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>')
    _move_after_pixels(files["xmp_late"], _chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + xmp))
    files["palette"] = folder / "palette.png"
    draw("triangle", (16, 12), mode="P").save(files["palette"])
    files["gray16"] = folder / "gray16.png"
    Image.new("I;16", (9, 7), 4000).save(files["gray16"])
    files["alpha"] = folder / "alpha.png"
    draw("circle", (12, 12), mode="LA").save(files["alpha"])
    return files


def test_png_headers_match_what_pillow_sees_after_decoding(tmp_path):
    files = _pngs(tmp_path / "pngs")
    for name, path in files.items():
        width, height, mode, fmt = read_header(path)
        expected = _loaded_view(path)
        assert (width, height) == expected[:2], name
        assert fmt == "PNG", name
        if name != "palette":  # a palette of grays is reported as "L", others as "P"
            assert mode == expected[2], name
    # the orientation after the pixel data is found (the fast way is not taken for those)
    assert read_header(files["exif_late"])[:2] == (20, 30)
    assert read_header(files["xmp_late"])[:2] == (20, 30)
    assert read_header(files["exif_first"])[:2] == (20, 30)
    assert not _png_without_late_exif(files["exif_late"])
    assert not _png_without_late_exif(files["xmp_late"])
    assert _png_without_late_exif(files["plain"]) and _png_without_late_exif(files["exif_first"])
    # and the decoder turns those images the same way the header says
    assert decode(files["exif_late"], (10, 10), "rgb").shape == (3, 10, 10)


def test_a_truncated_png_is_still_refused_by_the_scan(tmp_path):
    root = make_folder(tmp_path / "shapes", {"a": 2, "b": 2}, size=(8, 8))
    add_broken_files(root / "a")
    truncated = root / "a" / "truncated.png"
    assert not _png_without_late_exif(truncated)
    scan = scan_folder(root)
    assert ["a/truncated.png", "truncated or damaged image"] in scan.skipped
    assert "a/truncated.png" not in [e.path for e in scan.entries]
    with pytest.raises(OSError):
        read_header(truncated)


def test_a_file_named_png_that_is_not_one_is_not_taken_for_a_png(tmp_path):
    path = tmp_path / "fake.png"
    draw("circle", (8, 8)).save(path, "JPEG")
    assert not _png_without_late_exif(path)
    assert read_header(path)[3] == "JPEG"
