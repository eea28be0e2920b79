"""The first load of an image folder in one pass: each worker reads a file's header and decodes it.

The usual way opens every file twice, in two rounds of worker processes: the header scan
(:func:`~core.data.image_scan.scan_folder`), then the decoding
(:func:`~core.data.image_cache.decoded_images`). When the image size and colour are
given, nothing has to be known about the other files before a file is decoded, so a
folder that was never scanned is read in one round: a worker opens a file, reads its
header and decodes it from the same open image. What comes out is the same scan (remembered for
``describe``, with the same skipped files and notes) and the same pixel cache.

Per file, the work is what a plain Pillow loop does, less: a PNG's chunk list is not read
again (see :func:`_png`), paths stay strings, and a worker writes its chunk's rows with one
call instead of faulting in a shared mapping page by page.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.data.image_cache import (DecodedImages, cache_folder, cached_fingerprint, chunk_rows,
                                   new_partial, write_meta)
from core.data.image_decode import (channels_first, describe_error, pillow_ready, prepared,
                                    write_rows)
from core.data.image_scan import (FolderScan, assemble_scan, candidates, check_layout,
                                  finish_scan, header_facts, header_problem, list_folder,
                                  palette_mode, save_scan, stored_scan)
from core.data.workers import run_chunks

#: Rows copied at a time when files without a readable header leave gaps to close.
_COPY_ROWS = 1024


def header_and_decode_chunk(task: tuple) -> list[tuple]:
    """Worker task: per path, ``(header, None)`` with the pixels written to its row of the cache
    file, ``(header, reason)`` when only the decoding failed, ``((None, reason), None)`` without a
    header. The chunk's rows are written at once (see :func:`~core.data.image_decode.write_rows`).

    ``header`` is what :func:`~core.data.image_scan.header_chunk` gives for the file.
    """
    cache, shape, start, paths, size, color = task
    rows = np.zeros((len(paths),) + tuple(shape[1:]), np.uint8)
    results = [_header_and_pixels(path, rows, offset, size, color)
               for offset, path in enumerate(paths)]
    write_rows(cache, shape, start, rows)
    return results


def _header_and_pixels(path: str, rows: np.ndarray, row: int, size, color: str) -> tuple:
    """One file opened once: its header read as the scan reads it, then its pixels decoded as
    :func:`~core.data.image_decode.decode` decodes them (the header reads no pixels, except a
    palette's, which the decoding then reuses). A PNG is decoded first, see :func:`_png`."""
    from PIL import Image

    try:
        image = Image.open(path)
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for bad files
        return (None, header_problem(path, err)), None
    with image:
        if image.format == "PNG":
            done = _png(image, path, rows, row, size, color)
            if done is not None:
                return done
            return _as_scanned(path, rows, row, size, color)
        return _header_then_pixels(image, path, rows, row, size, color)


def _header_then_pixels(image, path: str, rows: np.ndarray, row: int, size, color: str) -> tuple:
    try:
        header = header_facts(image, path)
    except Exception as err:  # noqa: BLE001
        return (None, header_problem(path, err)), None
    try:
        rows[row] = channels_first(prepared(image, size, color))
    except Exception as err:  # noqa: BLE001 - every bad file is reported, none stops the rest
        return header, describe_error(err)
    return header, None


def _png(image, path: str, rows: np.ndarray, row: int, size, color: str) -> tuple | None:
    """A PNG decoded first, its header then read from the decoded image; ``None`` when the
    decoding failed.

    The scan reads a PNG's chunk list to learn whether EXIF may follow the pixels (then it
    decodes them to read it). Once the pixels are decoded every chunk has been read, so the
    orientation is the one the scan finds either way, without reading the chunk list again.
    Whether a failing PNG is refused by the scan or only by the decoding depends on that
    chunk list: such a file is read again the scan's way (:func:`_as_scanned`).
    """
    width, height, mode = image.size + (image.mode,)
    try:
        pixels = prepared(image, size, color)
        orientation = image.getexif().get(0x0112, 1)
        if mode == "P":
            mode = palette_mode(image)
    except Exception:  # noqa: BLE001 - told apart the scan's way
        return None
    rows[row] = channels_first(pixels)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return (width, height, mode, image.format), None


def _as_scanned(path: str, rows: np.ndarray, row: int, size, color: str) -> tuple:
    """The file opened again and read as the scan, then the decoding, read it."""
    from PIL import Image

    try:
        image = Image.open(path)
    except Exception as err:  # noqa: BLE001
        return (None, header_problem(path, err)), None
    with image:
        return _header_then_pixels(image, path, rows, row, size, color)


def scan_and_decode(root: str | Path, size: tuple[int, int], color: str, cache_root: Path, *,
                    workers: int | None = None, progress=None, cancel=None,
                    span: tuple[float, float] = (0.0, 1.0)) -> tuple[FolderScan, DecodedImages] | None:
    """The folder's scan and its images decoded at ``size`` in ``color``, reading each file once.

    ``None`` when the folder's scan or pixel cache exists already: the usual two steps
    then read no file twice. Refuses a folder with a wrong layout like ``scan_folder``.
    """
    folder = list_folder(root)
    check_layout(folder, True)
    target = cache_folder(cache_root, folder.root, size, color)
    if stored_scan(folder, cache_root) is not None or cached_fingerprint(target) == folder.fingerprint:
        return None
    shown, skipped = candidates(folder)
    channels = 1 if color == "grayscale" else 3
    shape = (len(shown), channels, size[0], size[1])
    base = str(folder.root)
    paths = [os.path.join(base, s) for s in shown]
    chunk = chunk_rows(shape)
    tasks = [(None, shape, start, paths[start:start + chunk], tuple(size), color)
             for start in range(0, len(paths), chunk)]

    def report(done: int) -> None:
        if progress is not None:
            progress(span[0] + (span[1] - span[0]) * done / max(len(tasks), 1),
                     f"decoding images: {min(done * chunk, len(paths)):,} of {len(paths):,}")

    partial = new_partial(target, shape) if shown else None
    pillow_ready()
    try:
        tasks = [(str(partial),) + task[1:] for task in tasks]
        results = run_chunks(header_and_decode_chunk, tasks, workers=workers, progress=report,
                             cancel=cancel)
        scan = assemble_scan(folder, shown, [header for header, _failed in results], skipped)
        save_scan(cache_root, scan)
        finish_scan(folder, scan, True)
        kept = [i for i, (header, _failed) in enumerate(results) if header[0] is not None]
        final_shape = (len(kept),) + shape[1:]
        _keep_rows(partial, shape, kept, target / "pixels.u8")
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise
    failed = [(row, results[i][1]) for row, i in enumerate(kept) if results[i][1] is not None]
    write_meta(target, scan, final_shape, failed)
    pixels = np.memmap(target / "pixels.u8", dtype=np.uint8, mode="r", shape=final_shape)
    return scan, DecodedImages(pixels, dict(failed), False, target)


def _keep_rows(partial: Path, shape: tuple[int, ...], kept: list[int], final: Path) -> None:
    """Rename the pixel file to ``final``, first closing the rows of files that had no header."""
    if len(kept) == shape[0]:
        os.replace(partial, final)
        return
    closed = partial.with_name(partial.name + "-kept")
    try:
        source = np.memmap(partial, dtype=np.uint8, mode="r", shape=shape)
        out = np.memmap(closed, dtype=np.uint8, mode="w+", shape=(len(kept),) + shape[1:])
        for first in range(0, len(kept), _COPY_ROWS):
            out[first:first + _COPY_ROWS] = source[kept[first:first + _COPY_ROWS]]
        out.flush()
        del source, out
        os.replace(closed, final)
    finally:
        closed.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
