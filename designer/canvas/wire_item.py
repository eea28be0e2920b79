"""Wires: smooth curves from an output port to an input port.

A wire shows the tensor shape it carries when the mouse is over it (a label on the
curve and the tooltip). It can be selected and deleted. ``DragWire`` is the loose
curve that follows the mouse while a person is connecting two ports.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from core.graph import Edge
from designer.canvas.node_item import HEIGHT, ShiftSelects
from designer.style import Colors, mono_font

BACK_LANE_GAP = 20.0


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A cubic curve leaving ``start`` to the right and entering ``end`` from the left.

    A wire that runs backwards (its target left of its source, as from the end of one
    band of the auto-layout to the start of the next) leaves to the right, runs back
    along the gap just above the target's card (or below both cards when the target
    is not lower), and enters the target from the left, never through the cards.
    """
    path = QPainterPath(start)
    dx = end.x() - start.x()
    if dx >= 30:
        bend = max(40.0, dx * 0.5)
        path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
        return path
    if end.y() > start.y() + HEIGHT:
        lane = end.y() - HEIGHT / 2 - BACK_LANE_GAP
    else:
        lane = max(start.y(), end.y()) + HEIGHT / 2 + BACK_LANE_GAP
    reach = 40.0
    path.cubicTo(QPointF(start.x() + reach * 1.5, start.y()), QPointF(start.x() + reach * 1.5, lane),
                 QPointF(start.x(), lane))
    path.lineTo(QPointF(end.x(), lane))
    path.cubicTo(QPointF(end.x() - reach * 1.5, lane), QPointF(end.x() - reach * 1.5, end.y()), end)
    return path


class WireItem(ShiftSelects, QGraphicsPathItem):
    """The drawing of ``edge``; ``describe`` gives its hover text (the shape it carries)."""

    def __init__(self, edge: Edge, source, target, describe: Callable[[Edge], str]) -> None:
        super().__init__()
        self.edge = edge
        self.source = source  # NodeItem
        self.target = target  # NodeItem
        self._describe = describe
        self._hover = False
        self._bounds = QRectF()  # kept by update_path: Qt asks for it in each repaint
        self._hit = QPainterPath()
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        self.update_path()

    def update_path(self) -> None:
        path = wire_path(self.source.output_anchor(), self.target.input_anchor(self.edge.target_port))
        stroker = QPainterPathStroker()
        stroker.setWidth(12.0)
        self._hit = stroker.createStroke(path)
        self.setPath(path)  # asks for the old bounds (to repaint there) before they change
        self._bounds = super().boundingRect().adjusted(-60, -16, 60, 16)  # room for the hover label

    def shape(self) -> QPainterPath:
        return self._hit

    def boundingRect(self) -> QRectF:
        return self._bounds

    @property
    def label(self) -> str:
        """The text shown on hover: the shape carried, e.g. ``16×5×5``."""
        return self._describe(self.edge)

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.setToolTip(f"{self.label}  ({self.edge.source} → {self.edge.target})")
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        active = self._hover or self.isSelected()
        color = QColor(Colors.selected if self.isSelected() else
                       Colors.wire_hover if self._hover else Colors.wire)
        painter.setPen(QPen(color, 3.0 if active else 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        if self._hover:
            self._paint_label(painter)

    def _paint_label(self, painter: QPainter) -> None:
        text = self.label
        painter.setFont(mono_font(8.5))
        metrics = QFontMetrics(painter.font())
        middle = self.path().pointAtPercent(0.5)
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 14, 18)
        box.moveCenter(middle)
        painter.setPen(QPen(QColor(Colors.card_border), 1.0))
        painter.setBrush(QColor(Colors.pill))
        painter.drawRoundedRect(box, 9, 9)
        painter.setPen(QColor(Colors.shape_text))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class DragWire(QGraphicsPathItem):
    """The wire under the mouse while connecting; not part of the graph."""

    def __init__(self, anchor: QPointF, from_output: bool) -> None:
        super().__init__()
        self.anchor = anchor
        self.from_output = from_output
        pen = QPen(QColor(Colors.selected), 2.0, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self.setZValue(5)
        self.follow(anchor)

    def follow(self, point: QPointF) -> None:
        if self.from_output:
            self.setPath(wire_path(self.anchor, point))
        else:
            self.setPath(wire_path(point, self.anchor))
