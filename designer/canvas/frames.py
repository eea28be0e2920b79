"""Frames around a GAN's two sub-networks on the canvas: "generator" and "discriminator".

A GAN's graph (:mod:`core.subnetworks`) holds two networks; a rounded rectangle behind the
cards of each, with its name in the corner, shows which layer belongs to which. The frames
are view state only: :class:`SubNetworkFrames` recomputes them from the graph and the cards'
positions whenever the scene asks (a card moved or dragged, a wire or node added or
removed, an Output's target changed). Graphs that are not GANs get no frames.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem

from core.graph import Graph
from core.heads import DISCRIMINATOR, GENERATOR
from core.subnetworks import subnetworks
from designer.canvas.node_item import HEIGHT, WIDTH

#: Space between the cards and their frame; the top has room for the name.
MARGIN, TOP = 18.0, 34.0
RADIUS = 14.0
#: Each sub-network's colour (readable on the dark and the light canvas).
COLORS = {GENERATOR: "#b48ead", DISCRIMINATOR: "#d08770"}


class FrameItem(QGraphicsItem):
    """One rounded rectangle with a name, drawn behind the cards; clicks pass through it."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role
        self.rect = QRectF()
        self.setZValue(-2)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        color = QColor(COLORS[role])
        self.label = QGraphicsSimpleTextItem(role, self)
        font = QFont()
        font.setPointSizeF(10.5)
        font.setBold(True)
        self.label.setFont(font)
        self.label.setBrush(QBrush(color))
        self.setToolTip(f"The {role}: the layers that feed the {role} Output")

    def set_rect(self, rect: QRectF) -> None:
        if rect == self.rect:
            return
        self.prepareGeometryChange()
        self.rect = QRectF(rect)
        self.label.setPos(rect.topLeft() + QPointF(RADIUS, 8.0))

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        color = QColor(COLORS[self.role])
        fill = QColor(color)
        fill.setAlpha(26)
        border = QColor(color)
        border.setAlpha(150)
        pen = QPen(border, 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(self.rect, RADIUS, RADIUS)


def frame_rect(positions: list[QPointF]) -> QRectF:
    """The rectangle around cards at ``positions`` (their top-left corners), with margins."""
    rect = QRectF()
    for pos in positions:
        rect = rect.united(QRectF(pos, pos + QPointF(WIDTH, HEIGHT)))
    return rect.adjusted(-MARGIN, -TOP, MARGIN, MARGIN)


class SubNetworkFrames:
    """Keeps a scene's frames in step with its graph and cards (see the module docstring)."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.frames: dict[str, FrameItem] = {}
        #: role -> node ids, recomputed from the graph by :meth:`refresh`.
        self.members: dict[str, list[str]] = {}

    def refresh(self, graph: Graph | None) -> None:
        """Work out which cards belong to which sub-network, then place the frames."""
        parts = subnetworks(graph) if graph is not None else None
        self.members = {}
        if parts is not None:
            for node_id in graph.nodes:
                role = parts.role_of(node_id)
                if role is not None:
                    self.members.setdefault(role, []).append(node_id)
        self.place()

    def place(self) -> None:
        """Fit each frame around its cards where they are now (also while they are dragged)."""
        for role in list(self.frames):
            if role not in self.members:
                self.scene.removeItem(self.frames.pop(role))
        for role, node_ids in self.members.items():
            items = [self.scene.nodes[n] for n in node_ids if n in self.scene.nodes]
            if not items:
                continue
            frame = self.frames.get(role)
            if frame is None:
                frame = self.frames[role] = FrameItem(role)
                self.scene.addItem(frame)
            frame.set_rect(frame_rect([item.pos() for item in items]))

    def clear(self) -> None:
        """Forget the frames (their items are gone with the scene's other items)."""
        self.frames, self.members = {}, {}
