"""Decoding one image file to a fixed-size uint8 array, the way training and prediction see it.

- EXIF orientation is applied, so a photo stands the way the camera held it.
- Palette images become RGB (RGBA with transparency); 16-bit and float grayscale are
  scaled to 8 bits; transparent pixels are put on a white background.
- The image is stretched to ``size`` (height, width) with bilinear filtering; JPEGs
  are decoded at a reduced scale first when they are much larger (``draft``).
- ``grayscale`` gives ``(1, H, W)``, ``rgb`` gives ``(3, H, W)``.

:func:`decode_chunk` is what the worker processes run: it writes its rows straight into the
cache file, so no pixels are pickled between processes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

COLORS = ("grayscale", "rgb")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def _to_8bit(image):
    from PIL import Image

    values = np.asarray(image, dtype=np.float32)
    if image.mode.startswith("I;16") or (image.mode == "I" and values.max(initial=0) > 255):
        values = values / 257.0
    elif image.mode == "F" and values.max(initial=0) <= 1.0:
        values = values * 255.0
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")


def convert(image, color: str):
    """``image`` in mode ``L`` (grayscale) or ``RGB``, alpha composited over white."""
    from PIL import Image

    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode in ("I", "F") or image.mode.startswith("I;16"):
        image = _to_8bit(image)
    elif image.mode == "1":
        image = image.convert("L")
    if image.mode in _ALPHA_MODES:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    target = "L" if color == "grayscale" else "RGB"
    return image if image.mode == target else image.convert(target)


_TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
              6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def oriented(image):
    """``image`` turned as its EXIF orientation says (the same object when it needs no turn)."""
    from PIL import Image

    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block is no reason to lose the image
        orientation = 1
    method = _TRANSPOSE.get(orientation)
    return image if method is None else image.transpose(getattr(Image.Transpose, method))


def open_image(path: str | Path, size: tuple[int, int] | None = None, color: str = "rgb"):
    """A PIL image, oriented, converted and (when ``size`` is given) resized."""
    from PIL import Image

    with Image.open(path) as image:
        return prepared(image, size, color)


def prepared(image, size: tuple[int, int] | None, color: str):
    """``image``, open and not decoded yet, decoded, oriented, converted and (when ``size`` is
    given) resized: a new image that outlives the file."""
    from PIL import Image

    if size is not None and image.format == "JPEG":
        longest = max(size)
        image.draft("L" if color == "grayscale" else "RGB", (longest, longest))
    image.load()
    converted = convert(oriented(image), color)
    if size is not None and converted.size != (size[1], size[0]):
        converted = converted.resize((size[1], size[0]), Image.BILINEAR)
    elif converted is image:
        converted = image.copy()  # the file closes when the caller's block ends
    return converted


def channels_first(image) -> np.ndarray:
    """``(C, H, W)`` uint8 pixels of a converted image."""
    array = np.asarray(image)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def decode(path: str | Path, size: tuple[int, int], color: str) -> np.ndarray:
    """``(C, H, W)`` uint8 pixels of one file; raises on an unreadable or truncated file."""
    return channels_first(open_image(path, size, color))


def to_unit(pixels: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 pixels as float32 in [0, 1], the same way for training and prediction."""
    return np.divide(pixels, np.float32(255), out=out, dtype=np.float32)


def describe_error(err: BaseException) -> str:
    text = str(err).split("\n")[0]
    if isinstance(err, PermissionError):
        return "cannot be read (permission denied)"
    if "truncated" in text.lower() or isinstance(err, (EOFError, SyntaxError)):
        return "truncated or damaged image"
    if "cannot identify image file" in text:
        return "not a readable image"
    return f"not a readable image ({text[:80]})"


def pillow_ready() -> None:
    """Import Pillow and its common format plugins in this process, before workers are forked
    from it: each worker then starts with them instead of importing them (tens of ms apiece,
    on every load)."""
    from PIL import Image

    Image.preinit()


def decode_chunk(task: tuple) -> list[tuple[int, str]]:
    """Decode ``paths`` into rows ``start...`` of the uint8 cache file at ``cache``.

    Returns ``(index, reason)`` for each file that could not be decoded (its row stays 0).
    """
    cache, shape, start, paths, size, color = task
    rows = np.zeros((len(paths),) + tuple(shape[1:]), np.uint8)
    failed = []
    for offset, path in enumerate(paths):
        try:
            rows[offset] = decode(path, size, color)
        except Exception as err:  # noqa: BLE001 - every bad file is reported, none stops the rest
            failed.append((start + offset, describe_error(err)))
    write_rows(cache, shape, start, rows)
    return failed


def write_rows(cache: str | Path, shape: tuple[int, ...], start: int, rows: np.ndarray) -> None:
    """``rows`` written at row ``start`` of the ``shape`` uint8 file at ``cache``, in one call.

    A worker's chunk is written at once rather than through a shared memory mapping: that
    spares a page fault per 4 KiB (the parent then reads the rows from the page cache).
    Chunks are sized to keep ``rows`` small (:func:`~core.data.image_cache.chunk_rows`).
    """
    data = memoryview(np.ascontiguousarray(rows)).cast("B")
    offset = start * int(np.prod(shape[1:]))
    with open(cache, "r+b") as handle:
        while data:
            written = os.pwrite(handle.fileno(), data, offset)
            data, offset = data[written:], offset + written
