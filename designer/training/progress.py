"""A light progress bar and text lines for the training panel: they repaint, never relayout.

``QProgressBar.setValue`` repaints at once (synchronously) whenever the bar would change,
and a style-sheet bar paints slowly: four updates a second of two bars cost more GUI
time than the plots. This one only calls ``update()``, so a new value, its text and the
labels beside it are painted together in the next paint pass.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class ProgressLine(QWidget):
    """A bar with its text inside; ``setRange``/``setValue``/``setFormat`` as on QProgressBar."""

    HEIGHT = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._minimum, self._maximum, self._value = 0, 1, 0
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    # the QProgressBar calls the panel uses
    def setRange(self, minimum: int, maximum: int) -> None:
        self._minimum, self._maximum = int(minimum), max(int(maximum), int(minimum))
        self.update()

    def setValue(self, value: int) -> None:
        value = min(max(int(value), self._minimum), self._maximum)
        if value != self._value:
            self._value = value
            self.update()

    def setFormat(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update()

    def value(self) -> int:
        return self._value

    def maximum(self) -> int:
        return self._maximum

    def text(self) -> str:
        return self._text

    def fraction(self) -> float:
        span = self._maximum - self._minimum
        return (self._value - self._minimum) / span if span > 0 else 0.0

    def sizeHint(self) -> QSize:
        return QSize(200, self.HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self.HEIGHT)

    def paintEvent(self, _event) -> None:
        from designer import theme

        colors = theme.current().sheet
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(QColor(colors["border"]), 1))
        painter.setBrush(QColor(colors["input"]))
        painter.drawRoundedRect(frame, 4, 4)
        width = (frame.width() - 2) * self.fraction()
        filled = QRectF(frame.left() + 1, frame.top() + 1, width, frame.height() - 2)
        if width > 0:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colors["accent"]))
            painter.drawRoundedRect(filled, 3, 3)
        font = painter.font()
        font.setPointSizeF(8)
        painter.setFont(font)
        # The text in the theme's text colour over the empty part and in the colour made for
        # the accent over the filled part (dark text on the light theme's blue was unreadable).
        for color, clip in ((colors["text"], QRectF(filled.right(), frame.top(), frame.width(), frame.height())),
                            (colors.get("on_accent", colors["text"]), filled)):
            if clip.width() > 0:
                painter.save()
                painter.setClipRect(clip)
                painter.setPen(QColor(color))
                painter.drawText(frame, Qt.AlignmentFlag.AlignCenter, self._text)
                painter.restore()
        painter.end()


class TextLine(QWidget):
    """One or more lines of text that change often (speed, latest metrics) without relayout.

    ``QLabel.setText`` asks every enclosing layout up to the main window to lay itself out
    again (and the main window animates its docks): four times a second that cost more
    than the plots. This widget has a fixed height and only repaints.
    """

    def __init__(self, lines: int = 1, role: str = "text_soft", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._lines = lines
        self._role = role
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 2)

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.setToolTip(text if text else "")
            self.update()

    def text(self) -> str:
        return self._text

    def sizeHint(self) -> QSize:
        return QSize(200, self.height())

    def paintEvent(self, _event) -> None:
        from designer import theme

        painter = QPainter(self)
        painter.setPen(QColor(theme.current().sheet.get(self._role, "#c7ceda")))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        if self._lines > 1:
            painter.drawText(QRectF(self.rect()), flags | Qt.TextFlag.TextWordWrap, self._text)
        else:
            text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, self.width())
            painter.drawText(QRectF(self.rect()), flags, text)
        painter.end()
