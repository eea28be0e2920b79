"""Data sources: built-in datasets, CSV tables, image folders.

``describe(spec, base_dir)`` answers what the network needs (shapes, task, classes)
as cheaply as possible; ``load(spec, base_dir)`` returns a preprocessed
:class:`~core.data.dataset.Dataset` ready for training. Both go through the data-kind
registry :data:`~core.data.sources.SOURCES`, which importing this package fills.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

# Each kind registers its DataSource on import, in this order (the schema's data.kind enum).
from core.data import csv_source, image_source, builtin  # noqa: F401,I001
from core.data.dataset import (Cancelled, CancelCallback, DataInfo, Dataset, ProgressCallback,
                               Split)
from core.data.sources import SOURCES, DataSource

if TYPE_CHECKING:
    from core.data.predict import EncodedInputs

__all__ = ["SOURCES", "Cancelled", "DataInfo", "DataSource", "Dataset", "EncodedInputs", "Split",
           "apply_input_scaling", "describe", "encode_inputs", "load", "unscale_targets"]


def encode_inputs(preprocessing: dict[str, Any], path: str | Path,
                  notes: list[str] | None = None) -> "EncodedInputs":
    """A new CSV file / image folder / image file as the **encoded** (unscaled) float32 array
    plus sample ids, exactly as the training data was encoded; see :mod:`core.data.predict`."""
    from core.data.predict import encode_inputs as encode

    return encode(preprocessing, path, notes)


def apply_input_scaling(preprocessing: dict[str, Any], encoded: Any) -> Any:
    """The model's input for an encoded batch: ``(encoded - mean) / scale`` (float32 copy)."""
    from core.data.scaling import apply_input_scaling as apply

    return apply(preprocessing, encoded)


def unscale_targets(preprocessing: dict[str, Any], outputs: Any) -> Any:
    """Regression outputs back in the target's units: ``out * scale + mean``."""
    from core.data.scaling import unscale_targets as unscale

    return unscale(preprocessing, outputs)


def describe(spec: dict[str, Any] | None, base_dir: str | Path = ".") -> DataInfo:
    """Shapes, task and classes of the data, reading as little as possible.

    Cheap to call on every edit: CSV facts are remembered per spec and file state
    (size, modification time), image folders read only image headers, once per
    folder state (see :mod:`core.data.cache`).
    """
    return SOURCES.of(spec).describe(spec, base_dir)


def load(spec: dict[str, Any] | None, base_dir: str | Path = ".",
         progress: ProgressCallback | None = None,
         cancel: CancelCallback | None = None, *, cache_dir: str | Path | None = None) -> Dataset:
    """Load and preprocess the data a project's ``data`` section describes.

    ``progress(fraction, message)`` and ``cancel()`` are called from the loading thread;
    when ``cancel()`` returns true the loader raises :class:`Cancelled`. Decoded images
    are cached under ``cache_dir`` (default: :func:`core.data.cache.cache_dir`).
    """
    from core.data.input_noise import input_noise_options, with_input_noise

    input_noise_options((spec or {}).get("input_noise"))  # a mistake is said before any reading
    dataset = SOURCES.of(spec).load(spec, base_dir, progress, cancel, cache_dir)
    return with_input_noise(dataset, spec)
