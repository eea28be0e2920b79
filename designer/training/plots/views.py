"""The live tabs of the training plots: Overview, Loss & metrics, Activations, Feature maps,
Gradients, Decision boundary. Each is a widget with ``update_from(live) -> bool`` (called
by the dock's timer while the tab is visible) and ``save_png(path)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSpinBox, QSplitter, QStackedWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from designer.training.live import LiveRun
from designer.training.fields import metric_title
from designer.training.plots.curves import LearningRateCurve, LossCurves, MetricCurves
from designer.training.plots.images import BoundaryImage, FeatureMaps
from designer.training.plots.layers import (ActivationBand, LatestHistogram, LayerStatCurves,
                                            NormCurves, layer_label)
from designer.training.plots.style import add_plot, layout_widget
from designer.training.widgets import read_only_table


def export_png(layout: pg.GraphicsLayoutWidget, path: str | Path, width: int = 1600) -> None:
    """A plot canvas as a PNG (pyqtgraph's exporter; its SVG one is broken with PySide6 ≥ 6.11)."""
    exporter = ImageExporter(layout.ci)
    exporter.parameters()["width"] = max(width, int(layout.width()))
    exporter.export(str(path))


class SteadyTitle(pg.LabelItem):
    """A plot title whose text may change without laying its canvas out again.

    pyqtgraph's title asks for the width of its text: a longer title (the run's metric, the
    shown layer, the layers' names) widened its column, every plot of the canvas was laid
    out again and all its axes repainted (~40 ms on the 2-core machine, a few times at each
    run's start). This one asks only for its height; the text stays centred over the plot.
    """

    def updateMin(self) -> None:
        super().updateMin()
        height = self.itemRect().height()
        self.setMinimumWidth(0)
        self._sizeHint = {Qt.SizeHint.MinimumSize: (0, height), Qt.SizeHint.PreferredSize: (0, height),
                          Qt.SizeHint.MaximumSize: (-1, -1), Qt.SizeHint.MinimumDescent: (0, 0)}
        self.updateGeometry()


def steady_title(plot: pg.PlotItem) -> pg.PlotItem:
    """Give ``plot`` a :class:`SteadyTitle` in place of its title (same text and colours)."""
    old = plot.titleLabel
    title = SteadyTitle(old.text, parent=plot, **old.opts)
    title.setVisible(old.isVisible())
    title.setMaximumHeight(old.maximumHeight())
    plot.layout.removeItem(old)
    old.setParentItem(None)
    if old.scene() is not None:
        old.scene().removeItem(old)
    plot.layout.addItem(title, 0, 1)
    plot.titleLabel = title
    return plot


class InTurn:
    """Draws the curve sets that changed, at most ``limit`` per call, taking them in turn: the
    next call starts after the last one drawn, so every changed set is drawn within
    ``len(sets)`` calls however often the first ones change (a redraw split across ticks)."""

    def __init__(self) -> None:
        self.next = 0

    def update(self, sets: list, live: LiveRun, limit: int | None = None) -> bool:
        drawn = 0
        for step in range(len(sets)):
            index = (self.next + step) % len(sets)
            if sets[index].update(live):
                drawn += 1
                if limit is not None and drawn >= limit:
                    self.next = (index + 1) % len(sets)
                    break
        return drawn > 0


class PlotView(QWidget):
    """A tab: one plot canvas (``self.layout_widget``) and curve sets drawn from the live run."""

    title = ""
    #: Whether ``update_from`` takes ``limit`` (a tab of several plots, drawn in turn: ``InTurn``);
    #: a subclass that overrides ``update_from`` says so itself.
    draws_in_turn = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_widget = layout_widget()
        self.sets: list = []
        self.in_turn = InTurn()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.layout_widget)

    def update_from(self, live: LiveRun, limit: int | None = None) -> bool:
        """Draw the sets whose data changed (at most ``limit`` of them)."""
        return self.in_turn.update(self.sets, live, limit)

    def reset(self) -> None:
        for item in self.sets:
            item.reset()

    def save_png(self, path: str | Path) -> None:
        export_png(self.layout_widget, path)


