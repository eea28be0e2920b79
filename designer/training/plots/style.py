"""How the training plots look: colours from the theme, and a plot with its axes set up.

Colours are read from ``designer.theme.current()`` when a plot is made; when the theme
changes, each plot canvas is re-coloured in place (``plots/recolor.py``: it knows the
scheme a canvas was drawn with, kept on the canvas by :func:`layout_widget`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from designer.training.plots.axis import ReadableAxis
from designer.training.plots.options import drop_options_menu

#: More distinct colours after the theme's own (layers, classes, runs), per theme.
EXTRA_SERIES = {True: ("#4dd0e1", "#f78fb3", "#a3be8c", "#e0a96d", "#8fa1ff", "#d4d4d4"),
                False: ("#00838f", "#ad1457", "#558b2f", "#8d6e63", "#3949ab", "#616161")}


@dataclass(frozen=True)
class Scheme:
    """The plot colours of the theme in use."""

    dark: bool
    background: str
    foreground: str
    axis: str
    grid_alpha: float
    legend: str
    legend_border: str
    text: str
    text_dim: str
    ok: str
    warning: str
    error: str
    series: tuple[str, ...]

    @property
    def train(self) -> str:
        return self.series[0]

    @property
    def validation(self) -> str:
        return self.series[1]

    @property
    def smooth(self) -> str:
        return self.foreground

    @property
    def highlight(self) -> str:  # a second line over a band (the mean)
        return self.series[5 % len(self.series)]

    def color(self, index: int) -> str:
        return self.series[index % len(self.series)]


def scheme() -> Scheme:
    from designer import theme

    current = theme.current()
    plot, colors = current.plot, current.colors
    return Scheme(current.is_dark, plot["background"], plot["foreground"], plot["axis"],
                  float(plot.get("grid_alpha", 0.2)), plot["legend"], plot["legend_border"],
                  colors["text"], colors["text_dim"], colors.get("ok", "#7bd88f"),
                  colors.get("warning", "#f5b942"), colors.get("error", "#ff5c5c"),
                  tuple(plot["series"]) + EXTRA_SERIES[current.is_dark])


def series_color(index: int) -> str:
    return scheme().color(index)


def qcolor(color: str, alpha: int = 255) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c


def pen(color: str, width: float = 1.5, alpha: int = 255, style=Qt.PenStyle.SolidLine):
    p = pg.mkPen(qcolor(color, alpha), width=width)
    p.setStyle(style)
    p.setCosmetic(True)
    return p


def layout_widget() -> pg.GraphicsLayoutWidget:
    """A plot canvas on the panel colour (several plots in a grid)."""
    colors = scheme()
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground(colors.background)
    widget.drawn_scheme = colors  # what recolor.recolor_layout re-colours from
    # curves change their bounds on every redraw: a spatial index would be rebuilt each time
    widget.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
    widget.ci.setContentsMargins(6, 6, 6, 6)
    widget.ci.setSpacing(8)
    return widget


def style_plot(plot: pg.PlotItem, title: str = "", x_label: str = "", y_label: str = "",
               grid: bool = True) -> pg.PlotItem:
    """Titles and axes in the theme's colours; peak downsampling and clipping for speed."""
    drop_options_menu(plot)  # its ~45 hidden widgets would be re-polished on every theme switch
    colors = scheme()
    if title:
        set_title(plot, title)
    font = QFont()
    font.setPointSizeF(8)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(colors.axis))
        axis.setTextPen(pg.mkPen(colors.axis))
        axis.setTickFont(font)
        # fewer labels on small plots (log axes otherwise label every minor tick)
        axis.setStyle(textFillLimits=[(0, 0.8), (2, 0.45), (4, 0.25), (6, 0.0)])
        # Repainting an axis replays every tick and grid line (it dominated the redraw
        # cost); cached, it is redrawn only when its range or size changes.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    if x_label:
        plot.setLabel("bottom", x_label, color=colors.axis, **{"font-size": "8pt"})
    if y_label:
        plot.setLabel("left", y_label, color=colors.axis, **{"font-size": "8pt"})
    if grid:
        plot.showGrid(x=True, y=True, alpha=colors.grid_alpha)
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.getAxis("left").setWidth(48)
    return plot


def add_plot(layout: pg.GraphicsLayoutWidget, row: int, col: int, title: str = "", x_label: str = "",
             y_label: str = "", rowspan: int = 1, colspan: int = 1) -> pg.PlotItem:
    # enableMenu=False: no context menus (style_plot turns them off anyway), and the
    # ViewBox does not build its menu of ~30 widgets only to drop it (a third of the cost
    # of making a plot, paid again on every theme switch)
    plot = layout.addPlot(row=row, col=col, rowspan=rowspan, colspan=colspan,
                          axisItems={"left": ReadableAxis("left")}, enableMenu=False)
    return style_plot(plot, title, x_label, y_label)


#: The font size of plot titles.
TITLE_SIZE = "9.5pt"
#: Where a legend sits: top right, bottom left (falling curves), bottom right (rising ones).
LEGEND_OFFSETS = {"top_right": (-8, 8), "bottom_left": (8, -8), "bottom_right": (-8, -8)}


