"""The samples an attribution is asked about, and what the model predicts for them.

:func:`validation_samples` reloads the run's data exactly as training split it (the
validation split, else test, else training: the split the Results view reports on), and
:func:`file_samples` encodes a new CSV file or image (folder) as prediction does. Both
give the model's input (preprocessed) and the encoded values people read (unscaled).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SPLITS = ("validation", "test", "train")


@dataclass
class SampleSet:
    """Samples as the model takes them (``x``) and as people read them (``encoded``)."""

    ids: list[str]
    x: np.ndarray  # float32 (N, *input_shape), preprocessed
    encoded: np.ndarray  # float32 (N, *input_shape), scaling undone
    truth: np.ndarray | None  # classes (N,) int64, regression (N, k) in original units, else None
    source: str  # "validation", "test", "train" or the file's name

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows) -> "SampleSet":
        rows = np.asarray(rows, np.int64)
        return SampleSet([self.ids[i] for i in rows], self.x[rows], self.encoded[rows],
                         None if self.truth is None else self.truth[rows], self.source)


@dataclass
class Predictions:
    """What the model makes of samples: class probabilities, or values in original units."""

    task: str
    class_names: list[str]
    probabilities: np.ndarray | None = None  # (N, K) for classification and multilabel
    values: np.ndarray | None = None  # (N, k) regression in original units; (N,) reconstruction error

    @property
    def predicted(self) -> np.ndarray | None:
        return None if self.probabilities is None else self.probabilities.argmax(1)

    @property
    def confidence(self) -> np.ndarray:
        if self.probabilities is None:
            return np.full(len(self.values), np.nan)
        return self.probabilities.max(1)

    def label(self, row: int) -> str:
        """The prediction of sample ``row`` in words: a class name or the values."""
        if self.probabilities is not None:
            k = int(self.probabilities[row].argmax())
            return self.class_names[k] if k < len(self.class_names) else str(k)
        value = np.asarray(self.values[row]).reshape(-1)
        return ", ".join(f"{v:.4g}" for v in value[:4])


def unscale_inputs(preprocessing: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """The encoded values of preprocessed inputs: ``x * scale + mean`` (``input_scaling``)."""
    from core.data.scaling import scaling_axis

    out = np.array(x, np.float32, copy=True)
    scaling = preprocessing.get("input_scaling")
    if scaling:
        shape = [1] * out.ndim
        shape[scaling_axis(preprocessing)] = -1
        scale = np.asarray(scaling["scale"], np.float32)
        scale = np.where(scale == 0, 1, scale)
        out = out * scale.reshape(shape) + np.asarray(scaling["mean"], np.float32).reshape(shape)
    return out


def validation_samples(trained, progress=None, cancel=None) -> SampleSet:
    """The run's validation samples (else test, else training), reloaded from its data."""
    from core.data import load
    from core.data.scaling import unscale_targets
    from core.explain.base import ExplainError

    dataset = load(trained.project.data, trained.project.directory, progress, cancel)
    name, split = next(((n, getattr(dataset, n)) for n in SPLITS
                        if getattr(dataset, n) is not None and len(getattr(dataset, n))), (None, None))
    if split is None:
        raise ExplainError("the run's data has no samples left to explain: check its data file")
    x = np.ascontiguousarray(split.x, np.float32)
    ids = [str(i) for i in split.ids] if split.ids is not None else [str(i) for i in range(len(x))]
    truth = None
    if split.y is not None:
        if trained.info.task == "classification":
            truth = np.asarray(split.y, np.int64).reshape(-1)
        elif trained.info.task == "regression":
            truth = unscale_targets(trained.preprocessing, np.asarray(split.y, np.float32).reshape(len(x), -1))
        else:
            truth = np.asarray(split.y, np.float32)
    return SampleSet(ids, x, unscale_inputs(trained.preprocessing, x), truth, name)


def wrong_kind(trained, path: str | Path) -> str | None:
    """One sentence when ``path`` is the wrong kind of file for the run (an image for a
    table model, a CSV file for an image model), else None: said before anything is read."""
    from core.data.image_scan import IMAGE_EXTENSIONS
    from core.explain.base import IMAGE
    from core.explain.facts import input_kind

    path = Path(path)
    if path.is_dir() or not path.exists():
        return None  # a folder is checked by the loader; a missing file has its own sentence
    image_file = path.suffix.lower() in IMAGE_EXTENSIONS
    takes_images = input_kind(trained.preprocessing, tuple(trained.info.input_shape)) == IMAGE
    if takes_images and not image_file:
        return (f"{path.name} is not an image, and this run's network takes images: choose an"
                " image file (PNG, JPEG, BMP, GIF, WebP) or a folder of images")
    if image_file and not takes_images:
        return (f"{path.name} is an image, and this run's network reads table rows: choose a CSV"
                " file with the same columns as its training data")
    return None


def file_samples(trained, path: str | Path, notes: list[str] | None = None) -> SampleSet:
    """A new CSV file, image folder or image, encoded and scaled as the run's training data."""
    from core.data import apply_input_scaling, encode_inputs
    from core.explain.base import ExplainError

    problem = wrong_kind(trained, path)
    if problem:
        raise ExplainError(problem)
    encoded = encode_inputs(trained.preprocessing, path, notes)
    x = apply_input_scaling(trained.preprocessing, encoded.x)
    return SampleSet(list(encoded.ids), x, np.asarray(encoded.x, np.float32), None, Path(path).name)


def predict(trained, x: np.ndarray) -> Predictions:
    """:class:`Predictions` of ``trained`` for preprocessed inputs ``x``."""
    task = trained.info.task
    names = list(trained.class_names or [])
    out = trained.predict(x) if len(x) else np.zeros((0, max(len(names), 1)), np.float32)
    if task in ("classification", "multilabel"):
        return Predictions(task, names, probabilities=np.asarray(out, np.float32).reshape(len(x), -1))
    if task == "reconstruction":
        error = ((np.asarray(out) - x) ** 2).reshape(len(x), -1).mean(1) if len(x) else np.zeros(0)
        return Predictions(task, names, values=error.astype(np.float32))
    return Predictions(task, list(trained.info.target_names or []),
                       values=np.asarray(out, np.float32).reshape(len(x), -1))
