"""The Experiments panel's plots: parallel coordinates, parameter importance, trial curves.

Each view takes plain rows (``core.sweep.study.TrialRow``) or numbers and redraws from
them; none of them reads the storage. Colours come from the training plots' theme scheme.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.sweep.study import COMPLETE, PRUNED
from designer.training.plots.style import pen, scheme, style_plot


def _plot_widget() -> pg.PlotWidget:
    widget = pg.PlotWidget()
    widget.setBackground(scheme().background)
    style_plot(widget.getPlotItem())
    return widget


def _note(text: str) -> QLabel:
    label = QLabel(text, objectName="emptyHint", wordWrap=True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def _position(value: Any, values: list[Any], log: bool) -> float:
    """``value`` on a 0..1 axis spanning ``values`` (choices: evenly spaced, in order)."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) != len(values) or not numbers:
        order = list(dict.fromkeys(json_key(v) for v in values))
        return order.index(json_key(value)) / max(1, len(order) - 1) if len(order) > 1 else 0.5
    lo, hi = min(numbers), max(numbers)
    if log and lo > 0:
        lo, hi, value = math.log10(lo), math.log10(hi), math.log10(value)
    return (value - lo) / (hi - lo) if hi > lo else 0.5


def json_key(value: Any) -> str:
    return repr(value)


