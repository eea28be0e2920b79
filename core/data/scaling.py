"""Input and target scaling: fitted on training rows only, applied as ``(x - mean) / scale``.

Statistics are accumulated in float64 over blocks of rows, so fitting a 1 M-row float32
array never makes a float64 copy of it; applying works in place. Applying and undoing
the scaling are :mod:`core.data.encoder`'s, shared with the standalone-code export.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.data import encoder
from core.errors import DataError

SCALES = ("standard", "minmax", "none")
_BLOCK = 1 << 16


def fit(x: np.ndarray, method: str, columns: np.ndarray | None = None) -> dict[str, Any] | None:
    """``{"method", "mean", "scale"}`` for the last axis of ``x`` (rows along the first axes).

    ``columns`` (bool per column) limits scaling to some columns; the others get mean 0,
    scale 1 (one-hot columns stay 0/1). ``minmax`` maps the training range to [0, 1]:
    ``mean`` holds the minimum and ``scale`` the range.
    """
    if method == "none":
        return None
    if method not in SCALES:
        raise DataError(f"data.scale must be one of {', '.join(SCALES)}, got {method!r}")
    flat = x.reshape(-1, x.shape[-1])
    width = flat.shape[1]
    if len(flat) == 0:
        mean, scale = np.zeros(width), np.ones(width)
    elif method == "standard":
        mean = np.zeros(width)
        for start in range(0, len(flat), _BLOCK):
            mean += flat[start:start + _BLOCK].sum(axis=0, dtype=np.float64)
        mean /= len(flat)
        var = np.zeros(width)
        for start in range(0, len(flat), _BLOCK):
            var += ((flat[start:start + _BLOCK] - mean) ** 2).sum(axis=0)
        scale = np.sqrt(var / len(flat))
    else:
        mean = flat.min(axis=0).astype(np.float64)
        scale = flat.max(axis=0).astype(np.float64) - mean
    scale = np.where(np.isfinite(scale) & (scale > 1e-12), scale, 1.0)
    if columns is not None:
        mean = np.where(columns, mean, 0.0)
        scale = np.where(columns, scale, 1.0)
    return {"method": method, "mean": [float(v) for v in mean], "scale": [float(v) for v in scale]}


def apply_inplace(x: np.ndarray, scaling: dict[str, Any] | None, axis: int = -1) -> np.ndarray:
    """``x = (x - mean) / scale`` along ``axis`` without a temporary copy of ``x``."""
    return encoder.scale_inplace(x, scaling, axis)


def scaling_axis(preprocessing: dict[str, Any]) -> int:
    """Which axis of a sample batch ``input_scaling`` runs along: channels for images
    ``(N, C, H, W)``, the feature axis (last) for tables and sequences."""
    return encoder.scaling_axis(preprocessing)


def apply_input_scaling(preprocessing: dict[str, Any], encoded: np.ndarray) -> np.ndarray:
    """The model's input for an **encoded** batch: ``(encoded - mean) / scale``, as float32.

    ``encoded`` has the batch dimension first (``(N, *input_shape)``), as returned by
    :func:`core.data.encode_inputs`. With no ``input_scaling`` the array is returned as
    float32 unchanged. The input is never modified.
    """
    x = np.array(encoded, dtype=np.float32, copy=True)
    scaling = preprocessing.get("input_scaling")
    if not scaling:
        return x
    axis = scaling_axis(preprocessing)
    if x.ndim < 2 or x.shape[axis] != len(scaling["mean"]):
        raise DataError(f"the input has shape {tuple(x.shape)} but the model was trained on"
                        f" {len(scaling['mean'])} features per sample: check the file's columns")
    return apply_inplace(x, scaling, axis)


def unscale_inputs(preprocessing: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """Model inputs (or reconstructions of them) back in the data's units:
    ``x * scale + mean``, the inverse of :func:`apply_input_scaling`; a float32 copy."""
    out = np.array(x, dtype=np.float32, copy=True)
    scaling = preprocessing.get("input_scaling")
    if not scaling:
        return out
    shape = [1] * out.ndim
    axis = scaling_axis(preprocessing) % out.ndim
    shape[axis] = -1
    return out * np.asarray(scaling["scale"], np.float32).reshape(shape) + \
        np.asarray(scaling["mean"], np.float32).reshape(shape)


def unscale_targets(preprocessing: dict[str, Any], outputs: np.ndarray) -> np.ndarray:
    """Regression outputs in the target's own units: ``out * scale + mean``."""
    return encoder.unscale_targets(preprocessing, outputs)
