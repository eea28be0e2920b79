"""Image folders (one sub-folder per class) -> :class:`~core.data.dataset.Dataset`.

``describe`` reads image headers only (remembered per folder state). ``load`` decodes
every image once into the memory-mapped cache (:mod:`core.data.image_cache`), in
parallel, then builds the splits as float32 pixels in [0, 1], channels first; splits
larger than :func:`memory_budget` are written as memory-mapped files beside the cache
instead of being held in memory. ``input_scaling`` is ``null`` for images: the model
sees pixels in [0, 1], which is also what the augmentation expects.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.data import cache
from core.data.augment import augment_options, make_augment
from core.data.csv_options import data_path, split_options
from core.data.dataset import CLASSIFICATION, RECONSTRUCTION, DataInfo, Dataset, Split
from core.data.image_cache import decoded_images
from core.data.image_decode import COLORS, to_unit
from core.data.image_first_load import scan_and_decode
from core.data.image_scan import FolderScan, scan_folder
from core.data.sources import SOURCES, DataSource, file_action, file_summary
from core.data.split import empty_split_warnings, split_indices, split_sizes
from core.errors import DataError

#: Without ``image_size``, the median size is used, shrunk to at most this on its longer side.
MAX_DEFAULT_SIDE = 128
_GATHER = 512


@dataclass
class ImageOptions:
    path: Path
    image_size: tuple[int, int] | None
    color: str
    validation_path: Path | None
    augment: dict[str, Any]
    task: str
    validation: float
    test: float
    stratify: bool
    seed: int


def image_options(spec: dict[str, Any], base_dir) -> ImageOptions:
    path = data_path(spec, base_dir, what="a folder with one sub-folder per class")
    size = spec.get("image_size")
    if size is not None:
        if isinstance(size, int) and not isinstance(size, bool):
            size = [size, size]
        if (not isinstance(size, list) or len(size) != 2
                or not all(isinstance(s, int) and not isinstance(s, bool) and 4 <= s <= 4096 for s in size)):
            raise DataError(f"data.image_size must be [height, width] with whole numbers from 4 to"
                            f" 4096, got {spec.get('image_size')!r}")
        size = (size[0], size[1])
    color = spec.get("color") or "auto"
    if color not in ("auto",) + COLORS:
        raise DataError(f"data.color must be 'auto', 'grayscale' or 'rgb', got {color!r}")
    task = spec.get("task") or "auto"
    if task not in ("auto", CLASSIFICATION, RECONSTRUCTION):
        raise DataError(f"data.task of an image folder must be 'classification' or"
                        f" 'reconstruction', got {task!r}")
    validation_path = None
    if spec.get("validation_path"):
        validation_path = data_path(spec, base_dir, "validation_path",
                                    "a folder with the same class sub-folders")
    validation, test, stratify, seed = split_options(spec)
    if validation_path is not None:
        validation = 0.0
    return ImageOptions(path, size, color, validation_path, augment_options(spec.get("augment")),
                        CLASSIFICATION if task == "auto" else task, validation, test, stratify, seed)


def default_size(scan: FolderScan) -> tuple[int, int]:
    """The median image size, shrunk (keeping its shape) to at most MAX_DEFAULT_SIDE."""
    height, width = scan.median_size()
    longest = max(height, width)
    if longest > MAX_DEFAULT_SIDE:
        height = max(4, round(height * MAX_DEFAULT_SIDE / longest))
        width = max(4, round(width * MAX_DEFAULT_SIDE / longest))
    return max(4, height), max(4, width)


def resolved(options: ImageOptions, scan: FolderScan) -> tuple[tuple[int, int], str]:
    size = options.image_size or default_size(scan)
    color = options.color
    if color == "auto":
        color = "grayscale" if scan.all_grayscale() else "rgb"
    return size, color


def _scan(path: Path, cache_root: Path, progress=None, cancel=None) -> FolderScan:
    return scan_folder(path, cache_root=cache_root, progress=progress, cancel=cancel)


def _validation_scan(options, scan, cache_root, progress, cancel) -> FolderScan | None:
    if options.validation_path is None:
        return None
    val = scan_folder(options.validation_path, cache_root=cache_root, progress=progress,
                      cancel=cancel, require_classes=False)
    unknown = [c for c in val.classes if c not in scan.classes]
    if unknown:
        raise DataError(f"the validation folder {val.root.name} has a class {unknown[0]!r} that the"
                        f" training folder {scan.root.name} does not have: use the same class"
                        " sub-folders in both")
    if not val.entries:
        raise DataError(f"the validation folder {val.root} has no images in class sub-folders"
                        f" named like those of {scan.root.name}")
    remap = [scan.classes.index(c) for c in val.classes]
    for entry in val.entries:
        entry.label = remap[entry.label]
    val.classes = list(scan.classes)
    return val


def _info(options, scan, size, color, samples: int, warnings: list[str]) -> DataInfo:
    channels = 1 if color == "grayscale" else 3
    shape = (channels, size[0], size[1])
    what = f"image folder {scan.root.name} ({len(scan.classes)} classes, {size[0]}×{size[1]} {color})"
    if options.task == RECONSTRUCTION:
        return DataInfo(input_shape=shape, task=RECONSTRUCTION, samples=samples, description=what,
                        warnings=warnings)
    return DataInfo(input_shape=shape, task=CLASSIFICATION, class_names=list(scan.classes),
                    target_names=["class"], samples=samples, description=what, warnings=warnings)


def _split_warnings(options: ImageOptions, class_sizes: list[int]) -> list[str]:
    """Empty validation/test splits, from the images per class alone (no indices needed)."""
    class_sizes = [int(n) for n in class_sizes if n]
    groups = class_sizes if options.stratify else [sum(class_sizes)]
    sizes = split_sizes(groups, options.validation, options.test)
    return empty_split_warnings(sizes, options.validation, options.test, "images",
                                class_sizes if options.stratify else None)


def describe(spec: dict[str, Any], base_dir) -> DataInfo:
    """Shapes and classes from the image headers only."""
    options = image_options(spec, base_dir)
    cache_root = cache.cache_dir()
    scan = _scan(options.path, cache_root)
    val = _validation_scan(options, scan, cache_root, None, None)
    size, color = resolved(options, scan)
    return _info(options, scan, size, color, len(scan.entries) + (len(val.entries) if val else 0),
                 _split_warnings(options, scan.counts()))


def memory_budget() -> int:
    """Bytes of float32 splits held in memory; above it they are memory-mapped files."""
    try:
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        available = 8 << 30
    override = os.environ.get("LAYERFORGE_IMAGE_MEMORY")
    return int(override) if override else max(256 << 20, available // 3)


def load(spec: dict[str, Any], base_dir, progress=None, cancel=None, *,
         cache_dir: str | Path | None = None, workers: int | None = None) -> Dataset:
    options = image_options(spec, base_dir)
    cache_root = Path(cache_dir) if cache_dir else cache.cache_dir()
    first = _first_load(options, cache_root, workers, progress, cancel)
    scan = first[0] if first else _scan(options.path, cache_root, _part(progress, 0.0, 0.1), cancel)
    val = _validation_scan(options, scan, cache_root, None, cancel)
    size, color = resolved(options, scan)
    decode_span = (0.1, 0.75) if val is None else (0.1, 0.6)
    images = first[1] if first else decoded_images(scan, size, color, cache_root, workers=workers,
                                                   progress=progress, cancel=cancel, span=decode_span)
    notes = list(scan.notes)
    skipped = [list(s) for s in scan.skipped]
    good = _usable(scan, images, skipped)
    labels = np.array([e.label for e in scan.entries], np.int64)
    stratify = labels[good] if options.stratify else None
    parts = [good[p] for p in split_indices(len(good), options.validation, options.test,
                                            stratify=stratify, seed=options.seed)]
    sources = [(scan, images, parts[0]), (scan, images, parts[1]), (scan, images, parts[2])]
    if val is not None:
        val_images = decoded_images(val, size, color, cache_root, workers=workers,
                                    progress=progress, cancel=cancel, span=(0.6, 0.75))
        val_skipped = [[f"{val.root.name}/{p}", r] for p, r in val.skipped]
        sources[1] = (val, val_images, _usable(val, val_images, val_skipped))
        skipped += val_skipped
        notes += val.notes
    warnings = _split_warnings(options, _counts(labels[good], scan))
    notes += warnings
    info = _info(options, scan, size, color, sum(len(s[2]) for s in sources), warnings)
    key = _split_key(scan, val, size, color, options)
    splits = []
    for index, (source, decoded, rows) in enumerate(sources):
        if cancel is not None and cancel():
            from core.data.dataset import Cancelled

            raise Cancelled()
        x = _pixels(decoded, rows, cache_root, key, ("train", "validation", "test")[index],
                    _part(progress, 0.75 + 0.08 * index, 0.83 + 0.08 * index))
        y = None if options.task == RECONSTRUCTION else np.array(
            [source.entries[i].label for i in rows], np.int64)
        ids = [source.entries[i].path for i in rows]
        splits.append(Split(x, y, ids) if len(rows) else None)
    if splits[0] is None:
        raise DataError(f"{scan.root} has no readable images left for training")
    if skipped:
        notes.insert(0, f"{len(skipped)} files skipped: " + "; ".join(
            f"{p} ({r})" for p, r in skipped[:5]) + ("; ..." if len(skipped) > 5 else ""))
    dataset = Dataset(info=info, train=splits[0], validation=splits[1], test=splits[2],
                      preprocessing=_preprocessing(info, size, color), fingerprint=key[:16],
                      notes=notes, augment=make_augment(options.augment))
    dataset.schema = {"images": len(good), "format": f"{size[0]}×{size[1]} {color} images",
                      "classes": [[c, n] for c, n in zip(scan.classes, _counts(labels[good], scan))],
                      "skipped": skipped, "cache": str(images.folder),
                      "from_cache": images.from_cache}
    if progress is not None:
        progress(1.0, f"{len(good):,} images loaded")
    return dataset


def _first_load(options: ImageOptions, cache_root: Path, workers, progress, cancel):
    """Scan and decode a new folder in one pass when its size and colour are given (see
    :mod:`core.data.image_first_load`); ``None`` when the usual two steps are to run."""
    if options.image_size is None or options.color == "auto" or options.validation_path is not None:
        return None
    return scan_and_decode(options.path, options.image_size, options.color, cache_root,
                           workers=workers, progress=progress, cancel=cancel, span=(0.0, 0.75))


def _part(progress, low: float, high: float):
    if progress is None:
        return None
    return lambda fraction, message: progress(low + (high - low) * fraction, message)


def _usable(scan: FolderScan, images, skipped: list[list[str]]) -> np.ndarray:
    for index, reason in sorted(images.failed.items()):
        skipped.append([scan.entries[index].path, reason])
    return np.array([i for i in range(len(scan.entries)) if i not in images.failed], np.int64)


def _counts(labels: np.ndarray, scan: FolderScan) -> list[int]:
    return np.bincount(labels, minlength=len(scan.classes)).tolist()


def _split_key(scan, val, size, color, options) -> str:
    parts = [scan.fingerprint, val.fingerprint if val else None, list(size), color,
             options.validation, options.test, options.stratify, options.seed]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:24]


def _pixels(decoded, rows: np.ndarray, cache_root: Path, key: str, name: str, progress) -> np.ndarray:
    """float32 pixels in [0, 1] of ``rows``: in memory, or a memory-mapped file when large."""
    shape = (len(rows),) + decoded.pixels.shape[1:]
    nbytes = int(np.prod(shape)) * 4
    if nbytes <= memory_budget():
        out = np.empty(shape, np.float32)
        _gather(decoded.pixels, rows, out, progress)
        return out
    path = decoded.folder / f"split-{key}-{name}.f32"
    if not path.exists() or path.stat().st_size != nbytes:
        partial = path.with_suffix(f".partial-{os.getpid()}")
        out = np.memmap(partial, dtype=np.float32, mode="w+", shape=shape)
        _gather(decoded.pixels, rows, out, progress)
        out.flush()
        del out
        os.replace(partial, path)
    return np.memmap(path, dtype=np.float32, mode="r", shape=shape)


def _gather(pixels: np.ndarray, rows: np.ndarray, out: np.ndarray, progress) -> None:
    for start in range(0, len(rows), _GATHER):
        to_unit(pixels[rows[start:start + _GATHER]], out[start:start + _GATHER])
        if progress is not None:
            progress(min(1.0, (start + _GATHER) / max(len(rows), 1)), "preparing the images")


def _preprocessing(info: DataInfo, size, color) -> dict[str, Any]:
    return {
        "format": "layerforge.preprocessing", "format_version": 1, "kind": "image",
        "task": info.task, "input_shape": list(info.input_shape), "feature_names": [],
        "class_names": info.class_names, "target_names": info.target_names,
        "input_scaling": None, "target_scaling": None,
        "image": {"size": list(size), "color": color, "resize": "stretch",
                  "alpha": "white background", "range": [0, 1]},
    }


SOURCES.register(DataSource(
    name="image_folder", title="Image folder",
    doc="A folder with one sub-folder of images per class (PNG, JPEG, ...), resized to one size.",
    describe=describe,
    load=lambda spec, base_dir, progress=None, cancel=None, cache_dir=None: load(
        spec, base_dir, progress, cancel, cache_dir=cache_dir),
    options=("path", "task", "split", "image_size", "color", "validation_path", "augment",
             "input_noise"),
    required=("path",), preprocessing_kinds=("image",),
    predict_input="an image folder (class sub-folders optional) or one image file",
    summary=file_summary("the images in"), action=file_action("Load images from"),
    opens=lambda path: path.is_dir(), read_options=image_options))