class LossView(PlotView):
    title = "Loss && metrics"
    draws_in_turn = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lw = self.layout_widget
        self.loss_plot = add_plot(lw, 0, 0, "Loss", "epoch", colspan=3)
        self.loss = LossCurves(self.loss_plot)
        self.lr_plot = add_plot(lw, 0, 3, "Learning rate", "epoch")
        self.lr = LearningRateCurve(self.lr_plot)
        self.sets = [self.loss, self.lr]
        self.metric_plots: dict[str, MetricCurves] = {}
        lw.ci.layout.setRowStretchFactor(0, 3)
        lw.ci.layout.setRowStretchFactor(1, 2)

    def set_log(self, log: bool) -> None:
        self.loss.set_log(log)

    def reset(self) -> None:
        """Another run may have other metrics: their plots go (they come back as its rows arrive)."""
        for curves in self.metric_plots.values():
            self.layout_widget.removeItem(curves.plot)
            self.sets.remove(curves)
        self.metric_plots = {}
        super().reset()

    def update_from(self, live: LiveRun, limit: int | None = None) -> bool:
        for name in live.metric_names():
            if name not in self.metric_plots and len(self.metric_plots) < 4:
                self._add_metric(name)
        return super().update_from(live, limit)

    def _add_metric(self, name: str) -> None:
        count = len(self.metric_plots)  # one plot per metric in the row below the loss
        plot = add_plot(self.layout_widget, 1, count, metric_title(name), "epoch")
        curves = MetricCurves(plot, name, show_legend=count == 0)
        self.metric_plots[name] = curves
        self.sets.append(curves)


class OverviewView(QWidget):
    """Everything at a glance: loss, the main metric, one layer's activations, gradient norms,
    and the decision boundary (2-D inputs) or feature maps (images) or dead units."""

    title = "Overview"
    draws_in_turn = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.in_turn = InTurn()
        self.layout_widget = layout_widget()
        lw = self.layout_widget
        # the titles change as a run reports (metric, layer, layers' names): steady ones
        self.loss = LossCurves(steady_title(add_plot(lw, 0, 0, "Loss", "epoch")), compact=True)
        self.metric_curves = MetricCurves(steady_title(add_plot(lw, 0, 1, "Metric", "epoch")), compact=True)
        self.band = ActivationBand(steady_title(add_plot(lw, 1, 0, "Activations", "epoch")))
        self.grads = NormCurves(steady_title(add_plot(lw, 1, 1, "Gradient norm", "epoch")), "grad",
                                compact=True)
        self.side = QStackedWidget()
        self.boundary_layout = layout_widget()
        self.boundary = BoundaryImage(add_plot(self.boundary_layout, 0, 0, "Decision boundary"))
        self.maps_layout = layout_widget()
        self.maps = FeatureMaps(add_plot(self.maps_layout, 0, 0, "Sample"),
                                add_plot(self.maps_layout, 1, 0, "Feature maps"))
        self.maps_layout.ci.layout.setRowStretchFactor(1, 3)
        self.dead_layout = layout_widget()
        self.dead = LayerStatCurves(add_plot(self.dead_layout, 0, 0, "Dead units (share)", "epoch"), "dead")
        self.std = LayerStatCurves(add_plot(self.dead_layout, 1, 0, "Activation std per layer", "epoch"),
                                   "std", show_legend=False)
        for widget in (self.boundary_layout, self.maps_layout, self.dead_layout):
            self.side.addWidget(widget)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(lw)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(splitter)
        self.splitter = splitter

    def side_sets(self) -> list:
        return [[self.boundary], [self.maps], [self.dead, self.std]][self.side.currentIndex()]

    def update_from(self, live: LiveRun, limit: int | None = None) -> bool:
        index = 0 if live.boundary is not None else 1 if FeatureMaps.layers_with_maps(live) else 2
        if index != self.side.currentIndex():
            self.side.setCurrentIndex(index)
        return self.in_turn.update([self.loss, self.metric_curves, self.band, self.grads, *self.side_sets()],
                                   live, limit)

    def set_log(self, log: bool) -> None:
        self.loss.set_log(log)

    def reset(self) -> None:
        for item in (self.loss, self.metric_curves, self.band, self.grads, self.boundary, self.maps, self.dead,
                     self.std):
            item.reset()

    def save_png(self, path: str | Path) -> None:
        self.grab().save(str(path), "PNG")


