"""Loss, metrics and learning rate over time: curve sets drawn into a given PlotItem.

A curve set creates its curves once and, on ``update(live)``, gives them the live
buffers when the part they show has a new version. The same set is used in the
Overview tab and in the larger Loss & metrics tab (two instances, two plots).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from designer.training.fields import metric_title
from designer.training.live import LiveRun
from designer.training.plots.style import SteadyRange, curve, finite_xy, legend, scheme, set_title


def head_color(index: int) -> str:
    """The colour of the ``index``-th Output's own loss (after the train and validation colours)."""
    return scheme().color(2 + index)

class Versioned:
    """Remembers the versions it drew, so ``stale`` says whether to draw again."""

    parts: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._seen: tuple = ()
        self._live_id = None

    range: SteadyRange | None = None

    def settle(self, live: LiveRun) -> None:
        """Move the view only when the data left it (see ``SteadyRange``). The bounds are the
        curves' whole data: a curve clipped to the view only knows the part inside it, so a tab
        first drawn after a run would keep the view it had before."""
        if self.range is not None:
            self.range.update(live.epochs or None, bounds=data_bounds(plot_items(vars(self).values())))

    def stale(self, live: LiveRun) -> bool:
        key = (id(live),) + tuple(live.versions[p] for p in self.parts)
        if key == self._seen:
            return False
        self._seen = key
        return True

    #: Whether colours of the theme are mixed into what ``update`` draws (images over the
    #: background): after a theme change such a set draws again (:meth:`forget_drawn`).
    theme_drawn = False

    def forget_drawn(self) -> None:
        """The next ``update`` draws again; what is on show stays until then."""
        self._seen = ()

    def reset(self) -> None:
        """Forget what was drawn: nothing of an earlier run stays on screen, and the next
        ``update`` draws from scratch."""
        self._seen = ()
        if self.range is not None:
            self.range.reset()
        empty_items(vars(self).values())


def plot_items(items):
    """The graphics items among ``items``, also those in lists, tuples and dicts."""
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from plot_items(item)
        elif isinstance(item, dict):
            yield from plot_items(item.values())
        elif isinstance(item, pg.GraphicsObject):
            yield item


def data_bounds(items) -> tuple[float, float, float, float] | None:
    """(x0, x1, y0, y1) of the curves' data in view units (log10 on a log axis); None if empty."""
    xs, ys = [], []
    for item in items:
        x, y = getattr(item, "xData", None), getattr(item, "yData", None)
        if x is None or y is None or not len(x) or len(x) != len(y):
            continue
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        if isinstance(item, pg.PlotDataItem) and item.opts.get("logMode", (False, False))[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(y)
        keep = np.isfinite(x) & np.isfinite(y)
        if keep.any():
            xs.append(x[keep])
            ys.append(y[keep])
    if not xs:
        return None
    x, y = np.concatenate(xs), np.concatenate(ys)
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


def empty_items(items) -> None:
    """Give the plot items among ``items`` (also in lists and dicts) no data, and hide markers."""
    for item in plot_items(items):
        if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem)):
            item.setData([], [])
        elif isinstance(item, (pg.ImageItem, pg.ScatterPlotItem)):
            item.clear()
        elif isinstance(item, pg.BarGraphItem):
            item.setOpts(x=[], height=[])
        elif isinstance(item, pg.InfiniteLine):
            item.hide()


