"""Image-like plots: the decision boundary, feature maps, the confusion matrix.

Arrays become RGB images here with numpy (a few hundred microseconds for the 64×64
boundary grid) and are shown with one ``ImageItem`` each.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from designer.training.live import LiveRun
from designer.training.plots.curves import Versioned
from designer.training.plots.layers import LayerChoice
from designer.training.plots.style import scheme, series_color, set_title

_LUT = None


def lookup_table() -> np.ndarray:
    """256 RGB colours of the 'viridis' map (uint8)."""
    global _LUT
    if _LUT is None:
        _LUT = pg.colormap.get("viridis").getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)
    return _LUT


def hex_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) for i in (0, 2, 4)], np.float32)


def class_colors(count: int) -> np.ndarray:
    return np.stack([hex_rgb(series_color(k)) for k in range(count)])


def boundary_rgb(probabilities: np.ndarray) -> np.ndarray:
    """(R, R, K) probabilities -> (R, R, 3) uint8: class colours, stronger where the network is sure."""
    k = probabilities.shape[-1]
    colors = class_colors(k)
    mixed = probabilities @ colors  # (R, R, 3)
    confidence = (probabilities.max(-1) - 1.0 / k) / (1.0 - 1.0 / k)
    alpha = (0.25 + 0.5 * np.clip(confidence, 0, 1))[..., None]
    background = hex_rgb(scheme().background)
    return (background * (1 - alpha) + mixed * alpha).clip(0, 255).astype(np.uint8)


def mosaic(maps: np.ndarray, gap: int = 2) -> np.ndarray:
    """(C, H, W) maps -> one RGB image: a grid of the maps, each scaled to its own range."""
    maps = np.asarray(maps, np.float32)
    c, h, w = maps.shape
    cols = max(1, math.ceil(math.sqrt(c)))
    rows = math.ceil(c / cols)
    image = np.empty((rows * (h + gap) - gap, cols * (w + gap) - gap, 3), np.uint8)
    image[:] = hex_rgb(scheme().background).astype(np.uint8)
    lut = lookup_table()
    for i in range(c):
        m = maps[i]
        low, high = float(np.nanmin(m)), float(np.nanmax(m))
        scaled = (m - low) / (high - low) if high > low else np.zeros_like(m)
        r, col = divmod(i, cols)
        # row 0 of the mosaic is drawn at the top (the plot's y axis is inverted)
        image[r * (h + gap): r * (h + gap) + h, col * (w + gap): col * (w + gap) + w] = \
            lut[(np.nan_to_num(scaled) * 255).astype(np.uint8)]
    return image


def input_image(sample: np.ndarray) -> np.ndarray | None:
    """A model input that is an image (C, H, W) as RGB uint8, or None for other inputs."""
    sample = np.asarray(sample, np.float32)
    if sample.ndim != 3 or sample.shape[0] not in (1, 3):
        return None
    low, high = float(sample.min()), float(sample.max())
    scaled = (sample - low) / (high - low) if high > low else np.zeros_like(sample)
    rgb = np.repeat(scaled, 3, 0) if sample.shape[0] == 1 else scaled
    return (rgb.transpose(1, 2, 0) * 255).astype(np.uint8)


def image_item() -> pg.ImageItem:
    return pg.ImageItem(axisOrder="row-major")


class BoundaryImage(Versioned):
    """The decision boundary as a heat map under the data points, with its own colour per class."""

    parts = ("boundary",)
    theme_drawn = True  # the class colours over the theme's background

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        self.image = image_item()
        plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#111317", width=0.8))
        plot.addItem(self.points)
        plot.setAspectLocked(True)
        self._points_id = None
        self.updates = 0  # how many snapshots were drawn (tests read it)

    def reset(self) -> None:
        super().reset()
        self._points_id = None

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live) or live.boundary is None:
            return False
        b = live.boundary
        self.image.setImage(boundary_rgb(np.asarray(b.probabilities, np.float32)), autoLevels=False,
                            levels=(0, 255))
        x0, x1, y0, y1 = float(b.xs[0]), float(b.xs[-1]), float(b.ys[0]), float(b.ys[-1])
        dx = (x1 - x0) / max(len(b.xs) - 1, 1)
        dy = (y1 - y0) / max(len(b.ys) - 1, 1)
        self.image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        if self._points_id is not id(b.points):  # the same arrays in every snapshot of a run
            self._points_id = id(b.points)
            colors = class_colors(max(int(b.labels.max()) + 1 if len(b.labels) else 1,
                                      b.probabilities.shape[-1]))
            brushes = [pg.mkBrush(*colors[k].astype(int)) for k in range(len(colors))]
            self.points.setData(x=b.points[:, 0], y=b.points[:, 1],
                                brush=[brushes[k] for k in b.labels])
            names = list(b.feature_names or ["x", "y"])
            self.plot.setLabel("bottom", names[0])
            self.plot.setLabel("left", names[1] if len(names) > 1 else "")
        epoch = f"epoch {b.epoch}" + (f", batch {b.batch}" if b.batch else " (end)")
        set_title(self.plot, f"Decision boundary · {epoch}")
        self.updates += 1
        return True


class FeatureMaps(LayerChoice):
    """The chosen sample's input and one convolution layer's feature maps as an image grid."""

    parts = ("activations",)
    theme_drawn = True  # the maps' mosaic on the theme's background

    def __init__(self, input_plot: pg.PlotItem, maps_plot: pg.PlotItem) -> None:
        super().__init__()
        self.input_plot, self.maps_plot = input_plot, maps_plot
        self.input = image_item()
        self.maps = image_item()
        input_plot.addItem(self.input)
        maps_plot.addItem(self.maps)
        for plot in (input_plot, maps_plot):
            plot.invertY(True)
            plot.setAspectLocked(True)
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.showGrid(x=False, y=False)
        self.shown_layer: str | None = None

    @staticmethod
    def layers_with_maps(live: LiveRun) -> list[str]:
        if live.activations is None:
            return []
        return [layer.node_id for layer in live.activations.layers if layer.feature_maps is not None]

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live) or live.activations is None:
            return False
        snapshot = live.activations
        picture = input_image(snapshot.sample_input)
        if picture is not None:
            self.input.setImage(picture, autoLevels=False, levels=(0, 255))
        set_title(self.input_plot, f"Sample {snapshot.sample_index}")
        layers = {layer.node_id: layer for layer in snapshot.layers if layer.feature_maps is not None}
        layer = layers.get(self.layer_id) or next(iter(layers.values()), None)
        if layer is None:
            return True
        self.maps.setImage(mosaic(layer.feature_maps), autoLevels=False, levels=(0, 255))
        self.shown_layer = layer.node_id
        channels = layer.shape[0] if layer.shape else len(layer.feature_maps)
        shown = len(layer.feature_maps)
        more = f" (first {shown} of {channels})" if shown < channels else ""
        set_title(self.maps_plot, f"Feature maps of {layer.node_id} · {layer.layer_type}{more}")
        return True


class ConfusionMatrix:
    """Rows = true class, columns = predicted; colour = share of the row, text = count."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.image = image_item()
        plot.addItem(self.image)
        plot.invertY(True)
        plot.showGrid(x=False, y=False)
        plot.setLabel("bottom", "predicted")
        plot.setLabel("left", "true")
        plot.getAxis("left").setWidth(None)  # room for the class names
        self.texts: list[pg.TextItem] = []
        self.matrix: np.ndarray | None = None

    def show(self, confusion: np.ndarray, class_names: list[str] | None) -> None:
        confusion = np.asarray(confusion, np.int64)
        self.matrix = confusion
        k = confusion.shape[0]
        totals = confusion.sum(1, keepdims=True).clip(min=1)
        share = confusion / totals
        self.image.setImage(lookup_table()[(share * 255).astype(np.uint8)], autoLevels=False,
                            levels=(0, 255))
        self.image.setRect(QRectF(0, 0, k, k))
        for item in self.texts:
            self.plot.removeItem(item)
        self.texts = []
        if k <= 20:
            for i in range(k):
                for j in range(k):
                    color = "#111317" if share[i, j] > 0.6 else "#e6e9ef"
                    text = pg.TextItem(f"{confusion[i, j]:,}", color=color, anchor=(0.5, 0.5))
                    text.fixed_colors = True  # black or white on the cell, whatever the theme
                    text.setPos(j + 0.5, i + 0.5)
                    self.plot.addItem(text)
                    self.texts.append(text)
        names = list(class_names or [str(i) for i in range(k)])[:k]
        ticks = [[(i + 0.5, _short(n)) for i, n in enumerate(names)]] if k <= 30 else None
        for axis in ("bottom", "left"):
            self.plot.getAxis(axis).setTicks(ticks)
        self.plot.setXRange(0, k, padding=0.02)
        self.plot.setYRange(0, k, padding=0.02)
        set_title(self.plot, f"Confusion matrix ({confusion.sum():,} samples)")


def _short(name: str, limit: int = 12) -> str:
    name = str(name)
    return name if len(name) <= limit else name[: limit - 1] + "…"
