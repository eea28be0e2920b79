"""A small static plot of a function (activation or loss), painted with QPainter.

The curves are numpy arrays from ``core.curves`` (never torch on the GUI thread);
the widget draws axes with round tick values, the x = 0 and y = 0 lines, the curves
(dashed ones for slopes and comparisons) and a legend, in the theme's colours. It is
crisp at any device pixel ratio because it is drawn, not a picture.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.curves import Plot
from designer import theme
from designer.style import Colors, ui_font

MARGINS = (58, 12, 14, 34)  # left, top, right, bottom (room for tick labels and the axis labels)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values (1, 2 or 5 × 10^k apart) between ``low`` and ``high``."""
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks, value = [], first
    while value <= high + 1e-9 * step:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


class CurvePlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("curvePlot")
        self.plot: Plot | None = None
        self.x_range = (0.0, 1.0)
        self.y_range = (0.0, 1.0)
        self.setMinimumHeight(190)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(420, 210)

    def set_plot(self, plot: Plot | None) -> None:
        self.plot = plot
        self.setVisible(plot is not None)
        if plot is not None:
            xs = np.concatenate([c.x for c in plot.curves])
            ys = np.concatenate([c.y for c in plot.curves])
            ys = ys[np.isfinite(ys)]
            self.x_range = (float(xs.min()), float(xs.max()))
            low, high = float(ys.min()), float(ys.max())
            pad = 0.08 * max(high - low, 1e-6)
            self.y_range = (min(low - pad, 0.0) if low >= 0 else low - pad, high + pad)
        self.update()

    # ------------------------------------------------------------------ geometry
    def plot_rect(self) -> QRectF:
        left, top, right, bottom = MARGINS
        return QRectF(left, top, max(1, self.width() - left - right), max(1, self.height() - top - bottom))

    def to_pixel(self, x: float, y: float) -> QPointF:
        """Where the data point (x, y) is drawn, in widget coordinates."""
        rect = self.plot_rect()
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return QPointF(rect.left() + (x - x0) / (x1 - x0) * rect.width(),
                       rect.bottom() - (y - y0) / (y1 - y0) * rect.height())

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(Colors.panel))
        if self.plot is None:
            painter.end()
            return
        self._paint_axes(painter)
        colors = theme.current().plot["series"]
        rect = self.plot_rect()
        painter.save()
        painter.setClipRect(rect.adjusted(-1, -1, 1, 1))
        for index, curve in enumerate(self.plot.curves):
            path = QPainterPath()
            started = False
            for x, y in zip(curve.x, curve.y):
                if not math.isfinite(y):
                    started = False
                    continue
                point = self.to_pixel(float(x), float(y))
                if started:
                    path.lineTo(point)
                else:
                    path.moveTo(point)
                    started = True
            pen = QPen(QColor(colors[index % len(colors)]), 1.6 if curve.dashed else 2.4)
            if curve.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawPath(path)
        painter.restore()
        self._paint_legend(painter, colors)
        painter.end()

    def _paint_axes(self, painter: QPainter) -> None:
        rect = self.plot_rect()
        axis = QColor(theme.current().plot["axis"])
        grid = QColor(axis)
        grid.setAlphaF(0.22)
        painter.setFont(ui_font(7.5))
        metrics = QFontMetrics(painter.font())
        for value in nice_ticks(*self.x_range, count=6):
            x = self.to_pixel(value, 0).x()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            painter.setPen(axis)
            label = f"{value:g}"
            painter.drawText(QPointF(x - metrics.horizontalAdvance(label) / 2, rect.bottom() + 13), label)
        for value in nice_ticks(*self.y_range, count=4):
            y = self.to_pixel(0, value).y()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            painter.setPen(axis)
            label = f"{value:g}"
            painter.drawText(QPointF(rect.left() - 6 - metrics.horizontalAdvance(label), y + 4), label)
        painter.setPen(QPen(axis, 1.2))
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        if x0 <= 0 <= x1:
            x = self.to_pixel(0, 0).x()
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        if y0 <= 0 <= y1:
            y = self.to_pixel(0, 0).y()
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        painter.setPen(QColor(Colors.text_dim))
        painter.drawText(QRectF(rect.left(), rect.bottom() + 16, rect.width(), 16),
                         Qt.AlignmentFlag.AlignCenter, self.plot.x_label)
        painter.save()  # the y label, written upwards along the left edge
        painter.translate(12, rect.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-rect.height() / 2, -8, rect.height(), 16), Qt.AlignmentFlag.AlignCenter,
                         self.plot.y_label)
        painter.restore()

    def _paint_legend(self, painter: QPainter, colors: list[str]) -> None:
        rect = self.plot_rect()
        painter.setFont(ui_font(8.0))
        metrics = QFontMetrics(painter.font())
        width = max(metrics.horizontalAdvance(c.label) for c in self.plot.curves) + 40
        height = 18 * len(self.plot.curves) + 6
        box = self._legend_box(rect, width, height)
        background = QColor(Colors.panel)
        background.setAlpha(225)
        painter.setPen(QPen(QColor(theme.current().plot["legend_border"]), 1))
        painter.setBrush(background)
        painter.drawRoundedRect(box, 4, 4)
        for index, curve in enumerate(self.plot.curves):
            y = box.top() + 12 + 18 * index
            pen = QPen(QColor(colors[index % len(colors)]), 2.2)
            if curve.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(box.left() + 8, y), QPointF(box.left() + 28, y))
            painter.setPen(QColor(Colors.text))
            painter.drawText(QPointF(box.left() + 34, y + 4), curve.label)

    def _legend_box(self, rect: QRectF, width: float, height: float) -> QRectF:
        """The corner of the plot where the legend covers the fewest curve points."""
        corners = [QRectF(rect.left() + 8, rect.top() + 6, width, height),
                   QRectF(rect.right() - 8 - width, rect.top() + 6, width, height),
                   QRectF(rect.right() - 8 - width, rect.bottom() - 6 - height, width, height),
                   QRectF(rect.left() + 8, rect.bottom() - 6 - height, width, height)]
        points = [self.to_pixel(float(x), float(y)) for c in self.plot.curves
                  for x, y in zip(c.x[::4], c.y[::4]) if math.isfinite(y)]
        return min(corners, key=lambda box: sum(box.contains(p) for p in points))