def _positive(x: np.ndarray, y: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    x, y = finite_xy(x, y)
    if log:
        keep = y > 0
        return x[keep], y[keep]
    return x, y


class LossCurves(Versioned):
    """Per batch (raw, faint; smoothed) and per epoch (train, validation) loss.

    ``compact`` (the Overview's small plot): no raw batch curve (the densest, and most of a
    redraw's cost: the Loss tab has it) and the legend in the title.

    A network with several Outputs also reports each one's own loss per epoch
    (``train_loss_<id>``, ``val_loss_<id>``; the train/validation curves stay the weighted
    total): each Output gets a colour of its own, thinner, validation dashed and train dotted,
    named "loss of '<id>'" (the compact plot shows only the validation ones). A run with one
    Output has none of these.
    """

    parts = ("batches", "epochs")

    def __init__(self, plot: pg.PlotItem, log: bool = True, show_legend: bool = True,
                 compact: bool = False) -> None:
        super().__init__()
        self.plot = plot
        colors = scheme()
        if compact:  # a small plot: the legend in the title, not over the curves
            set_title(plot, "Loss", [(colors.smooth, "batch (smoothed)"), (colors.train, "train"),
                                     (colors.validation, "validation")])
        elif show_legend:
            legend(plot, corner="bottom_left")
        self.raw = None if compact else curve(plot, colors.train, "batch", width=1.0, alpha=70)
        self.smooth = curve(plot, colors.smooth, "batch (smoothed)", width=1.6)
        self.train = curve(plot, colors.train, "train (epoch)", width=2.0, symbol="o")
        self.val = curve(plot, colors.validation, "validation (epoch)", width=2.0, symbol="o")
        self.best = pg.InfiniteLine(angle=90, pen=pg.mkPen(colors.ok, width=1, style=Qt.PenStyle.DashLine),
                                    label="best", labelOpts={"color": colors.ok, "position": 0.92})
        self.best.hide()
        plot.addItem(self.best, ignoreBounds=True)
        self.range = SteadyRange(plot)
        self.compact = compact
        #: Per Output of a several-Output run: ``{output id: (train curve or None, val curve)}``.
        self.heads: dict[str, tuple[pg.PlotDataItem | None, pg.PlotDataItem]] = {}
        self._epochs_drawn = None
        self.set_log(log)

    def set_log(self, log: bool) -> None:
        self.log = log
        self.plot.setLogMode(x=False, y=log)
        self.reset()

    def reset(self) -> None:
        """Forget the run; the Outputs' curves go (another run may have other Outputs)."""
        super().reset()
        self._epochs_drawn = None
        for curves in self.heads.values():
            for item in curves:
                if item is not None:
                    self.plot.removeItem(item)  # also from the legend
        if self.heads and self.compact:
            self._set_compact_title([])
        if self.heads and self.plot.legend is not None:
            self.plot.legend.setColumnCount(1)
        self.heads = {}

    def _set_compact_title(self, heads: list[str]) -> None:
        colors = scheme()
        keys = [(colors.smooth, "batch (smoothed)"), (colors.train, "train"),
                (colors.validation, "validation")]
        keys += [(head_color(i), f"'{name}'", "╍") for i, name in enumerate(heads)]
        set_title(self.plot, "Loss", keys)

    def _add_heads(self, names: list[str]) -> None:
        """Curves for the Outputs not drawn yet (their colours follow the run's order)."""
        for name in names:
            if name in self.heads:
                continue
            color = head_color(len(self.heads))
            train = None if self.compact else curve(
                self.plot, color, f"loss of '{name}', train", width=1.2, alpha=200,
                style=Qt.PenStyle.DotLine)
            val = curve(self.plot, color, f"loss of '{name}', validation", width=1.4,
                        style=Qt.PenStyle.DashLine)
            self.heads[name] = (train, val)
        if self.compact:
            self._set_compact_title(list(self.heads))
        elif self.plot.legend is not None:  # rows of two: each Output's train and validation
            self.plot.legend.setColumnCount(2)

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live):
            return False
        x = live.batch_x.data
        raw = _positive(x, live.batch_loss.data, self.log)
        smooth = _positive(x, live.batch_smooth.data, self.log)
        if self.raw is not None:
            self.raw.setData(*raw)
        self.smooth.setData(*smooth)
        epochs = (id(live), live.versions["epochs"])
        if epochs != self._epochs_drawn:  # the epoch curves change once an epoch
            self._epochs_drawn = epochs
            self.train.setData(*_positive(*live.column("train_loss"), self.log))
            self.val.setData(*_positive(*live.column("val_loss"), self.log))
            heads = live.head_names()
            if any(name not in self.heads for name in heads):
                self._add_heads(heads)
            for name, (train, val) in self.heads.items():
                if train is not None:
                    train.setData(*_positive(*live.column(f"train_loss_{name}"), self.log))
                val.setData(*_positive(*live.column(f"val_loss_{name}"), self.log))
            if live.best_epoch and live.rows:
                self.best.setPos(live.best_epoch)
                self.best.show()
            else:
                self.best.hide()
        self._settle_on(live, raw if self.raw is not None else smooth)
        return True

    def _settle_on(self, live: LiveRun, raw: tuple[np.ndarray, np.ndarray]) -> None:
        """The view from the data's own bounds (cheaper than asking every item for its bounds)."""
        columns = ["train_loss", "val_loss"]
        for name, (train, _val) in self.heads.items():
            columns += [f"val_loss_{name}"] + ([f"train_loss_{name}"] if train is not None else [])
        ys = [raw[1]] + [_positive(*live.column(k), self.log)[1] for k in columns]
        ys = [y for y in ys if len(y)]
        if not ys or not len(raw[0]):
            return
        low = min(float(y.min()) for y in ys)
        high = max(float(y.max()) for y in ys)
        if self.log:
            low, high = np.log10(low), np.log10(high)
        x_end = max(float(raw[0][-1]), float(live.rows[-1]["epoch"]) if live.rows else 0.0)
        self.range.update(live.epochs or None, bounds=(0.0, x_end, low, high))


