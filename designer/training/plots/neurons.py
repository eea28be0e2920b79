"""The Neurons tab: every hidden unit's activation over the input plane, as small pictures.

TensorFlow Playground's view of a network on 2-D points: one picture per unit (orange
where the unit's output is negative, blue where positive, neutral near 0, each picture
on its own scale), a row of pictures per layer, redrawn as training changes them. The
numbers come from ``core.train.probes.neurons`` (computed in the training thread); this
module only turns them into images (numpy) and paints them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QLabel, QScrollArea, QToolTip, QVBoxLayout, QWidget

from designer.style import ui_font
from designer.training.live import LiveRun
from designer.training.plots.style import scheme

#: Pixels of one unit's picture on screen, the gap between pictures, a layer's header line.
TILE, GAP, HEADER, MARGIN = 44, 6, 24, 10
#: A layer of at most this many units (the Output of a classifier) gets pictures twice as large.
FEW_UNITS = 4
NEGATIVE, POSITIVE = np.array([245, 147, 34], np.float32), np.array([8, 119, 189], np.float32)
NOTE = ("Each picture is one unit's output over the input plane (x to the right, y up): blue where"
        " it is positive, orange where negative, neutral near 0, each on its own scale. A blank"
        " picture is a unit that never switches on.")


def neutral() -> np.ndarray:
    return np.array([40, 44, 52] if scheme().dark else [246, 246, 246], np.float32)


def unit_rgb(values: np.ndarray) -> np.ndarray:
    """One unit's ``(R, R)`` outputs (row i = y) -> ``(R, R, 3)`` uint8 with y up: orange for
    negative, blue for positive, neutral at 0, scaled by the unit's largest size."""
    values = np.nan_to_num(np.asarray(values, np.float32))
    peak = float(np.abs(values).max()) if values.size else 0.0
    share = values / peak if peak > 0 else np.zeros_like(values)
    mid = neutral()
    strength = np.abs(share)[..., None]
    ends = np.where(share[..., None] < 0, NEGATIVE, POSITIVE)
    rgb = mid * (1 - strength) + ends * strength
    return np.ascontiguousarray(rgb[::-1].clip(0, 255).astype(np.uint8))


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def layer_title(layer) -> str:
    """``relu1 · ReLU · 64 units · 9 silent everywhere``: a layer's header line."""
    shown = len(layer.maps)
    count = (f"the first {shown} of {layer.units} units" if shown < layer.units
             else f"{layer.units} unit{'s' if layer.units != 1 else ''}")
    silent = int(sum(1 for m in layer.maps if not np.any(m)))
    return f"{layer.node_id} · {layer.layer_type} · {count}" + (f" · {silent} silent everywhere" if silent else "")