def set_title(plot: pg.PlotItem, title: str, keys: list[tuple[str, ...]] = ()) -> None:
    """A plot's title, optionally followed by a legend in its own line: (colour, name) pairs,
    or (colour, name, mark) for a line drawn otherwise than solid (``╍`` dashed).

    Small plots use this instead of a legend box, which would cover their curves.
    """
    colors = scheme()
    text = title
    if keys:
        text += "&nbsp;&nbsp;" + "&nbsp;&nbsp;".join(
            f"<span style='color:{key[0]}'>{key[2] if len(key) > 2 else '━'}</span>&nbsp;"
            f"<span style='color:{colors.text_dim}'>{key[1]}</span>"
            for key in keys)
    label = plot.titleLabel
    if label.isVisible() and label.text == text and label.opts.get("color") == colors.text \
            and label.opts.get("size") == TITLE_SIZE:
        return  # unchanged: setting it again would lay the canvas out and repaint the title
    plot.setTitle(text, color=colors.text, size=TITLE_SIZE)


def legend(plot: pg.PlotItem, columns: int = 1, corner: str = "top_right") -> pg.LegendItem:
    colors = scheme()
    item = plot.addLegend(offset=LEGEND_OFFSETS[corner], labelTextColor=colors.text,
                          labelTextSize="8pt", colCount=columns)
    item.setBrush(pg.mkBrush(qcolor(colors.legend, 210)))
    item.setPen(pg.mkPen(qcolor(colors.legend_border)))
    return item


def curve(plot: pg.PlotItem, color: str, name: str | None = None, width: float = 1.5,
          alpha: int = 255, symbol: str | None = None, style=Qt.PenStyle.SolidLine) -> pg.PlotDataItem:
    """A curve made once; the views give it new data with ``setData``."""
    kwargs = {}
    if symbol:
        kwargs = dict(symbol=symbol, symbolSize=5, symbolBrush=qcolor(color, alpha),
                      symbolPen=pg.mkPen(None))
    item = pg.PlotDataItem(pen=pen(color, width, alpha, style), name=name, **kwargs)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    plot.addItem(item)
    return item


def finite_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop NaN/inf points (and, with a log axis, values that are not positive)."""
    keep = np.isfinite(y)
    return x[keep], y[keep]


def nice_ceil(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k that is at least ``value``."""
    if value <= 0 or not np.isfinite(value):
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value * (1 - 1e-9):
            return float(step * power)
    return float(10 * power)


#: The margin around the data when the y range is fitted anew, as a share of the data's span.
Y_MARGIN = 0.08
#: How far past the data the y range reaches on the side the data left it (share of the span).
Y_LEAD = 0.3


def steady_y_range(current: tuple[float, float] | None, y0: float, y1: float) -> tuple[float, float]:
    """The y range for data from ``y0`` to ``y1``, given the ``current`` one (or None).

    It stays while it holds the data and the data fills at least half of it. Otherwise it is
    fitted with a small margin (:data:`Y_MARGIN`), and on each side where the data went past
    the current range, a lead (:data:`Y_LEAD`): a loss that keeps falling moves the view every
    few redraws, not at each one (each move repaints the axes: 2.5-4 ms on the 2-core machine).
    """
    span = max(y1 - y0, abs(y1) * 1e-3, 1e-12)
    if current is not None:
        lo, hi = current
        if y0 >= lo and y1 <= hi and span >= 0.5 * (hi - lo):
            return current
    below = current is not None and y0 < current[0]
    above = current is not None and y1 > current[1]
    return (y0 - (Y_LEAD if below else Y_MARGIN) * span, y1 + (Y_LEAD if above else Y_MARGIN) * span)


class SteadyRange:
    """Keeps a plot's view still while its data grows, so its axes repaint rarely.

    Autoscaling moves the range on every new point, and every move repaints both axes
    with their ticks and grid (most of a redraw's cost). Here x grows in steps (1, 2, 5 ×
    10^k epochs, never past the run's end) and y as :func:`steady_y_range` says.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        plot.disableAutoRange()
        self.x: tuple[float, float] | None = None
        self.y: tuple[float, float] | None = None

    def reset(self) -> None:
        self.x = self.y = None

    def update(self, x_limit: float | None = None,
               bounds: tuple[float, float, float, float] | None = None) -> None:
        """Fit the data's ``bounds`` (x0, x1, y0, y1 in view units; default: the items' bounds)."""
        if bounds is None:
            found = self.plot.vb.childrenBounds()
            (x0, x1), (y0, y1) = found[0] or (None, None), found[1] or (None, None)
        else:
            x0, x1, y0, y1 = bounds
        if x0 is None or y0 is None or not all(np.isfinite(v) for v in (x0, x1, y0, y1)):
            return
        # items with symbols report bounds a few pixels wider than their data: a 1% tolerance
        slack = 0.01 * max(x1 - x0, 1.0)
        low = float(np.floor(x0 + slack))
        high = nice_ceil(max(x1, low + 1e-9) * 1.02)
        if x_limit:
            high = min(high, float(x_limit)) if x1 <= x_limit + slack else nice_ceil(x1)
        high = max(high, low + 1.0)
        if self.x != (low, high):
            self.x = (low, high)
            self.plot.setXRange(low, high, padding=0)
        y = steady_y_range(self.y, y0, y1)
        if y != self.y:
            self.y = y
            self.plot.setYRange(*y, padding=0)