class ParallelCoordinates(QWidget):
    """One vertical axis per varied setting and one for the metric, each scaled 0..1 over the
    trials' values (log settings on a log scale); one line per trial, coloured from the
    worst (dim) to the best (bright); pruned trials thin and grey."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = _plot_widget()
        self.plot = self.widget.getPlotItem()
        self.plot.hideAxis("left")
        self.plot.showGrid(x=False, y=False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.note = _note("Finished trials appear here: one line per trial across the settings and the metric.")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.note)
        column.addWidget(self.widget, 1)
        self.lines: list[pg.PlotDataItem] = []
        self.widget.hide()

    def show_rows(self, rows, names: list[str], logs: dict[str, bool], metric: str, direction: str) -> None:
        self.plot.clear()
        self.lines = []
        shown = [r for r in rows if r.state in (COMPLETE, PRUNED) and r.value is not None
                 and all(n in r.params for n in names)]
        self.widget.setVisible(bool(shown))
        self.note.setVisible(not shown)
        if not shown:
            return
        axes = names + [metric]
        columns = {n: [r.params[n] for r in shown] for n in names}
        columns[metric] = [r.value for r in shown]
        colors = scheme()
        values = [r.value for r in shown if r.state == COMPLETE]
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        ordered = sorted(shown, key=lambda r: (r.state == COMPLETE, _goodness(r.value, lo, hi, direction)))
        for row in ordered:  # the best drawn last, on top
            ys = [_position(row.params[n] if n != metric else row.value, columns[n], logs.get(n, False))
                  for n in axes]
            if row.state == COMPLETE:
                good = _goodness(row.value, lo, hi, direction)
                item = pg.PlotDataItem(list(range(len(axes))), ys,
                                       pen=pen(colors.series[0], 1.2 + 1.8 * good, int(70 + 185 * good)))
            else:
                item = pg.PlotDataItem(list(range(len(axes))), ys,
                                       pen=pen(colors.text_dim, 1.0, 90, Qt.PenStyle.DashLine))
            self.plot.addItem(item)
            self.lines.append(item)
        for i, name in enumerate(axes):
            self.plot.addItem(pg.InfiniteLine(pos=i, angle=90, pen=pen(colors.axis, 1.0, 160)))
            for y, value in ((1.0, _extreme(columns[name], max)), (0.0, _extreme(columns[name], min))):
                text = pg.TextItem(value, color=colors.text_dim, anchor=(0.5, 1.0 if y else 0.0))
                text.setPos(i, y + (0.02 if y else -0.02))
                self.plot.addItem(text)
        axis = self.plot.getAxis("bottom")
        axis.setTicks([[(i, name) for i, name in enumerate(axes)]])
        self.plot.setXRange(-0.4, len(axes) - 0.6, padding=0)
        self.plot.setYRange(-0.12, 1.12, padding=0)


def _extreme(values: list[Any], pick) -> str:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) == len(values) and numbers:
        value = pick(numbers)
        return f"{value:.3g}" if isinstance(value, float) else str(value)
    order = list(dict.fromkeys(str(v) for v in values))
    return order[-1] if pick is max else order[0]


def _goodness(value: float | None, lo: float, hi: float, direction: str) -> float:
    """0 for the worst complete trial, 1 for the best."""
    if value is None or hi <= lo:
        return 1.0
    share = (value - lo) / (hi - lo)
    return share if direction == "maximize" else 1.0 - share


class ImportanceChart(QWidget):
    """Horizontal bars: each varied setting's share of the importance, and which evaluator."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = _plot_widget()
        self.plot = self.widget.getPlotItem()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setLabel("bottom", "share of the importance", color=scheme().axis, **{"font-size": "8pt"})
        self.title = QLabel(objectName="sectionTitle")
        self.note = _note("The importance of each setting shows once two trials have completed.")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.title)
        column.addWidget(self.note)
        column.addWidget(self.widget, 1)
        self.values: dict[str, float] = {}
        self.widget.hide()
        self.title.hide()

    def show_importances(self, found: tuple[dict[str, float], str] | None) -> None:
        self.plot.clear()
        self.values = dict(found[0]) if found else {}
        self.widget.setVisible(bool(self.values))
        self.title.setVisible(bool(self.values))
        self.note.setVisible(not self.values)
        if not self.values:
            return
        name = found[1]
        self.title.setText(f"IMPORTANCE ({name})")
        self.title.setToolTip("fANOVA: how much of the metric's variance each setting explains (a random"
                              " forest over the trials)" if name == "fANOVA" else
                              "PED-ANOVA: Optuna's default evaluator (scikit-learn, which fANOVA needs, is not"
                              " installed)")
        names = sorted(self.values, key=self.values.get)
        heights = np.array([self.values[n] for n in names])
        bars = pg.BarGraphItem(x0=0, y=np.arange(len(names)), height=0.6, width=heights,
                               brush=scheme().series[0], pen=pen(scheme().series[0], 1.0))
        self.plot.addItem(bars)
        self.plot.getAxis("left").setTicks([[(i, n) for i, n in enumerate(names)]])
        self.plot.getAxis("left").setWidth(max(60, 7 * max(len(n) for n in names)))
        self.plot.setXRange(0, max(1e-9, float(heights.max())) * 1.1, padding=0)
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)


class CurvesPlot(QWidget):
    """The metric per epoch of the selected trials, from their run folders' metrics.csv."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = _plot_widget()
        self.plot = self.widget.getPlotItem()
        self.plot.setLabel("bottom", "epoch", color=scheme().axis, **{"font-size": "8pt"})
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=scheme().text)
        self.note = _note("Select trials in the table to compare their validation curves.")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.note)
        column.addWidget(self.widget, 1)
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.widget.hide()

    def show_curves(self, curves: dict[int, tuple[list[int], list[float]]], metric: str) -> None:
        self.plot.clear()
        self.legend.clear()
        self.curves = {}
        self.widget.setVisible(bool(curves))
        self.note.setVisible(not curves)
        self.plot.setLabel("left", metric, color=scheme().axis, **{"font-size": "8pt"})
        for index, (number, (epochs, values)) in enumerate(sorted(curves.items())):
            item = self.plot.plot(epochs, values, pen=pen(scheme().color(index), 1.8), name=f"trial {number}",
                                  symbol="o", symbolSize=4, symbolBrush=scheme().color(index),
                                  symbolPen=None)
            self.curves[number] = item
