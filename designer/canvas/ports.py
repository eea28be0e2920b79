"""The little circles on a node card: inputs on the left, the output on the right.

Pressing on a port and dragging draws a loose wire; releasing it on a port (or on a
node card) of the other kind asks the editor to connect the two. The port only
starts the gesture; :class:`~designer.canvas.scene.GraphScene` finishes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent

from designer.style import Colors

if TYPE_CHECKING:  # pragma: no cover
    from designer.canvas.node_item import NodeItem

RADIUS = 5.5
HIT_RADIUS = 9.0
#: A port's bounds, made once: Qt asks for them of every item in each repaint of the canvas.
_BOUNDS = QRectF(-HIT_RADIUS, -HIT_RADIUS, 2 * HIT_RADIUS, 2 * HIT_RADIUS)


class PortItem(QGraphicsItem):
    """An input (``is_input``) or the output of a node.

    ``port`` is the input number a wire into this port uses (``None`` for the free
    slot of a node that takes any number of inputs, and for the output).
    """

    def __init__(self, node: "NodeItem", is_input: bool, port: int | None, connected: bool) -> None:
        super().__init__(node)
        self.node = node
        self.is_input = is_input
        self.port = port
        self.connected = connected
        self._hover = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        self.setToolTip(self._tooltip())

    @property
    def node_id(self) -> str:
        return self.node.node_id

    def _tooltip(self) -> str:
        if not self.is_input:
            return "Output: drag from here to an input to connect"
        if self.port is None:
            return "Free input: drag a wire here to add an input"
        if self.node.multi_input or self.node.fixed_ports:
            return f"Input {self.port}" + ("" if self.connected else ": drag a wire here to connect it")
        return "Input: drag from here to an output to connect"

    def boundingRect(self) -> QRectF:
        return _BOUNDS

    def paint(self, painter, option, widget=None) -> None:
        r = RADIUS + (1.5 if self._hover else 0.0)
        fill = QColor(Colors.port if self.connected else Colors.canvas)
        if self._hover:
            fill = QColor(Colors.selected)
        painter.setPen(QPen(QColor(Colors.port if self.connected or self._hover else Colors.port_free), 1.6))
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(QRectF(-r, -r, 2 * r, 2 * r))

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        self.scene().begin_wire_drag(self, event.scenePos())

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.scene().update_wire_drag(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.scene().end_wire_drag(event.scenePos())
