"""The label under a node's card that shows the current step's numbers on the canvas.

A :class:`StepBubble` is a scene item the Step Through panel owns: it is not part of the
graph (nothing is saved, nothing is undone), sits above the cards, and points up at the
card of the node the step is about, coloured by the step's phase (forward, loss,
backward, update).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from designer.canvas.node_item import HEIGHT, WIDTH
from designer.style import mono_font, ui_font

#: The colour of each phase of a step (``core.stepthrough`` phases).
PHASE_COLORS = {"sample": "#5fb3ff", "forward": "#5fb3ff", "loss": "#f5b942", "backward": "#c792ea",
                "update": "#7fd88f", "result": "#7fd88f"}
PHASE_WORDS = {"sample": "sample", "forward": "forward", "loss": "loss", "backward": "backward",
               "update": "update", "result": "after the step"}
PAD, ARROW, GAP = 7.0, 7.0, 6.0


class StepBubble(QGraphicsItem):
    """A rounded label with a small arrow pointing up at a card: the phase, then the numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(1000)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.phase, self.text = "forward", ""
        self._size = QRectF()
        self._title_font, self._font = ui_font(7.5, bold=True), mono_font(8.5)

    def show_step(self, card_pos: QPointF, phase: str, text: str) -> None:
        """Point at the card whose top-left corner is ``card_pos``, with ``text``."""
        self.prepareGeometryChange()
        self.phase, self.text = phase, text
        title = QFontMetricsF(self._title_font)
        body = QFontMetricsF(self._font)
        width = max(title.horizontalAdvance(self.title), body.horizontalAdvance(text)) + 2 * PAD
        height = title.height() + body.height() + 2 * PAD
        self._size = QRectF(0, 0, max(width, 60.0), height)
        self.setPos(card_pos.x() + WIDTH / 2 - self._size.width() / 2, card_pos.y() + HEIGHT + GAP + ARROW)
        self.update()

    @property
    def title(self) -> str:
        return PHASE_WORDS.get(self.phase, self.phase).upper()

    def boundingRect(self) -> QRectF:
        return self._size.adjusted(-1, -ARROW - 1, 1, 1)

    def paint(self, painter: QPainter, _option, _widget=None) -> None:
        color = QColor(PHASE_COLORS.get(self.phase, "#5fb3ff"))
        rect = self._size
        path = QPainterPath()
        path.addRoundedRect(rect, 6, 6)
        arrow = QPainterPath()
        middle = rect.center().x()
        arrow.moveTo(middle - ARROW, rect.top() + 0.5)
        arrow.lineTo(middle, rect.top() - ARROW)
        arrow.lineTo(middle + ARROW, rect.top() + 0.5)
        arrow.closeSubpath()
        path = path.united(arrow)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(color, 1.5))
        painter.setBrush(QBrush(QColor(20, 23, 28, 235)))
        painter.drawPath(path)
        title = QFontMetricsF(self._title_font)
        painter.setFont(self._title_font)
        painter.setPen(color)
        painter.drawText(QRectF(rect.left() + PAD, rect.top() + PAD - 1, rect.width() - 2 * PAD, title.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        painter.setFont(self._font)
        painter.setPen(QColor("#e6e9ef"))
        painter.drawText(QRectF(rect.left() + PAD, rect.top() + PAD + title.height(), rect.width() - 2 * PAD,
                                rect.height() - 2 * PAD - title.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.text)
