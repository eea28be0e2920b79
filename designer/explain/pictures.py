"""Attributions as pictures for Qt: heat maps laid over an image, colours of words.

numpy builds the RGB arrays (the same colours as the PNGs of ``layerforge explain``:
red towards the class, blue away, or one "inferno" scale for magnitudes); Qt only
wraps them in a ``QImage``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

from core.explain.render import NEGATIVE, POSITIVE, image_rgb


def colour_ramp(signed: bool) -> np.ndarray:
    """256 RGB colours (uint8): blue–white–red for signed values, "inferno" for magnitudes."""
    if not signed:
        return pg.colormap.get("inferno").getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    white = np.ones(3)
    colours = np.where(t < 0, white + (-t) * (np.array(NEGATIVE) - white),
                       white + t * (np.array(POSITIVE) - white))
    return (colours * 255).round().astype(np.uint8)


def heat_rgb(heat: np.ndarray, signed: bool) -> np.ndarray:
    """A heat map ``(H, W)`` as RGB uint8, scaled to its own largest |value|."""
    heat = np.asarray(heat, np.float32)
    limit = float(np.abs(heat).max()) or 1.0
    scaled = (heat / limit + 1) / 2 if signed else np.clip(heat / limit, 0, 1)
    return colour_ramp(signed)[(np.clip(scaled, 0, 1) * 255).astype(np.uint8)]


def overlay_rgb(pixels: np.ndarray, heat: np.ndarray, signed: bool, alpha: float = 0.6) -> np.ndarray:
    """The image in grey with the heat map laid over it (``alpha``: the heat map's weight)."""
    grey = image_rgb(pixels).mean(2, keepdims=True) * 255
    return (grey * (1 - alpha) + heat_rgb(heat, signed).astype(np.float32) * alpha).clip(0, 255).astype(np.uint8)


def pixmap(rgb: np.ndarray, size: int) -> QPixmap:
    """An RGB uint8 array as a pixmap ``size`` pixels on its longer side (sharp pixels)."""
    rgb = np.ascontiguousarray(rgb)
    image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation)
