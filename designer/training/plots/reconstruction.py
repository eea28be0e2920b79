"""An autoencoder's tabs: what it rebuilds, its code space, and (a VAE's) what its decoder makes.

**Reconstructions** shows the ``reconstructions`` probe's latest snapshot
(:mod:`core.train.probes.reconstruction`): on images, fixed validation samples in one row and
their reconstructions in the row below; on tables, a bar per feature of its reconstruction
error. **Latent space** scatters the validation samples' codes in 2-D
(:mod:`core.train.probes.latent`), one colour per class. **VAE samples** shows a VAE's decoder
on fixed prior codes beside a walk over two code numbers (:mod:`core.train.probes.vae_samples`).
Each tab exists only while the run on show sent its snapshots.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from designer.training.live import LiveRun
from designer.training.plots.curves import Versioned
from designer.training.plots.images import class_colors, image_item
from designer.training.plots.style import add_plot, legend, pen, scheme, set_title
from designer.training.plots.views import PlotView

#: Qt's largest widget size (QWIDGETSIZE_MAX): no limit.
UNLIMITED = 16_777_215
#: Feature names on the error chart's axis: at most this many (every k-th when more).
MAX_FEATURE_TICKS = 30


def when(snapshot) -> str:
    """``epoch 3, batch 20`` or ``epoch 3 (end)``."""
    return f"epoch {snapshot.epoch}" + (f", batch {snapshot.batch}" if snapshot.batch else " (end)")


def latest(live: LiveRun, part: str):
    """The run's latest snapshot of ``part`` (None before one arrived)."""
    return getattr(live, part, None)


class GridImage(Versioned):
    """A uint8 grey or RGB picture from the latest snapshot of ``part`` (row 0 at the top)."""

    def __init__(self, plot: pg.PlotItem, part: str, grid_of, title_of) -> None:
        super().__init__()
        self.parts = (part,)
        self.plot, self.part = plot, part
        self.grid_of, self.title_of = grid_of, title_of
        self.image = image_item()
        plot.addItem(self.image)
        plot.invertY(True)
        plot.setAspectLocked(True)
        for axis in ("left", "bottom"):
            plot.hideAxis(axis)
        plot.showGrid(x=False, y=False)
        self.updates = 0  # pictures drawn (tests read it)

    def update(self, live: LiveRun) -> bool:
        snapshot = latest(live, self.part)
        if not self.stale(live) or snapshot is None:
            return False
        grid = self.grid_of(snapshot)
        if grid is None:
            return False
        grid = np.asarray(grid)
        if grid.ndim == 2:
            grid = np.repeat(grid[..., None], 3, axis=2)
        self.image.setImage(np.ascontiguousarray(grid), autoLevels=False, levels=(0, 255))
        self.plot.setRange(xRange=(0, grid.shape[1]), yRange=(0, grid.shape[0]), padding=0.02)
        set_title(self.plot, self.title_of(snapshot))
        self.updates += 1
        return True


