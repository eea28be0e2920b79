"""A small histogram of tokens per text with a line at ``max_length``; a click moves the line.

Painted directly (like :mod:`designer.data.class_chart`): a few dozen bars need no plotting
library. The bars come from :meth:`core.data.text_preview.TextPreview.histogram`; texts
right of the line are cut to ``max_length`` tokens in training, so their bars are drawn in
the warning colour.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from designer.style import Colors

_LEFT, _RIGHT, _TOP, _BOTTOM = 6, 6, 16, 16


class TextLengthChart(QWidget):
    """Bars of token counts per text and the ``max_length`` line; clicking sets the length."""

    length_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.histogram = None  # a core.data.text_preview.LengthHistogram
        self.max_length: int | None = None
        self.truncated_rate = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Tokens per text over the whole column. Texts right of the line are cut to"
                        " max length in training; click to move the line")

    def set_histogram(self, histogram) -> None:
        self.histogram = histogram
        self.update()

    def set_max_length(self, length: int | None, truncated_rate: float = 0.0) -> None:
        self.max_length, self.truncated_rate = length, truncated_rate
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(300, 96)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(180, 96)

    # ------------------------------------------------------------------ geometry
    def _span(self) -> int:
        return self.histogram.edges[-1] if self.histogram and len(self.histogram.edges) > 1 else 1

    def _plot(self) -> QRectF:
        return QRectF(_LEFT, _TOP, max(10, self.width() - _LEFT - _RIGHT),
                      max(10, self.height() - _TOP - _BOTTOM))

    def x_of(self, tokens: float) -> float:
        plot = self._plot()
        return plot.left() + plot.width() * min(max(tokens, 0.0), self._span()) / self._span()

    def line_x(self) -> float | None:
        """Where the ``max_length`` line is drawn (between the kept and the cut lengths)."""
        if self.histogram is None or self.max_length is None:
            return None
        return self.x_of(self.max_length + 1)

    def length_at(self, x: float) -> int:
        """The ``max_length`` a click at ``x`` chooses: texts left of it are kept whole."""
        plot = self._plot()
        tokens = (x - plot.left()) / plot.width() * self._span()
        return max(1, round(tokens) - 1)

    # ------------------------------------------------------------------ events
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self.histogram is not None and event.button() == Qt.MouseButton.LeftButton:
            self.length_clicked.emit(self.length_at(event.position().x()))
            event.accept()
            return
        super().mousePressEvent(event)

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        hist = self.histogram
        if hist is None or not hist.counts:
            painter.setPen(QColor(Colors.text_dim))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no lengths yet")
            return
        plot = self._plot()
        top = max(hist.counts) or 1
        limit = (self.max_length + 1) if self.max_length is not None else None
        painter.setPen(Qt.PenStyle.NoPen)
        for i, count in enumerate(hist.counts):
            left, right = self.x_of(hist.edges[i]), self.x_of(hist.edges[i + 1])
            height = plot.height() * count / top
            cut = limit is not None and hist.edges[i] >= limit
            painter.setBrush(QColor(Colors.warning if cut else Colors.selected))
            painter.drawRect(QRectF(left + 0.5, plot.bottom() - height, max(right - left - 1, 1), height))
        painter.setPen(QColor(Colors.text_dim))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        label_box = QRectF(plot.left(), plot.bottom() + 1, plot.width(), _BOTTOM - 1)
        painter.drawText(label_box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "0")
        end = f"{hist.edges[-1]}+ tokens" if hist.clipped else f"{hist.edges[-1]} tokens"
        painter.drawText(label_box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, end)
        x = self.line_x()
        if x is None:
            return
        painter.setPen(QPen(QColor(Colors.error), 2))
        painter.drawLine(QPointF(x, plot.top() - 2), QPointF(x, plot.bottom()))
        beyond = self.max_length + 1 > self._span()
        label = (f"max {self.max_length}{' →' if beyond else ''} ·"
                 f" {100 * self.truncated_rate:.1f}% cut")
        width = metrics.horizontalAdvance(label) + 6
        left = min(max(x - width / 2, 0), self.width() - width)
        painter.setPen(QColor(Colors.text))
        painter.drawText(QRectF(left, 0, width, _TOP - 1), Qt.AlignmentFlag.AlignCenter, label)
