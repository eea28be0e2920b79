"""A GAN's tabs: what its generator makes, and how its discriminator judges.

**Samples** shows the latest grid of the ``gan_samples`` probe (the generator on the same
noise every few batches, :mod:`core.train.probes.gan_samples`) beside the diversity of the
generated samples per epoch (falling towards 0: mode collapse). **Discriminator** draws
D(x) and D(G(z)), the discriminator's mean probability of "real" on real and on generated
batches, from the run's ``d_real``/``d_fake`` columns: near 0.5 both when the two networks
are matched; D(G(z)) near 0 for long means the discriminator wins. Both tabs exist only
while the run on show is a GAN's.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from designer.training.live import LiveRun
from designer.training.plots.curves import Versioned
from designer.training.plots.images import image_item
from designer.training.plots.style import add_plot, curve, finite_xy, legend, pen, scheme, set_title
from designer.training.plots.views import PlotView


def is_gan_run(live: LiveRun) -> bool:
    """Whether the run on show is a GAN's: its rows have D(G(z)), or its generator sent samples."""
    if getattr(live, "gan_samples", None) is not None:
        return True
    first = live.rows[0] if live.rows else {}
    return "train_d_fake" in first or "val_d_fake" in first


class ColumnCurves(Versioned):
    """Per-epoch curves of metrics.csv columns: ``(column, colour, name, dashed)`` each."""

    parts = ("epochs",)

    def __init__(self, plot: pg.PlotItem, columns: list[tuple[str, str, str, bool]]) -> None:
        super().__init__()
        self.plot = plot
        self.columns = [name for name, _color, _label, _dashed in columns]
        self.curves = [curve(plot, color, label, width=2.0, symbol="o",
                             style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
                       for _name, color, label, dashed in columns]

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live):
            return False
        for name, item in zip(self.columns, self.curves):
            x, y = live.column(name)
            item.setData(*finite_xy(x, y))
        return True


class SampleGrid(Versioned):
    """The latest grid of generated samples, drawn as an image (row 0 at the top)."""

    parts = ("gan_samples",)

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        self.image = image_item()
        plot.addItem(self.image)
        plot.invertY(True)
        plot.setAspectLocked(True)
        for axis in ("left", "bottom"):
            plot.hideAxis(axis)
        plot.showGrid(x=False, y=False)
        self.updates = 0  # snapshots drawn (tests read it)

    def update(self, live: LiveRun) -> bool:
        snapshot = getattr(live, "gan_samples", None)
        if not self.stale(live) or snapshot is None:
            return False
        grid = np.asarray(snapshot.grid)
        if grid.ndim == 2:
            grid = np.repeat(grid[..., None], 3, axis=2)
        self.image.setImage(np.ascontiguousarray(grid), autoLevels=False, levels=(0, 255))
        self.plot.setRange(xRange=(0, grid.shape[1]), yRange=(0, grid.shape[0]), padding=0.02)
        when = f"epoch {snapshot.epoch}" + (f", batch {snapshot.batch}" if snapshot.batch else " (end)")
        set_title(self.plot, f"Generated from the same noise: {when}")
        self.updates += 1
        return True


class GanSamplesView(PlotView):
    """The generator's pictures as it trains, and their diversity per epoch."""

    title = "Samples"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lw = self.layout_widget
        colors = scheme()
        self.grid = SampleGrid(add_plot(lw, 0, 0, "Generated from the same noise"))
        plot = add_plot(lw, 0, 1, "", "epoch")
        set_title(plot, "Diversity of the samples", [(colors.train, "train"), (colors.validation, "validation")])
        self.diversity = ColumnCurves(plot, [("train_diversity", colors.train, "train", False),
                                             ("val_diversity", colors.validation, "validation", False)])
        lw.ci.layout.setColumnStretchFactor(0, 3)
        lw.ci.layout.setColumnStretchFactor(1, 2)
        self.sets = [self.grid, self.diversity]

    @staticmethod
    def shown(live: LiveRun) -> bool:
        return is_gan_run(live)


class DiscriminatorView(PlotView):
    """D(x) and D(G(z)) per epoch, on a 0-1 axis with 0.5 (a coin toss) marked."""

    title = "Discriminator"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        colors = scheme()
        plot = add_plot(self.layout_widget, 0, 0, "", "epoch", "mean probability of 'real'")
        set_title(plot, "What the discriminator says: D(x) on real batches, D(G(z)) on generated ones")
        legend(plot, columns=2, corner="top_right")
        real, fake = colors.color(2), colors.color(3)
        self.curves = ColumnCurves(plot, [("train_d_real", real, "D(x) train", False),
                                          ("val_d_real", real, "D(x) validation", True),
                                          ("train_d_fake", fake, "D(G(z)) train", False),
                                          ("val_d_fake", fake, "D(G(z)) validation", True)])
        plot.addItem(pg.InfiniteLine(0.5, angle=0, pen=pen(colors.text_dim, 1.0, 160, Qt.PenStyle.DotLine)))
        plot.setYRange(0.0, 1.0, padding=0.02)
        plot.enableAutoRange(axis="y", enable=False)
        self.plot = plot
        self.sets = [self.curves]

    @staticmethod
    def shown(live: LiveRun) -> bool:
        return is_gan_run(live)
