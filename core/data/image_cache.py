"""Decoded images in a memory-mapped cache file, decoded once by parallel worker processes.

The cache for a folder lives in ``<cache dir>/images/<key>/`` (see
:func:`core.data.cache.cache_dir`), where ``key`` names the folder, image size and
colour mode: ``pixels.u8`` holds ``(N, C, H, W)`` uint8 pixels in scan order and
``meta.json`` the folder's fingerprint and the files that failed to decode. A folder
that changes (a file added, removed or modified) has a new fingerprint, and the cache
is rebuilt on the next load; a cancelled build leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.atomic import write_text_atomic
from core.data.image_decode import decode_chunk, pillow_ready
from core.data.image_scan import FolderScan
from core.data.workers import run_chunks

CHUNK = 48
#: A worker holds a chunk's decoded rows before writing them: at most about this many bytes.
CHUNK_BYTES = 16 << 20
_VERSION = 1


@dataclass
class DecodedImages:
    pixels: np.ndarray  # read-only memmap (N, C, H, W) uint8
    failed: dict[int, str]
    from_cache: bool
    folder: Path


def cache_folder(cache_root: Path, root: Path, size: tuple[int, int], color: str) -> Path:
    key = hashlib.sha256(json.dumps([str(root), list(size), color]).encode()).hexdigest()[:24]
    return Path(cache_root) / "images" / key


def _valid(folder: Path, fingerprint: str, shape: tuple[int, ...]) -> dict | None:
    try:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        size = (folder / "pixels.u8").stat().st_size
    except (OSError, ValueError):
        return None
    if (meta.get("version") != _VERSION or meta.get("fingerprint") != fingerprint
            or tuple(meta.get("shape", ())) != shape or size != int(np.prod(shape))):
        return None
    return meta


def decoded_images(scan: FolderScan, size: tuple[int, int], color: str, cache_root: Path, *,
                   workers: int | None = None, progress=None, cancel=None,
                   span: tuple[float, float] = (0.0, 1.0)) -> DecodedImages:
    """The scan's images decoded at ``size`` in ``color``, from the cache when it is current."""
    channels = 1 if color == "grayscale" else 3
    shape = (len(scan.entries), channels, size[0], size[1])
    folder = cache_folder(cache_root, scan.root, size, color)
    meta = _valid(folder, scan.fingerprint, shape)
    if meta is None:
        _build(scan, folder, shape, size, color, workers, progress, cancel, span)
        meta = _valid(folder, scan.fingerprint, shape)
        from_cache = False
    else:
        from_cache = True
    pixels = np.memmap(folder / "pixels.u8", dtype=np.uint8, mode="r", shape=shape)
    failed = {int(i): reason for i, reason in meta["failed"]}
    return DecodedImages(pixels, failed, from_cache, folder)


def _build(scan, folder: Path, shape, size, color, workers, progress, cancel, span) -> None:
    partial = new_partial(folder, shape)
    paths = [str(scan.absolute(e)) for e in scan.entries]
    chunk = chunk_rows(shape)
    tasks = [(str(partial), shape, start, paths[start:start + chunk], tuple(size), color)
             for start in range(0, len(paths), chunk)]

    def report(done: int) -> None:
        if progress is not None:
            progress(span[0] + (span[1] - span[0]) * done / len(tasks),
                     f"decoding images: {min(done * chunk, len(paths)):,} of {len(paths):,}")

    pillow_ready()
    try:
        failed = run_chunks(decode_chunk, tasks, workers=workers, progress=report, cancel=cancel)
        os.replace(partial, folder / "pixels.u8")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    write_meta(folder, scan, shape, failed)


def chunk_rows(shape: tuple[int, ...]) -> int:
    """Files per worker task for pixel rows of ``shape`` (N, C, H, W): ``CHUNK``, fewer for
    large images (see ``CHUNK_BYTES``)."""
    return max(1, min(CHUNK, CHUNK_BYTES // int(np.prod(shape[1:]))))


def new_partial(folder: Path, shape: tuple[int, ...]) -> Path:
    """An empty pixel file of ``shape`` beside the cache, to be renamed when it is complete."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"pixels.partial-{os.getpid()}"
    with open(partial, "wb") as handle:
        handle.truncate(int(np.prod(shape)))
    return partial


def write_meta(folder: Path, scan: FolderScan, shape: tuple[int, ...], failed) -> None:
    """What makes the cache current: the scan's fingerprint, the shape and the failed rows."""
    meta = {"version": _VERSION, "fingerprint": scan.fingerprint, "shape": list(shape),
            "failed": sorted(failed), "root": str(scan.root)}
    write_text_atomic(folder / "meta.json", json.dumps(meta))


def cached_fingerprint(folder: Path) -> str | None:
    """The fingerprint of the folder state the cache in ``folder`` was made from, if any."""
    try:
        return json.loads((folder / "meta.json").read_text("utf-8")).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        return None
