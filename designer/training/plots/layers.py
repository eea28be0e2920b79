"""Per-layer views: activation distributions, dead units, weight and gradient norms.

Curve sets like those in :mod:`curves`: made once for a PlotItem, redrawn from the
live buffers when their part's version changes. The probes send a snapshot about once
a second (activations) or four times a second (norms), so these redraw rarely.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from designer.training.live import LiveRun
from designer.training.plots.curves import Versioned
from designer.training.plots.style import SteadyRange, curve, legend, qcolor, scheme, series_color, set_title

# Indices into the quantile levels (0, .05, .25, .5, .75, .95, 1).
Q05, Q25, Q50, Q75, Q95 = 1, 2, 3, 4, 5


def remove_curves(plot: pg.PlotItem, curves, legend_item: pg.LegendItem | None) -> None:
    """Take ``curves`` off ``plot``, and every entry off its legend."""
    for item in list(curves):
        plot.removeItem(item)
    if legend_item is not None:
        legend_item.clear()


def layer_label(series) -> str:
    shape = "×".join(str(s) for s in series.shape)
    return f"{series.node_id} · {series.layer_type} · {shape}"


class LayerChoice(Versioned):
    """A curve set that shows one layer, chosen by the person (``None``: a sensible default)."""

    layer_id: str | None = None

    def show_layer(self, layer_id: str | None) -> None:
        if layer_id != self.layer_id:
            self.layer_id = layer_id
            self.reset()


class ActivationBand(LayerChoice):
    """One layer's output distribution over time: 5–95% and 25–75% bands, median, mean."""

    parts = ("activations",)

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        color = scheme().train
        # invisible edge curves that the fills are drawn between (a PlotDataItem without a pen
        # has no path, so PlotCurveItems with a transparent pen)
        self.edges = [pg.PlotCurveItem(pen=pg.mkPen(qcolor(color, 0))) for _ in range(4)]
        for item in self.edges:
            plot.addItem(item)
        self.outer = pg.FillBetweenItem(self.edges[0], self.edges[3], brush=qcolor(color, 55))
        self.inner = pg.FillBetweenItem(self.edges[1], self.edges[2], brush=qcolor(color, 110))
        plot.addItem(self.outer)
        plot.addItem(self.inner)
        self.median = curve(plot, color, "median", width=2.0)
        self.mean = curve(plot, scheme().highlight, "mean", width=1.4, style=Qt.PenStyle.DashLine)
        self.range = SteadyRange(plot)

    def chosen(self, live: LiveRun):
        """The shown layer's series: the chosen one, else the first with ReLU-like units, else the first."""
        if self.layer_id in live.layers:
            return live.layers[self.layer_id]
        relu = [s for s in live.layers.values() if np.isfinite(s.dead.data).any()]
        return (relu or list(live.layers.values()) or [None])[0]

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live):
            return False
        series = self.chosen(live)
        if series is None:
            return True
        x, q = series.x.data, series.quantiles.data
        for item, level in zip(self.edges, (Q05, Q25, Q75, Q95)):
            item.setData(x, q[:, level])
        self.median.setData(x, q[:, Q50])
        self.mean.setData(x, series.mean.data)
        set_title(self.plot, f"Activations of {layer_label(series)}")
        self.settle(live)
        return True


class LayerStatCurves(Versioned):
    """One curve per layer of ``stat`` over time: ``std`` of the outputs or ``dead`` fraction."""

    parts = ("activations",)

    def __init__(self, plot: pg.PlotItem, stat: str, show_legend: bool = True) -> None:
        super().__init__()
        self.plot, self.stat = plot, stat
        self.legend = legend(plot) if show_legend else None
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.range = SteadyRange(plot)

    def reset(self) -> None:
        """Another run may have other layers: their curves and legend entries go."""
        super().reset()
        remove_curves(self.plot, self.curves.values(), self.legend)
        self.curves = {}

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live):
            return False
        for node_id, series in live.layers.items():
            values = getattr(series, self.stat).data
            if self.stat == "dead" and not np.isfinite(values).any():
                continue
            item = self.curves.get(node_id)
            if item is None:
                item = self.curves[node_id] = curve(self.plot, series_color(len(self.curves)), node_id,
                                                    width=1.6)
            keep = np.isfinite(values)
            item.setData(series.x.data[keep], values[keep])
        self.settle(live)
        return True


class LatestHistogram(LayerChoice):
    """The chosen layer's latest output histogram, as bars."""

    parts = ("activations",)

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        color = scheme().train
        self.bars = pg.BarGraphItem(x=[], height=[], width=1.0, brush=qcolor(color, 170),
                                    pen=pg.mkPen(qcolor(color)))
        plot.addItem(self.bars)

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live) or live.activations is None:
            return False
        layers = {layer.node_id: layer for layer in live.activations.layers}
        layer = layers.get(self.layer_id) or next(iter(layers.values()), None)
        if layer is None:
            return True
        edges = np.asarray(layer.bin_edges, np.float64)
        width = float(edges[1] - edges[0]) if len(edges) > 1 and edges[1] > edges[0] else 1.0
        centres = (edges[:-1] + edges[1:]) / 2 if len(edges) > 1 else np.zeros(len(layer.histogram))
        self.bars.setOpts(x=centres, height=np.asarray(layer.histogram, np.float64), width=width * 0.92)
        set_title(self.plot, f"Latest histogram of {layer.node_id}")
        return True


class NormCurves(Versioned):
    """Weight or gradient L2 norm of each layer over time (log scale): vanishing or exploding."""

    parts = ("norms",)

    def __init__(self, plot: pg.PlotItem, which: str, show_legend: bool = True, compact: bool = False) -> None:
        super().__init__()
        self.plot, self.which = plot, which
        self.compact = compact  # the layer names in the title instead of a legend box
        self.title = plot.titleLabel.text
        self.legend = legend(plot) if show_legend and not compact else None
        self.curves: list[pg.PlotDataItem] = []
        self._layers: list[str] = []
        plot.setLogMode(x=False, y=True)
        self.range = SteadyRange(plot)

    def reset(self) -> None:
        super().reset()
        remove_curves(self.plot, self.curves, self.legend)
        self.curves, self._layers = [], []
        if self.compact:
            set_title(self.plot, self.title)

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live):
            return False
        buffer = live.grad_norm if self.which == "grad" else live.weight_norm
        if buffer is None:
            return True
        if live.norm_layers != self._layers:
            remove_curves(self.plot, self.curves, self.legend)
            self._layers = list(live.norm_layers)
            self.curves = [curve(self.plot, series_color(i), name, width=1.6)
                           for i, name in enumerate(self._layers)]
            if self.compact:
                set_title(self.plot, self.title, [(series_color(i), n) for i, n in enumerate(self._layers)])
        x, values = live.norm_x.data, buffer.data
        for column, item in enumerate(self.curves):
            y = values[:, column]
            keep = np.isfinite(y) & (y > 0)
            item.setData(x[keep], y[keep])
        self.settle(live)
        return True
