"""Data sources: built-in datasets, CSV tables, image folders.

``describe(spec, base_dir)`` answers what the network needs (shapes, task, classes)
as cheaply as possible; ``load(spec, base_dir)`` returns a preprocessed
:class:`~core.data.dataset.Dataset` ready for training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.data.dataset import (Cancelled, CancelCallback, DataInfo, Dataset, ProgressCallback,
                               Split)
from core.errors import DataError

__all__ = ["Cancelled", "DataInfo", "Dataset", "Split", "describe", "load"]


def _kind(spec: Any) -> str:
    if not isinstance(spec, dict):
        raise DataError("the project has no data yet: load a CSV file, an image folder, or"
                        " choose a built-in dataset")
    kind = spec.get("kind")
    if kind not in ("builtin", "csv", "image_folder"):
        raise DataError(f"data.kind must be 'builtin', 'csv' or 'image_folder', got {kind!r}")
    return kind


def describe(spec: dict[str, Any] | None, base_dir: str | Path = ".") -> DataInfo:
    """Shapes, task and classes of the data, reading as little as possible."""
    kind = _kind(spec)
    if kind == "builtin":
        from core.data import builtin

        return builtin.describe(spec)
    return load(spec, base_dir).info


def load(spec: dict[str, Any] | None, base_dir: str | Path = ".",
         progress: ProgressCallback | None = None,
         cancel: CancelCallback | None = None) -> Dataset:
    """Load and preprocess the data a project's ``data`` section describes."""
    kind = _kind(spec)
    if kind == "builtin":
        from core.data import builtin

        return builtin.load(spec)
    raise DataError(f"loading {kind} data is not available in this version yet")
