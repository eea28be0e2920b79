"""Built-in datasets, generated from a seed: everything works offline on first launch.

The four playground sets (spiral, xor, circles, gaussian) and moons are 2-D points;
``sine_waves`` are sequences of one feature; ``shapes`` are small grayscale images of
circles, squares and triangles.
"""

from __future__ import annotations

from dataclasses import dataclass

import hashlib
import json
from typing import Any, Callable

import numpy as np

from core.data.dataset import CLASSIFICATION, RECONSTRUCTION, DataInfo, Dataset, Split, class_table
from core.data.sources import SOURCES, DataSource
from core.errors import DataError

IMAGE_SIZE = 28
SEQUENCE_LENGTH = 50


def _spiral(n: int, noise: float, rng: np.random.Generator, classes: int):
    per = np.array_split(np.arange(n), classes)
    xs, ys = [], []
    for label, idx in enumerate(per):
        r = np.linspace(0.05, 1.0, len(idx))
        theta = r * 3.0 * np.pi + label * 2 * np.pi / classes
        theta = theta + rng.normal(0, noise, len(idx)) * 1.5
        xs.append(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1))
        ys.append(np.full(len(idx), label))
    return np.concatenate(xs), np.concatenate(ys)


def _xor(n: int, noise: float, rng: np.random.Generator, classes: int):
    x = rng.uniform(-1, 1, (n, 2))
    padding = 0.05
    x = x + np.sign(x) * padding
    y = (x[:, 0] * x[:, 1] < 0).astype(int)
    return x + rng.normal(0, noise * 0.5, x.shape), y