class NeuronGrid(QWidget):
    """The pictures, a titled block per layer, laid out in as many columns as the width allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("neuronGrid")
        self.setMouseTracking(True)
        self.layers: list = []  # NeuronLayer of the shown snapshot
        self.images: list[list[QImage]] = []
        self._height = 0

    def set_layers(self, layers: list) -> None:
        self.layers = list(layers)
        self.images = [[to_qimage(unit_rgb(m)) for m in layer.maps] for layer in self.layers]
        self._relayout()
        self.update()

    @staticmethod
    def tile_size(images: list) -> int:
        return 2 * TILE + GAP if len(images) <= FEW_UNITS else TILE

    def columns(self, width: int | None = None, tile: int = TILE) -> int:
        width = self.width() if width is None else width
        return max(1, (width - 2 * MARGIN + GAP) // (tile + GAP))

    def _relayout(self) -> None:
        height = self.height_for(self.width())
        if height != self._height:
            self._height = height
            self.setMinimumHeight(height)

    def height_for(self, width: int) -> int:
        height = 2 * MARGIN
        for images in self.images:
            tile = self.tile_size(images)
            rows = math.ceil(len(images) / self.columns(width, tile))
            height += HEADER + GAP + rows * (tile + GAP)
        return height

    def sizeHint(self) -> QSize:
        return QSize(600, max(self._height, 120))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def tiles(self):
        """``(layer index, unit, QRect)`` of every picture, and ``(layer index, None, header QRect)``."""
        y = MARGIN
        for index, images in enumerate(self.images):
            tile = self.tile_size(images)
            cols = self.columns(tile=tile)
            yield index, None, QRect(MARGIN, y, self.width() - 2 * MARGIN, HEADER)
            y += HEADER + GAP
            for unit in range(len(images)):
                row, col = divmod(unit, cols)
                yield index, unit, QRect(MARGIN + col * (tile + GAP), y + row * (tile + GAP), tile, tile)
            y += math.ceil(len(images) / cols) * (tile + GAP)

    def tile_at(self, point: QPoint) -> tuple[int, int] | None:
        for index, unit, rect in self.tiles():
            if unit is not None and rect.contains(point):
                return index, unit
        return None

    def paintEvent(self, _event) -> None:
        colors = scheme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        small = ui_font(7.0)
        for index, unit, rect in self.tiles():
            layer = self.layers[index]
            if unit is None:
                painter.setFont(ui_font(9.0, bold=True))
                painter.setPen(QColor(colors.text))
                painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 layer_title(layer))
                continue
            painter.drawImage(rect, self.images[index][unit])
            painter.setPen(QPen(QColor(colors.axis), 1))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
            painter.setFont(small)
            label = str(unit)
            box = QRect(rect.left() + 1, rect.top() + 1, 6 + 6 * len(label), 12)
            painter.fillRect(box, QColor(0, 0, 0, 110))
            painter.setPen(QColor("#ffffff"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        painter.end()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            hit = self.tile_at(event.pos())
            if hit is None:
                QToolTip.hideText()
            else:
                layer = self.layers[hit[0]]
                values = layer.maps[hit[1]]
                QToolTip.showText(event.globalPos(), f"{layer.node_id}, unit {hit[1]}: from"
                                  f" {float(values.min()):.3g} to {float(values.max()):.3g}", self)
            return True
        return super().event(event)


class NeuronMapsView(QWidget):
    """The tab: a note, the snapshot's time, and the grid of pictures (scrolls when long)."""

    title = "Neurons"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("neuronMapsView")
        self.note = QLabel(NOTE, objectName="explanation", wordWrap=True)
        self.when = QLabel("", objectName="explanation")
        self.grid = NeuronGrid()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setWidget(self.grid)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 0)
        box.addWidget(self.note)
        box.addWidget(self.when)
        box.addWidget(self.scroll_area, 1)
        self._seen: tuple = ()
        self.updates = 0  # snapshots drawn (tests read it)

    theme_drawn = True  # the pictures' neutral colour is the theme's

    def forget_drawn(self) -> None:
        """The next ``update_from`` draws the pictures again; those on show stay until then."""
        self._seen = ()

    def shown(self, live: LiveRun) -> bool:
        """Only for runs whose inputs are 2-D points (the probe sends nothing otherwise)."""
        return live.neuron_maps is not None

    def update_from(self, live: LiveRun) -> bool:
        snapshot = live.neuron_maps
        key = (id(live), live.versions["neuron_maps"])
        if snapshot is None or key == self._seen:
            return False
        self._seen = key
        self.grid.set_layers(snapshot.layers)
        epoch = f"epoch {snapshot.epoch}" + (f", batch {snapshot.batch}" if snapshot.batch else " (end)")
        names = list(snapshot.feature_names or ["x", "y"]) + ["y"]
        self.when.setText(f"{epoch} · plane: {names[0]} from {snapshot.xs[0]:.3g} to {snapshot.xs[-1]:.3g},"
                          f" {names[1]} from {snapshot.ys[0]:.3g} to {snapshot.ys[-1]:.3g}")
        self.updates += 1
        return True

    def reset(self) -> None:
        self._seen = ()
        self.grid.set_layers([])
        self.when.setText("")

    def save_png(self, path: str | Path) -> None:
        self.grab().save(str(path), "PNG")