class FeatureErrors(Versioned):
    """Horizontal bars: each table feature's reconstruction error, the first feature on top."""

    parts = ("reconstructions",)

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        color = scheme().color(0)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush=pg.mkBrush(color),
                                    pen=pen(color, 1.0))
        plot.addItem(self.bars)
        plot.invertY(True)
        plot.setLabel("bottom", "mean squared error (scaled units)")
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        plot.getAxis("left").setWidth(None)
        self.heights = np.zeros(0, np.float32)  # the errors drawn (tests read them)
        self.names: list[str] = []

    def update(self, live: LiveRun) -> bool:
        snapshot = latest(live, "reconstructions")
        if not self.stale(live) or snapshot is None or snapshot.is_image:
            return False
        errors = np.nan_to_num(np.asarray(snapshot.feature_errors, np.float64))
        names = list(snapshot.feature_names)
        rows = np.arange(len(errors))
        self.bars.setOpts(x0=np.zeros(len(errors)), y=rows, width=errors, height=0.7)
        if names != self.names:
            every = max(1, -(-len(names) // MAX_FEATURE_TICKS))
            self.plot.getAxis("left").setTicks([[(i, name) for i, name in enumerate(names) if i % every == 0]])
            self.names = names
        self.plot.setRange(xRange=(0, float(errors.max()) * 1.05 if len(errors) and errors.max() > 0 else 1.0),
                           yRange=(-0.6, len(errors) - 0.4), padding=0)
        set_title(self.plot, f"Reconstruction error per feature, {snapshot.rows} validation rows · "
                             f"{when(snapshot)} · mean {snapshot.error:.3g}")
        self.heights = errors.astype(np.float32)
        return True


class ReconstructionsView(PlotView):
    """Inputs over their reconstructions (images), or the error per feature (tables)."""

    title = "Reconstructions"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lw = self.layout_widget
        self.pairs_plot = add_plot(lw, 0, 0, "")
        self.pairs = GridImage(self.pairs_plot, "reconstructions", self._grid, self._pairs_title)
        self.errors_plot = add_plot(lw, 1, 0, "")
        self.errors = FeatureErrors(self.errors_plot)
        self.sets = [self.pairs, self.errors]
        self._is_image: bool | None = None

    @staticmethod
    def _grid(snapshot):
        return snapshot.grid if snapshot.is_image else None

    @staticmethod
    def _pairs_title(snapshot) -> str:
        return f"Validation samples above their reconstructions · {when(snapshot)} · error {snapshot.error:.3g}"

    @staticmethod
    def shown(live: LiveRun) -> bool:
        return latest(live, "reconstructions") is not None

    def update_from(self, live: LiveRun) -> bool:
        snapshot = latest(live, "reconstructions")
        if snapshot is not None and snapshot.is_image != self._is_image:
            self._is_image = snapshot.is_image  # one of the two plots, full size
            for plot, shown in ((self.pairs_plot, snapshot.is_image), (self.errors_plot, not snapshot.is_image)):
                plot.setVisible(shown)
                plot.setMaximumHeight(UNLIMITED if shown else 0)  # a hidden plot keeps no room
            layout = self.layout_widget.ci.layout
            layout.setRowStretchFactor(0, 1 if snapshot.is_image else 0)
            layout.setRowStretchFactor(1, 0 if snapshot.is_image else 1)
        return super().update_from(live)

    def reset(self) -> None:
        super().reset()
        self._is_image = None


class LatentScatter(Versioned):
    """The validation samples' codes, one colour per class (a legend names them)."""

    parts = ("latent_space",)

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        self.legend = legend(plot)
        self.groups: list[pg.ScatterPlotItem] = []
        self._labels_id = None
        self.points = np.zeros((0, 2), np.float32)  # drawn (tests read them)

    def reset(self) -> None:
        super().reset()
        self._clear()

    def _clear(self) -> None:
        for item in self.groups:
            self.plot.removeItem(item)
            self.legend.removeItem(item)
        self.groups = []
        self._labels_id = None

    def _make_groups(self, snapshot) -> None:
        """One scatter item per class (one for all without classes), made once per run."""
        self._clear()
        edge = pg.mkPen(scheme().background, width=0.6)
        if snapshot.labels is None:
            self.groups = [pg.ScatterPlotItem(size=6, pen=edge, brush=pg.mkBrush(scheme().color(0)))]
            self.plot.addItem(self.groups[0])
        else:
            names = list(snapshot.class_names)
            count = max(len(names), int(snapshot.labels.max()) + 1 if len(snapshot.labels) else 1)
            colors = class_colors(count)
            for k in range(count):
                item = pg.ScatterPlotItem(size=6, pen=edge, brush=pg.mkBrush(*colors[k].astype(int), 220),
                                          name=names[k] if k < len(names) else f"class {k}")
                self.plot.addItem(item)
                self.groups.append(item)
        self._labels_id = id(snapshot.labels)
        self.legend.setVisible(snapshot.labels is not None)  # no empty box without classes

    def update(self, live: LiveRun) -> bool:
        snapshot = latest(live, "latent_space")
        if not self.stale(live) or snapshot is None:
            return False
        if self._labels_id != id(snapshot.labels) or not self.groups:
            self._make_groups(snapshot)
        points = np.asarray(snapshot.points, np.float32)
        if snapshot.labels is None:
            self.groups[0].setData(x=points[:, 0], y=points[:, 1])
        else:
            for k, item in enumerate(self.groups):
                mine = snapshot.labels == k
                item.setData(x=points[mine, 0], y=points[mine, 1])
        if snapshot.projected:  # the axes say it: principal components
            shares = snapshot.explained if snapshot.explained is not None else np.zeros(2)
            x_label, y_label = (f"principal component {a + 1} ({shares[a]:.0%} of the variance)" for a in (0, 1))
        else:
            x_label, y_label = "code 1", "code 2"
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        source = "mean of " if snapshot.variational else ""
        set_title(self.plot, f"Validation codes ({source}{snapshot.code_id}, {snapshot.code_size} numbers)"
                             f" · {when(snapshot)}")
        self.points = points
        return True


class LatentSpaceView(PlotView):
    """The validation set in the autoencoder's code space."""

    title = "Latent space"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scatter = LatentScatter(add_plot(self.layout_widget, 0, 0, ""))
        self.sets = [self.scatter]

    @staticmethod
    def shown(live: LiveRun) -> bool:
        return latest(live, "latent_space") is not None


class VaeSamplesView(PlotView):
    """A VAE's decoder on fixed prior codes, beside its walk over two code numbers."""

    title = "VAE samples"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lw = self.layout_widget
        self.prior = GridImage(add_plot(lw, 0, 0, ""), "vae_samples", lambda s: s.prior_grid,
                               lambda s: f"Codes from N(0, I) · {when(s)}")
        self.walk = GridImage(add_plot(lw, 0, 1, ""), "vae_samples",
                              lambda s: s.walk_grid if s.walk_steps else None, self._walk_title)
        self.sets = [self.prior, self.walk]

    @staticmethod
    def _walk_title(snapshot) -> str:
        a, b = (d + 1 for d in snapshot.walk_dims)
        return f"Latent walk ±{snapshot.walk_span:g}: code {a} across, {b} down"

    @staticmethod
    def shown(live: LiveRun) -> bool:
        return latest(live, "vae_samples") is not None