def _circles(n: int, noise: float, rng: np.random.Generator, classes: int):
    inner = n // 2
    radius = np.concatenate([rng.uniform(0, 0.5, inner), rng.uniform(0.7, 1.0, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    y = np.concatenate([np.zeros(inner, int), np.ones(n - inner, int)])
    return x + rng.normal(0, noise * 0.5, x.shape), y


def _gaussian(n: int, noise: float, rng: np.random.Generator, classes: int):
    per = np.array_split(np.arange(n), classes)
    angles = np.linspace(0, 2 * np.pi, classes, endpoint=False) + np.pi / 4
    xs, ys = [], []
    for label, idx in enumerate(per):
        centre = 0.6 * np.array([np.cos(angles[label]), np.sin(angles[label])])
        xs.append(rng.normal(centre, 0.15 + noise, (len(idx), 2)))
        ys.append(np.full(len(idx), label))
    return np.concatenate(xs), np.concatenate(ys)


def _moons(n: int, noise: float, rng: np.random.Generator, classes: int):
    upper = n // 2
    t_up = rng.uniform(0, np.pi, upper)
    t_low = rng.uniform(0, np.pi, n - upper)
    up = np.stack([np.cos(t_up), np.sin(t_up)], axis=1)
    low = np.stack([1 - np.cos(t_low), 0.5 - np.sin(t_low)], axis=1)
    x = (np.concatenate([up, low]) - [0.5, 0.25]) / 1.2
    y = np.concatenate([np.zeros(upper, int), np.ones(n - upper, int)])
    return x + rng.normal(0, noise * 0.5, x.shape), y


def _sine_waves(n: int, noise: float, rng: np.random.Generator, classes: int):
    """Sequences of 50 steps; the class is the frequency band (slow, medium, fast)."""
    t = np.linspace(0, 1, SEQUENCE_LENGTH)
    y = np.arange(n) % classes
    rng.shuffle(y)
    bands = np.linspace(1.0, 6.0, classes + 1)
    freq = rng.uniform(bands[y], bands[y + 1] - 0.3)
    phase = rng.uniform(0, 2 * np.pi, n)
    amplitude = rng.uniform(0.6, 1.2, n)
    x = amplitude[:, None] * np.sin(2 * np.pi * freq[:, None] * t[None, :] + phase[:, None])
    x = x + rng.normal(0, noise, x.shape)
    return x[:, :, None], y


def _shapes(n: int, noise: float, rng: np.random.Generator, classes: int):
    """28×28 grayscale images of a circle, a square or a triangle, filled or outlined."""
    size = IMAGE_SIZE
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    y = np.arange(n) % 3
    rng.shuffle(y)
    images = np.zeros((n, size, size), np.float32)
    for i in range(n):
        radius = rng.uniform(5, 10)
        cx, cy = rng.uniform(radius + 1, size - radius - 1, 2)
        if y[i] == 0:
            inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius ** 2
            inner = (xx - cx) ** 2 + (yy - cy) ** 2 <= (radius - 2) ** 2
        elif y[i] == 1:
            half = radius * 0.85
            inside = (np.abs(xx - cx) <= half) & (np.abs(yy - cy) <= half)
            inner = (np.abs(xx - cx) <= half - 2) & (np.abs(yy - cy) <= half - 2)
        else:
            inside = _triangle(xx, yy, cx, cy, radius)
            inner = _triangle(xx, yy, cx, cy, radius - 3)
        mask = inside & ~inner if rng.random() < 0.5 else inside
        images[i] = mask * rng.uniform(0.6, 1.0)
    images += rng.normal(0, noise, images.shape).astype(np.float32)
    return np.clip(images, 0, 1)[:, None], y


def _triangle(xx, yy, cx, cy, radius):
    angles = np.array([-np.pi / 2, np.pi / 6, 5 * np.pi / 6])
    px, py = cx + radius * np.cos(angles), cy + radius * np.sin(angles)
    inside = np.ones_like(xx, bool)
    for a in range(3):
        b = (a + 1) % 3
        cross = (px[b] - px[a]) * (yy - py[a]) - (py[b] - py[a]) * (xx - px[a])
        inside &= cross >= 0
    return inside


Generator = Callable[[int, float, np.random.Generator, int], tuple[np.ndarray, np.ndarray]]

#: name -> (generator, input shape, default classes, class names, what it is)
BUILTINS: dict[str, tuple[Generator, tuple[int, ...], int, list[str] | None, str]] = {
    "spiral": (_spiral, (2,), 2, None, "interleaved spiral arms of 2-D points"),
    "xor": (_xor, (2,), 2, ["same sign", "opposite sign"], "2-D points labelled by the XOR of their signs"),
    "circles": (_circles, (2,), 2, ["inner", "outer"], "a disc of points inside a ring"),
    "gaussian": (_gaussian, (2,), 2, None, "2-D Gaussian blobs, one per class"),
    "moons": (_moons, (2,), 2, ["upper", "lower"], "two interleaving half circles"),
    "sine_waves": (_sine_waves, (SEQUENCE_LENGTH, 1), 3, ["slow", "medium", "fast"],
                   "noisy sine waves of 50 steps, classed by frequency"),
    "shapes": (_shapes, (1, IMAGE_SIZE, IMAGE_SIZE), 3, ["circle", "square", "triangle"],
               "28×28 grayscale images of circles, squares and triangles"),
}

FIXED_CLASSES = {"xor", "circles", "moons", "shapes"}


@dataclass(frozen=True)
class BuiltinOptions:
    """A built-in dataset's settings, checked (``data.name``, ``samples``, ``noise``, ...)."""

    name: str
    samples: int
    noise: float
    seed: int
    classes: int
    task: str


def builtin_options(spec: dict[str, Any], _base_dir: Any = None) -> BuiltinOptions:
    """Check a built-in data section (nothing to read); one sentence for the first problem."""
    from core.data.csv_options import split_options

    split_options(spec)
    return BuiltinOptions(*_options(spec), task=_task(spec))


def _options(spec: dict[str, Any]) -> tuple[str, int, float, int, int]:
    name = spec.get("name")
    if name not in BUILTINS:
        known = ", ".join(BUILTINS)
        raise DataError(f"there is no built-in dataset {name!r}: choose one of {known}",
                        location="data.name")
    samples = spec.get("samples", 1000)
    noise = spec.get("noise", 0.1)
    seed = spec.get("seed", 0)
    classes = spec.get("classes", BUILTINS[name][2])
    if isinstance(samples, bool) or not isinstance(samples, int) or not 20 <= samples <= 1_000_000:
        raise DataError(f"data.samples must be a whole number from 20 to 1000000, got {samples!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 5:
        raise DataError(f"data.noise must be a number from 0 to 5, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError(f"data.seed must be a whole number of at least 0, got {seed!r}")
    if name in FIXED_CLASSES:
        classes = BUILTINS[name][2]
    elif isinstance(classes, bool) or not isinstance(classes, int) or not 2 <= classes <= 10:
        raise DataError(f"data.classes must be a whole number from 2 to 10, got {classes!r}")
    return name, samples, float(noise), seed, classes


def class_names_of(name: str, classes: int) -> list[str]:
    names = BUILTINS[name][3]
    if names and len(names) == classes:
        return list(names)
    return [f"class {i}" for i in range(classes)]


def _task(spec: dict[str, Any]) -> str:
    task = spec.get("task", "auto")
    if task in ("auto", CLASSIFICATION):
        return CLASSIFICATION
    if task == RECONSTRUCTION:
        return RECONSTRUCTION
    raise DataError(f"data.task of a built-in dataset must be 'classification' or"
                    f" 'reconstruction', got {task!r}")


def describe(spec: dict[str, Any]) -> DataInfo:
    name, samples, _noise, _seed, classes = _options(spec)
    _gen, shape, _default, _names, what = BUILTINS[name]
    warnings = _split_warnings(spec, samples, classes)
    if _task(spec) == RECONSTRUCTION:
        return DataInfo(input_shape=shape, task=RECONSTRUCTION, samples=samples,
                        feature_names=["x", "y"] if shape == (2,) else [],
                        feature_columns=["x", "y"] if shape == (2,) else [],
                        description=f"built-in '{name}' (reconstruction): {what}", warnings=warnings)
    return DataInfo(input_shape=shape, task=CLASSIFICATION, class_names=class_names_of(name, classes),
                    target_names=["class"],
                    feature_names=["x", "y"] if shape == (2,) else [],
                    feature_columns=["x", "y"] if shape == (2,) else [],
                    samples=samples, description=f"built-in '{name}': {what}", warnings=warnings)


def _split_warnings(spec: dict[str, Any], samples: int, classes: int) -> list[str]:
    """Empty validation/test splits, assuming classes of equal size (as every generator but
    xor's makes them; xor's two classes are close to equal)."""
    from core.data.csv_options import split_options
    from core.data.split import empty_split_warnings, split_sizes

    validation, test, stratify, _seed = split_options(spec)
    class_sizes = [len(part) for part in np.array_split(np.arange(samples), classes)]
    groups = class_sizes if stratify else [samples]
    return empty_split_warnings(split_sizes(groups, validation, test), validation, test,
                                "samples", class_sizes if stratify else None)


def generate(spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The whole dataset as float32 inputs and int64 labels, deterministic for a seed."""
    name, samples, noise, seed, classes = _options(spec)
    rng = np.random.default_rng(seed)
    x, y = BUILTINS[name][0](samples, noise, rng, classes)
    return np.ascontiguousarray(x, np.float32), np.asarray(y, np.int64)


def load(spec: dict[str, Any]) -> Dataset:
    """Generate and split a built-in dataset (stratified, seeded)."""
    from core.data.split import split_indices

    info = describe(spec)
    x, y = generate(spec)
    split = spec.get("split") or {}
    train_idx, val_idx, test_idx = split_indices(
        len(x), validation=split.get("validation", 0.2), test=split.get("test", 0.0),
        stratify=y if split.get("stratify", True) else None, seed=split.get("seed", 0))
    targets = None if info.task == RECONSTRUCTION else y

    def part(idx: np.ndarray) -> Split | None:
        if len(idx) == 0:
            return None
        return Split(x[idx], None if targets is None else targets[idx], [str(i) for i in idx])

    train = part(train_idx)
    preprocessing = {
        "format": "layerforge.preprocessing", "format_version": 1, "kind": "builtin",
        "task": info.task, "input_shape": list(info.input_shape),
        "feature_names": info.feature_names, "class_names": info.class_names,
        "target_names": info.target_names, "input_scaling": None, "target_scaling": None,
        "builtin": {k: spec[k] for k in ("name", "samples", "noise", "seed", "classes") if k in spec},
    }
    fingerprint = hashlib.sha256(json.dumps(
        {k: spec.get(k) for k in ("name", "samples", "noise", "seed", "classes", "task")},
        sort_keys=True).encode()).hexdigest()[:16]
    dataset = Dataset(info=info, train=train, validation=part(val_idx), test=part(test_idx),
                      preprocessing=preprocessing, fingerprint=fingerprint, notes=list(info.warnings))
    dataset.schema = {"rows": len(x), "format": f"generated from seed {spec.get('seed', 0)}"}
    if info.task != RECONSTRUCTION:
        dataset.schema["classes"] = class_table(dataset)
    return dataset


def _summary(spec: dict[str, Any]) -> str:
    name = spec.get("name", "")
    what = BUILTINS[name][4] if name in BUILTINS else name
    samples = spec.get("samples")
    count = f" · {samples:,} samples" if isinstance(samples, int) else ""
    return f"Built-in data: {what}{count}"


SOURCES.register(DataSource(
    name="builtin", title="Built-in dataset",
    doc="A small dataset generated from a seed (2-D points, sine waves or shapes): works offline.",
    describe=lambda spec, base_dir: describe(spec),
    load=lambda spec, base_dir, progress=None, cancel=None, cache_dir=None: load(spec),
    options=("name", "task", "split", "samples", "noise", "seed", "classes", "input_noise"), required=("name",),
    preprocessing_kinds=("builtin",),
    predict_input="2-D point sets: a CSV file with columns x and y; shapes: images",
    summary=_summary, action=lambda spec: f"Use built-in data '{spec.get('name')}'",
    read_options=builtin_options))