#: The metric plot's title when the run's rows hold no metric, only losses.
NO_METRIC = "No metric: the loss is this network's measure"


class MetricCurves(Versioned):
    """One metric per epoch: validation solid, training dashed.

    ``name=None`` follows the run's first metric (accuracy for classes, MAE for numbers).
    """

    parts = ("epochs",)

    def __init__(self, plot: pg.PlotItem, name: str | None = None, show_legend: bool = True,
                 compact: bool = False) -> None:
        super().__init__()
        self.plot = plot
        self.name = name
        self.compact = compact
        if show_legend and not compact:
            legend(plot, corner="bottom_right")
        colors = scheme()
        self.val = curve(plot, colors.validation, "validation", width=2.0, symbol="o")
        self.train = curve(plot, colors.train, "train", width=1.5, style=Qt.PenStyle.DashLine)
        self.range = SteadyRange(plot)
        self._titled = None

    def shown_metric(self, live: LiveRun) -> str | None:
        if self.name is not None:
            return self.name
        names = live.metric_names()
        return names[0] if names else None

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live):
            return False
        name = self.shown_metric(live)
        if name is None:
            self.val.setData([], [])
            self.train.setData([], [])
            # Rows without a metric (an autoencoder's, a VAE's): the empty plot says why.
            title = NO_METRIC if live.rows else "Metric"
            if title != self._titled:
                self._titled = title
                set_title(self.plot, title)
            return True
        if name != self._titled:
            self._titled = name
            colors = scheme()
            keys = [(colors.validation, "validation"), (colors.train, "train")] if self.compact else []
            set_title(self.plot, metric_title(name), keys)
        self.val.setData(*finite_xy(*live.column("val_" + name)))
        self.train.setData(*finite_xy(*live.column("train_" + name)))
        self.settle(live)
        return True


class LearningRateCurve(Versioned):
    parts = ("batches", "epochs")

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        self.line = curve(plot, scheme().color(4), "learning rate", width=1.8)
        plot.setLogMode(x=False, y=True)
        self.range = SteadyRange(plot)

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live):
            return False
        if len(live.lr):
            self.line.setData(live.lr_x.data, live.lr.data)
        else:
            self.line.setData(*live.column("learning_rate"))
        self.settle(live)
        return True
