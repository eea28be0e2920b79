"""The first load of an image folder in one pass: each worker reads a file's header and decodes it.

The usual way opens every file twice, in two rounds of worker processes: the header scan
(:func:`~core.data.image_scan.scan_folder`), then the decoding
(:func:`~core.data.image_cache.decoded_images`). When the image size and colour are
given, nothing has to be known about the other files before a file is decoded, so a
folder that was never scanned is read in one round: a worker opens a file, reads its
header and decodes it from the same open image. What comes out is the same scan (remembered for
``describe``, with the same skipped files and notes) and the same pixel cache.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.data.image_cache import (CHUNK, DecodedImages, cache_folder, cached_fingerprint,
                                   new_partial, write_meta)
from core.data.image_decode import channels_first, describe_error, prepared
from core.data.image_scan import (FolderScan, assemble_scan, candidates, check_layout, finish_scan,
                                  header_facts, header_problem, list_folder, save_scan, stored_scan)
from core.data.workers import run_chunks

#: Rows copied at a time when files without a readable header leave gaps to close.
_COPY_ROWS = 1024


def header_and_decode_chunk(task: tuple) -> list[tuple]:
    """Worker task: per path, ``(header, None)`` with the pixels written to its row of the memmap,
    ``(header, reason)`` when only the decoding failed, ``((None, reason), None)`` without a header.

    ``header`` is what :func:`~core.data.image_scan.header_chunk` gives for the file.
    """
    cache, shape, start, paths, size, color = task
    pixels = np.memmap(cache, dtype=np.uint8, mode="r+", shape=tuple(shape))
    try:
        return [_header_and_pixels(Path(path), pixels, start + offset, size, color)
                for offset, path in enumerate(paths)]
    finally:  # the mapping is shared: the parent sees the pixels without a flush to disk
        del pixels


def _header_and_pixels(path: Path, pixels: np.ndarray, row: int, size, color: str) -> tuple:
    """One file opened once: its header read as the scan reads it, then its pixels decoded as
    :func:`~core.data.image_decode.decode` decodes them (the header reads no pixels, except a
    palette's or a PNG's with EXIF after them, which the decoding then reuses)."""
    from PIL import Image

    try:
        image = Image.open(path)
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for bad files
        return (None, header_problem(path, err)), None
    with image:
        try:
            header = header_facts(image, path)
        except Exception as err:  # noqa: BLE001
            return (None, header_problem(path, err)), None
        try:
            pixels[row] = channels_first(prepared(image, size, color))
        except Exception as err:  # noqa: BLE001 - every bad file is reported, none stops the rest
            return header, describe_error(err)
    return header, None


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
    tasks = [(None, shape, start, paths[start:start + CHUNK], tuple(size), color)
             for start in range(0, len(paths), CHUNK)]

    def report(done: int) -> None:
        if progress is not None:
            progress(span[0] + (span[1] - span[0]) * done / max(len(tasks), 1),
                     f"decoding images: {min(done * CHUNK, len(paths)):,} of {len(paths):,}")

    partial = new_partial(target, shape) if shown else None
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
