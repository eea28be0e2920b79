"""A small horizontal bar chart of class counts, painted directly (no plotting library)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from designer.style import Colors

MAX_BARS = 12


class ClassBalanceChart(QWidget):
    """One bar per class with its name and count; more than :data:`MAX_BARS` are summed up."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.counts: list[int] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setToolTip("How many rows each class has: a very small class is hard to learn")

    def set_counts(self, names: list[str], counts: list[int]) -> None:
        pairs = list(zip(names, counts))
        if len(pairs) > MAX_BARS:
            pairs = sorted(pairs, key=lambda p: -p[1])
            rest = pairs[MAX_BARS - 1:]
            pairs = pairs[:MAX_BARS - 1] + [(f"{len(rest)} more classes", sum(c for _n, c in rest))]
        self.names = [str(n) for n, _c in pairs]
        self.counts = [int(c) for _n, c in pairs]
        self.updateGeometry()
        self.update()

    def bar_count(self) -> int:
        return len(self.counts)

    def sizeHint(self) -> QSize:
        return QSize(240, 8 + 20 * max(1, len(self.counts)))

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 8 + 20 * max(1, len(self.counts)))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self.counts:
            painter.setPen(QColor(Colors.text_dim))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no classes")
            return
        metrics = painter.fontMetrics()
        label_width = min(max(metrics.horizontalAdvance(n) for n in self.names) + 8, self.width() // 3)
        count_width = metrics.horizontalAdvance(f"{max(self.counts):,}") + 8
        bar_space = max(10, self.width() - label_width - count_width - 4)
        top = max(self.counts) or 1
        for row, (name, count) in enumerate(zip(self.names, self.counts)):
            y = 4 + row * 20
            painter.setPen(QColor(Colors.text))
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, label_width - 8)
            painter.drawText(QRectF(0, y, label_width - 4, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
            width = bar_space * count / top
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(Colors.selected))
            painter.drawRoundedRect(QRectF(label_width, y + 2, max(width, 1.5), 12), 2, 2)
            painter.setPen(QColor(Colors.text_dim))
            painter.drawText(QRectF(label_width + width + 4, y, count_width, 16),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{count:,}")