class ActivationsView(QWidget):
    """A table of every layer's output statistics; the chosen layer's distribution over time and
    latest histogram; every layer's spread and dead units over time."""

    title = "Activations"
    COLUMNS = ("Layer", "Type", "Output", "Mean", "Std", "Dead")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = read_only_table(self.COLUMNS, "single")
        self.table.setMinimumWidth(260)
        self.layout_widget = layout_widget()
        lw = self.layout_widget
        self.band = ActivationBand(add_plot(lw, 0, 0, "Activations", "epoch", colspan=2))
        self.histogram = LatestHistogram(add_plot(lw, 1, 0, "Latest histogram", "value"))
        self.std = LayerStatCurves(add_plot(lw, 0, 2, "Std of each layer's outputs", "epoch"), "std")
        self.dead = LayerStatCurves(add_plot(lw, 1, 1, "Dead units after ReLU-like layers", "epoch",
                                             colspan=2), "dead")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(lw)
        splitter.setStretchFactor(1, 3)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(splitter)
        self.table.itemSelectionChanged.connect(self._on_layer_chosen)
        self._rows: list[str] = []
        self._table_version = None

    def _on_layer_chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        layer = self._rows[rows[0].row()] if rows and rows[0].row() < len(self._rows) else None
        self.band.show_layer(layer)
        self.histogram.show_layer(layer)

    def update_from(self, live: LiveRun) -> bool:
        changed = False
        for item in (self.band, self.histogram, self.std, self.dead):
            changed = item.update(live) or changed
        if live.versions["activations"] != self._table_version:
            self._table_version = live.versions["activations"]
            self._fill_table(live)
        return changed

    def _fill_table(self, live: LiveRun) -> None:
        ids = list(live.layers)
        if ids != self._rows:
            self._rows = ids
            self.table.setRowCount(len(ids))
        for row, node_id in enumerate(ids):
            series = live.layers[node_id]
            dead = series.dead.data[-1] if len(series.dead) else np.nan
            values = (node_id, series.layer_type, "×".join(str(s) for s in series.shape),
                      f"{series.mean.data[-1]:.3g}" if len(series.mean) else "",
                      f"{series.std.data[-1]:.3g}" if len(series.std) else "",
                      f"{dead:.0%}" if np.isfinite(dead) else "–")
            for col, text in enumerate(values):
                item = self.table.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    if col >= 3:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(row, col, item)
                if item.text() != text:
                    item.setText(text)
            self.table.item(row, 0).setToolTip(layer_label(series))

    def reset(self) -> None:
        for item in (self.band, self.histogram, self.std, self.dead):
            item.reset()
        self._table_version = None

    def save_png(self, path: str | Path) -> None:
        self.grab().save(str(path), "PNG")


class FeatureMapsView(PlotView):
    """Feature maps of the chosen sample for one layer with image-shaped outputs."""

    title = "Feature maps"
    draws_in_turn = True
    sample_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_box = QComboBox()
        self.layer_box.setMinimumContentsLength(14)
        self.sample_box = QSpinBox()
        self.sample_box.setRange(0, 0)
        self.sample_box.setToolTip("Which sample of the fixed probe batch (from the validation data)")
        self.note = QLabel("Shown for layers whose outputs are images (convolutions, pooling).")
        self.note.setObjectName("explanation")
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 6, 6, 0)
        controls.addWidget(QLabel("Layer"))
        controls.addWidget(self.layer_box)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Sample"))
        controls.addWidget(self.sample_box)
        controls.addSpacing(12)
        controls.addWidget(self.note, 1)
        self.layout().insertLayout(0, controls)
        self.maps = FeatureMaps(add_plot(self.layout_widget, 0, 0, "Sample"),
                                add_plot(self.layout_widget, 0, 1, "Feature maps"))
        self.layout_widget.ci.layout.setColumnStretchFactor(1, 4)
        self.sets = [self.maps]
        self.layer_box.currentTextChanged.connect(lambda text: self.maps.show_layer(text or None))
        self.sample_box.valueChanged.connect(self.sample_chosen)
        self._layers: list[str] = []

    def set_sample_count(self, count: int) -> None:
        self.sample_box.setRange(0, max(0, count - 1))

    def shown(self, live: LiveRun) -> bool:
        """Only while some layer has image-shaped outputs."""
        return bool(FeatureMaps.layers_with_maps(live))

    def update_from(self, live: LiveRun, limit: int | None = None) -> bool:
        layers = FeatureMaps.layers_with_maps(live)
        if layers != self._layers:
            self._layers = layers
            current = self.layer_box.currentText()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            self.layer_box.addItems(layers)
            if current in layers:
                self.layer_box.setCurrentText(current)
            self.layer_box.blockSignals(False)
            self.maps.show_layer(self.layer_box.currentText() or None)
        return super().update_from(live, limit)


class NormsView(PlotView):
    title = "Gradients"
    draws_in_turn = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.weights = NormCurves(add_plot(self.layout_widget, 0, 0, "Weight norm per layer (L2)", "epoch"),
                                  "weight")
        self.grads = NormCurves(add_plot(self.layout_widget, 0, 1, "Gradient norm per layer (L2)", "epoch"),
                                "grad")
        self.sets = [self.weights, self.grads]


class BoundaryView(PlotView):
    title = "Decision boundary"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boundary = BoundaryImage(add_plot(self.layout_widget, 0, 0, "Decision boundary"))
        self.sets = [self.boundary]

    def shown(self, live: LiveRun) -> bool:
        return live.boundary is not None
