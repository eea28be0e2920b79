"""Re-colouring plots in place when the theme changes (their data and state stay).

Every colour a plot was given came from a role of the :class:`Scheme` in use (``train``,
``axis``, ``legend``, ...). A colour of the old scheme becomes the same role's colour in
the new one; alpha, width and dash stay. Two roles can share a colour in one theme and
not in the other (light: ``axis`` and ``text_dim``, ``background`` and ``legend``), so each
kind of item says which roles its parts can have: an axis is drawn in ``axis``, a legend's
box in ``legend``/``legend_border``; curves, markers, bars, fills, lines and their labels
in the data roles (:data:`DATA_ROLES`). A colour of no role (fixed colours such as the
confusion matrix's black and white counts) stays; an item with ``fixed_colors = True``
is left alone.

Images mixed from theme colours (the decision boundary over the background) cannot be
re-coloured: their owners redraw them from the data (``theme_drawn`` in ``plots/__init__``).

:func:`recolor_layout` re-colours one plot canvas; the canvas remembers the scheme it
was drawn with (``style.layout_widget``), so calling it twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QAbstractGraphicsShapeItem, QListWidget, QTableWidget, QWidget

from designer.training.plots.style import Scheme, scheme

#: The roles curves, markers, bars, fills and lines are drawn in (earlier roles win a tie).
DATA_ROLES = ("series", "foreground", "text", "text_dim", "ok", "warning", "error", "background")
#: An axis is ours (``axis``) or pyqtgraph's default made explicit (a colour bar's: ``foreground``).
AXIS_ROLES = ("axis", "foreground")
#: The attribute, on a layout widget, holding the :class:`Scheme` it was drawn with.
SCHEME_ATTR = "drawn_scheme"
_HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def role_colors(colors: Scheme, role: str) -> tuple[str, ...]:
    """The colours of ``role`` in ``colors`` (``series`` has many, the others one)."""
    value = getattr(colors, role)
    return tuple(value) if isinstance(value, tuple) else (value,)


class Recolor:
    """Maps the colours of the ``old`` scheme's roles to the ``new`` scheme's."""

    def __init__(self, old: Scheme, new: Scheme) -> None:
        self.old, self.new = old, new
        self._tables: dict[tuple[str, ...], dict[str, str]] = {}

    def table(self, roles: tuple[str, ...]) -> dict[str, str]:
        """``{old colour: new colour}`` for ``roles`` (lower-case ``#rrggbb``)."""
        if roles not in self._tables:
            table: dict[str, str] = {}
            for role in roles:
                for old, new in zip(role_colors(self.old, role), role_colors(self.new, role)):
                    table.setdefault(old.lower(), new.lower())
            self._tables[roles] = table
        return self._tables[roles]

    def color(self, color: QColor, roles: tuple[str, ...] = DATA_ROLES) -> QColor:
        new = self.table(roles).get(color.name())
        if new is None:
            return QColor(color)
        result = QColor(new)
        result.setAlpha(color.alpha())
        return result

    def pen(self, pen: QPen | None, roles: tuple[str, ...] = DATA_ROLES) -> QPen | None:
        if pen is None:
            return None
        result = QPen(pen)
        result.setColor(self.color(pen.color(), roles))
        return result

    def brush(self, brush: QBrush | None, roles: tuple[str, ...] = DATA_ROLES) -> QBrush | None:
        if brush is None:
            return None
        result = QBrush(brush)
        result.setColor(self.color(brush.color(), roles))
        return result

    def html(self, text: str, roles: tuple[str, ...] = DATA_ROLES) -> str:
        """``text`` with every ``#rrggbb`` of a role replaced (rich-text titles)."""
        table = self.table(roles)
        return _HEX.sub(lambda m: table.get(m.group(0).lower(), m.group(0)), text)


# ---------------------------------------------------------------- one function per kind of item
def _label(label: pg.LabelItem, recolor: Recolor, base_roles: tuple[str, ...]) -> None:
    """A LabelItem (a plot's title, a legend's entry): its colour and the colours in its HTML."""
    color = label.opts.get("color")
    if not label.text or color is None:
        return
    new = recolor.color(pg.mkColor(color), base_roles)
    label.setText(recolor.html(label.text), color=new.name())


def _plot(plot: pg.PlotItem, recolor: Recolor) -> None:
    """Title and grid (the grid's alpha is the theme's)."""
    _label(plot.titleLabel, recolor, ("text",))
    grid = {name: plot.getAxis(name).grid is not False for name in ("bottom", "left")}
    if any(grid.values()) and recolor.old.grid_alpha != recolor.new.grid_alpha:
        plot.showGrid(x=grid["bottom"], y=grid["left"], alpha=recolor.new.grid_alpha)


def _axis(axis: pg.AxisItem, recolor: Recolor) -> None:
    """Line, tick labels and title of an axis (one that was given colours; default ones
    follow pyqtgraph's foreground option, which ``theme.apply`` sets)."""
    if axis._pen is not None:  # noqa: SLF001 - pyqtgraph keeps "no pen set" only here
        axis.setPen(recolor.pen(axis.pen(), AXIS_ROLES))  # also the axis title's colour
    if axis._textPen is not None:  # noqa: SLF001
        axis.setTextPen(recolor.pen(axis.textPen(), AXIS_ROLES))


def _legend(legend: pg.LegendItem, recolor: Recolor) -> None:
    legend.setBrush(recolor.brush(legend.brush(), ("legend",)))
    legend.setPen(recolor.pen(legend.pen(), ("legend_border",)))
    legend.opts["labelTextColor"] = recolor.color(pg.mkColor(legend.labelTextColor()), ("text",))
    for _sample, label in legend.items:
        _label(label, recolor, ("text",))


def _data_item(item: pg.PlotDataItem, recolor: Recolor) -> None:
    """A curve with optional markers and fill (it passes them on to its own curve and scatter)."""
    opts = item.opts
    if opts.get("pen") is not None:
        item.setPen(recolor.pen(pg.mkPen(opts["pen"])))
    if opts.get("shadowPen") is not None:
        item.setShadowPen(recolor.pen(pg.mkPen(opts["shadowPen"])))
    if opts.get("fillBrush") is not None:
        item.setFillBrush(recolor.brush(pg.mkBrush(opts["fillBrush"])))
    if opts.get("symbol") is not None:
        if opts.get("symbolPen") is not None:
            item.setSymbolPen(recolor.pen(pg.mkPen(opts["symbolPen"])))
        if opts.get("symbolBrush") is not None:
            item.setSymbolBrush(recolor.brush(pg.mkBrush(opts["symbolBrush"])))


def _curve(item: pg.PlotCurveItem, recolor: Recolor) -> None:
    opts = item.opts
    item.setPen(recolor.pen(pg.mkPen(opts["pen"])))
    if opts.get("shadowPen") is not None:
        item.setShadowPen(recolor.pen(pg.mkPen(opts["shadowPen"])))
    if opts.get("brush") is not None:
        item.setBrush(recolor.brush(pg.mkBrush(opts["brush"])))


def _scatter(item: pg.ScatterPlotItem, recolor: Recolor) -> None:
    """Default pen and brush, per-point ones (class colours), and the hover colours."""
    opts, data = item.opts, item.data
    item.setPen(recolor.pen(pg.mkPen(opts["pen"])), update=False)
    item.setBrush(recolor.brush(pg.mkBrush(opts["brush"])), update=False)
    if len(data) and any(p is not None for p in data["pen"]):
        item.setPen([None if p is None else recolor.pen(p) for p in data["pen"]], update=False)
    if len(data) and any(b is not None for b in data["brush"]):
        item.setBrush([None if b is None else recolor.brush(b) for b in data["brush"]], update=False)
    for key, convert in (("hoverPen", recolor.pen), ("hoverBrush", recolor.brush)):
        value = opts.get(key)
        if isinstance(value, (QPen, QBrush)):
            opts[key] = convert(value)
    item.updateSpots(data)


def _bars(item: pg.BarGraphItem, recolor: Recolor) -> None:
    opts = item.opts
    change = {"pen": recolor.pen(pg.mkPen(opts["pen"])), "brush": recolor.brush(pg.mkBrush(opts["brush"]))}
    if opts.get("pens") is not None:
        change["pens"] = [recolor.pen(pg.mkPen(p)) for p in opts["pens"]]
    if opts.get("brushes") is not None:
        change["brushes"] = [recolor.brush(pg.mkBrush(b)) for b in opts["brushes"]]
    item.setOpts(**change)


def _line(item: pg.InfiniteLine, recolor: Recolor) -> None:
    """An infinite line (its label is a TextItem, re-coloured as one)."""
    item.setPen(recolor.pen(item.pen))


def _text(item: pg.TextItem, recolor: Recolor) -> None:
    item.setColor(recolor.color(item.color))


def _shape(item: QAbstractGraphicsShapeItem, recolor: Recolor) -> None:
    """Plain Qt shapes: fills between curves, the marked confusion-matrix cell."""
    item.setPen(recolor.pen(item.pen()))
    item.setBrush(recolor.brush(item.brush()))


#: (kind, re-colouring), subclasses before their base classes (InfLineLabel is a TextItem,
#: ColorBarItem a PlotItem, FillBetweenItem a QGraphicsPathItem).
KINDS = ((pg.PlotItem, _plot), (pg.AxisItem, _axis), (pg.LegendItem, _legend),
         (pg.PlotDataItem, _data_item), (pg.PlotCurveItem, _curve), (pg.ScatterPlotItem, _scatter),
         (pg.BarGraphItem, _bars), (pg.InfiniteLine, _line), (pg.TextItem, _text),
         (QAbstractGraphicsShapeItem, _shape))


def recolor_item(item, recolor: Recolor) -> None:
    """Re-colour one graphics item by its kind (not a PlotDataItem's own curve and markers:
    the PlotDataItem sets those)."""
    if getattr(item, "fixed_colors", False) or isinstance(item.parentItem(), pg.PlotDataItem):
        return
    for kind, function in KINDS:
        if isinstance(item, kind):
            function(item, recolor)
            return


def recolor_layout(widget: pg.GraphicsLayoutWidget, new: Scheme | None = None) -> bool:
    """Re-colour a plot canvas from the scheme it was drawn with to ``new`` (default: the
    theme's); False when it already has those colours."""
    new = new or scheme()
    old = getattr(widget, SCHEME_ATTR, None)
    if old is None or old == new:
        return False
    recolor = Recolor(old, new)
    widget.setBackground(new.background)
    for item in widget.scene().items():
        recolor_item(item, recolor)
    setattr(widget, SCHEME_ATTR, new)
    return True


def recolor_item_views(views: Iterable[QWidget], old: Scheme, new: Scheme) -> None:
    """Text colours given to the items of tables and lists (right/wrong predictions)."""
    recolor = Recolor(old, new)
    for view in views:
        if isinstance(view, QTableWidget):
            items = (view.item(r, c) for r in range(view.rowCount()) for c in range(view.columnCount()))
        elif isinstance(view, QListWidget):
            items = (view.item(r) for r in range(view.count()))
        else:
            continue
        for item in items:
            if item is not None and item.foreground().style() != Qt.BrushStyle.NoBrush:  # set by us
                item.setForeground(recolor.brush(item.foreground()))
