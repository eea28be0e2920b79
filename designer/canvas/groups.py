"""Groups of layers on the canvas: a named frame around an open group, one card for a
collapsed one (the model is :mod:`core.groups`; the edits :mod:`designer.group_editing`).

:class:`CanvasGroups` redraws from the graph after every change (and from each analysis):
an open group gets a :class:`GroupFrameItem` behind its cards, with a ▾ toggle by its
name; a collapsed group hides its cards and the wires inside it and shows a
:class:`GroupCardItem` at its members' top-left corner, with the group's name, its number
of layers, parameter count and output shape, outlined red when a member has a problem.
The wires that cross the boundary end on that card: a hidden member's card hands its
ports' positions to the group card (``NodeItem.collapsed_into``).

Selecting a collapsed card selects its members for every Edit action (Delete deletes
them, as one undo step; Copy copies them); dragging it moves them all.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem

from core import groups as model
from core.shapes import format_shape
from designer.canvas.frames import RADIUS as FRAME_RADIUS, frame_rect
from designer.canvas.node_item import HEADER, HEIGHT, RADIUS, WIDTH, ShiftSelects, format_count
from designer.canvas.ports import RADIUS as PORT_RADIUS
from designer.style import Colors, mono_font, ui_font

#: The groups' colour (frames and collapsed cards), readable on both themes.
COLOR = "#81a1c1"
#: The toggle's click area: on a frame, left of its name; on a card, in its header.
TOGGLE_SIZE = 16.0
CARD_TOGGLE = QRectF(6.0, 5.0, TOGGLE_SIZE, TOGGLE_SIZE)


def _paint_triangle(painter: QPainter, rect: QRectF, open_: bool, color: QColor) -> None:
    """▾ (open: click to collapse) or ▸ (collapsed: click to expand) in ``rect``."""
    c, r = rect.center(), rect.width() * 0.3
    if open_:
        points = [QPointF(c.x() - r, c.y() - r * 0.6), QPointF(c.x() + r, c.y() - r * 0.6),
                  QPointF(c.x(), c.y() + r * 0.8)]
    else:
        points = [QPointF(c.x() - r * 0.6, c.y() - r), QPointF(c.x() - r * 0.6, c.y() + r),
                  QPointF(c.x() + r * 0.8, c.y())]
    path = QPainterPath(points[0])
    for p in points[1:]:
        path.lineTo(p)
    path.closeSubpath()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPath(path)


class GroupFrameItem(QGraphicsItem):
    """An open group: a frame behind its cards with ▾ and its name; a click on ▾ or a
    double-click on the frame collapses it. Other clicks fall through to the canvas.

    A group the auto-layout wrapped onto two bands gets one frame piece per band
    (:func:`pieces`), so that no frame spans the cards between them.
    """

    def __init__(self, layer: "CanvasGroups", name: str) -> None:
        super().__init__()
        self.layer, self.name = layer, name
        self.rect = QRectF()  # the first piece's (the name and the toggle are there)
        self.rects: list[QRectF] = []
        self.setZValue(-1)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.label = QGraphicsSimpleTextItem(name, self)
        font = QFont()
        font.setPointSizeF(10.0)
        font.setBold(True)
        self.label.setFont(font)
        self.label.setBrush(QBrush(QColor(COLOR)))
        self.setToolTip(f"Group '{name}': click ▾ or double-click the frame to collapse it into one card")

    @property
    def toggle_rect(self) -> QRectF:
        return QRectF(self.rect.left() + 8.0, self.rect.top() + 8.0, TOGGLE_SIZE, TOGGLE_SIZE)

    def set_rects(self, rects: list[QRectF]) -> None:
        if rects != self.rects:
            self.prepareGeometryChange()
            self.rects = [QRectF(r) for r in rects]
            self.rect = QRectF(rects[0])
            self.label.setPos(self.rect.topLeft() + QPointF(8.0 + TOGGLE_SIZE + 4.0, 7.0))

    def boundingRect(self) -> QRectF:
        bounds = QRectF()
        for rect in self.rects:
            bounds = bounds.united(rect)
        return bounds.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        for rect in self.rects:
            path.addRoundedRect(rect, FRAME_RADIUS, FRAME_RADIUS)
        return path

    def select_for_menu(self) -> None:
        """A right-click on the frame: its group's actions apply to it."""
        self.layer.scene.select_nodes(self.layer.members_of(self.name))

    def mousePressEvent(self, event) -> None:
        if self.toggle_rect.adjusted(-4, -4, 4, 4).contains(event.pos()):
            event.accept()
            self.layer.toggle(self.name)
            return
        event.ignore()  # a rubber band, or nothing, as on the empty canvas

    def paint(self, painter: QPainter, option, widget=None) -> None:
        color = QColor(COLOR)
        fill = QColor(color)
        fill.setAlpha(20)
        border = QColor(color)
        border.setAlpha(170)
        pen = QPen(border, 1.5)
        pen.setCosmetic(True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.setBrush(fill)
        for rect in self.rects:
            painter.drawRoundedRect(rect, FRAME_RADIUS, FRAME_RADIUS)
        _paint_triangle(painter, self.toggle_rect, True, color)
        painter.setFont(self.label.font())
        painter.setPen(color)
        for rect in self.rects[1:]:  # the rest of a group wrapped onto the next band
            text = QFontMetrics(painter.font()).elidedText(f"{self.name} (cont.)", Qt.TextElideMode.ElideRight,
                                                           int(rect.width() - 16))
            painter.drawText(QRectF(rect.left() + 8, rect.top() + 6, rect.width() - 16, 20),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)


class GroupCardItem(ShiftSelects, QGraphicsItem):
    """A collapsed group: one card (the size of a layer's) standing for its members."""

    def __init__(self, layer: "CanvasGroups", name: str) -> None:
        super().__init__()
        self.layer, self.name = layer, name
        self.member_ids: tuple[str, ...] = ()
        self.wires: list = []  # the boundary wires (WireItem), kept by the layer
        self.facts: dict = {}
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setZValue(1)
        self.setAcceptHoverEvents(True)

    # ---------------------------------------------------------------- what the wires need
    def input_anchor(self, _target_port: int = 0) -> QPointF:
        return self.scenePos() + QPointF(0.0, HEIGHT / 2)

    def output_anchor(self) -> QPointF:
        return self.scenePos() + QPointF(WIDTH, HEIGHT / 2)

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for wire in self.wires:
                wire.update_path()
        return super().itemChange(change, value)

    # ---------------------------------------------------------------- state
    def set_facts(self, members: tuple[str, ...], facts: dict) -> None:
        if (members, facts) == (self.member_ids, self.facts):
            return
        self.member_ids, self.facts = members, dict(facts)
        lines = [f"<b>Group '{_escape(self.name)}'</b>: {self._layers_text()}, collapsed",
                 "Double-click or click ▸ to show its layers"]
        if facts.get("error"):
            lines.append(f"<span style='color:{Colors.error}'>{_escape(facts['error'])}</span>")
        elif facts.get("warning"):
            lines.append(f"<span style='color:{Colors.warning}'>{_escape(facts['warning'])}</span>")
        self.setToolTip("<br>".join(lines))
        self.update()

    def _layers_text(self) -> str:
        count = len(self.member_ids)
        return f"{count} layer{'s' if count != 1 else ''}"

    @property
    def shape_text(self) -> str:
        if self.facts.get("exits", 1) > 1:
            return f"{self.facts['exits']} outputs"
        return format_shape(self.facts.get("output"))

    def select_for_menu(self) -> None:
        if not self.isSelected():
            self.scene().clearSelection()
            self.setSelected(True)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and \
                CARD_TOGGLE.adjusted(-3, -3, 3, 3).contains(event.pos()):
            event.accept()
            self._toggle_pressed = True
            self.layer.toggle(self.name)
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if getattr(self, "_toggle_pressed", False):
            self._toggle_pressed = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ---------------------------------------------------------------- geometry and paint
    def boundingRect(self) -> QRectF:
        return QRectF(-10.0, -10.0, WIDTH + 20.0, HEIGHT + 16.0)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, WIDTH, HEIGHT), RADIUS, RADIUS)
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        card = QRectF(0, 0, WIDTH, HEIGHT)
        accent = QColor(COLOR)
        error = bool(self.facts.get("error"))
        # a stack of cards behind: this one stands for several
        for offset in (6.0, 3.0):
            painter.setPen(QPen(QColor(Colors.card_border), 1.0))
            painter.setBrush(QColor(Colors.card_header))
            painter.drawRoundedRect(card.translated(offset, -offset), RADIUS, RADIUS)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(Colors.card))
        painter.drawRoundedRect(card, RADIUS, RADIUS)
        tint = QColor(accent)
        tint.setAlpha(60)
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, WIDTH, HEADER + RADIUS), RADIUS, RADIUS)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, WIDTH, HEADER))
        painter.setBrush(tint)
        painter.drawPath(header.intersected(clip))
        border = QColor(Colors.error if error else accent)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(border, 2.0 if error else 1.2))
        painter.drawRoundedRect(card, RADIUS, RADIUS)
        if self.isSelected():
            painter.setPen(QPen(QColor(Colors.selected), 2.0))
            painter.drawRoundedRect(card.adjusted(-3.5, -3.5, 3.5, 3.5), RADIUS + 3, RADIUS + 3)
        _paint_triangle(painter, CARD_TOGGLE, False, QColor(Colors.text))
        # name in the header
        painter.setFont(ui_font(9.0, bold=True))
        painter.setPen(QColor(Colors.text))
        title_width = int(WIDTH - 34)
        painter.drawText(QRectF(26, 3, title_width, HEADER - 2), Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(painter.font()).elidedText(self.name, Qt.TextElideMode.ElideMiddle,
                                                                 title_width))
        # layers and parameters
        painter.setFont(ui_font(8.5))
        painter.setPen(QColor(Colors.text_dim))
        painter.drawText(QRectF(10, HEADER + 1, WIDTH - 20, 18), Qt.AlignmentFlag.AlignVCenter,
                         self._layers_text())
        params = self.facts.get("params")
        if params is not None:
            painter.setFont(ui_font(7.5))
            painter.setPen(QColor(Colors.params_text))
            painter.drawText(QRectF(10, HEADER + 1, WIDTH - 20, 18),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             f"{format_count(params)} params")
        # the output shape, as on a layer's card
        if error:
            text, color = "⚠ " + ("no shape" if self.shape_text == "?" else self.shape_text), Colors.error
        else:
            text = self.shape_text
            color = Colors.shape_unknown if text == "?" else Colors.shape_text
        painter.setFont(mono_font(8.5))
        metrics = QFontMetrics(painter.font())
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(WIDTH - 30))
        pill = QRectF(8, HEADER + 20, min(WIDTH - 16, metrics.horizontalAdvance(text) + 14), 17)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(Colors.pill))
        painter.drawRoundedRect(pill, 8.5, 8.5)
        painter.setPen(QColor(color))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        # the ports the boundary wires end on, drawn as a layer's connected ports are
        painter.setPen(QPen(QColor(Colors.port), 1.6))
        painter.setBrush(QColor(Colors.port))
        for point in (QPointF(0.0, HEIGHT / 2), QPointF(WIDTH, HEIGHT / 2)):
            painter.drawEllipse(point, PORT_RADIUS, PORT_RADIUS)


class CanvasGroups:
    """Keeps a scene's group frames and collapsed cards in step with its graph."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.graph = None
        self.frames: dict[str, GroupFrameItem] = {}
        self.cards: dict[str, GroupCardItem] = {}
        self.members: dict[str, tuple[str, ...]] = {}
        self._press: dict[str, QPointF] = {}
        self._touched: set = set()  # the wires refresh re-anchored last time
        #: ``toggle(name)``: collapse or expand, an undoable edit (set by designer/group_actions.py).
        self.on_toggle = None

    def bind(self, graph) -> None:
        if self.graph is not None:
            self.graph.changed.disconnect(self.refresh)
        self.graph = graph
        if graph is not None:
            graph.changed.connect(self.refresh)
        self.refresh()

    def members_of(self, name: str) -> tuple[str, ...]:
        return self.members.get(name, ())

    def toggle(self, name: str) -> None:
        if self.on_toggle is not None:
            self.on_toggle(name)

    # ---------------------------------------------------------------- graph -> items
    def refresh(self) -> None:
        """Frames, cards, hidden cards and wires from the graph and the latest analysis."""
        graph, scene = self.graph, self.scene
        found = model.groups(graph) if graph is not None else []
        self.members = {g.name: g.members for g in found}
        collapsed = {g.name: g for g in found if g.collapsed}
        for name in [n for n in self.frames if n not in self.members or n in collapsed]:
            scene.removeItem(self.frames.pop(name))
        for name in [n for n in self.cards if n not in collapsed]:
            scene.removeItem(self.cards.pop(name))
        hidden: dict[str, GroupCardItem] = {}
        for group in collapsed.values():
            card = self.cards.get(group.name)
            if card is None:
                card = self.cards[group.name] = GroupCardItem(self, group.name)
                scene.addItem(card)
            corner = model.top_left(graph.nodes[m].pos or _item_pos(scene, m) for m in group.members)
            card.setPos(QPointF(*corner))
            card.set_facts(group.members, model.summary(graph, group, scene.analysis))
            hidden.update((m, card) for m in group.members)
        for node_id, item in scene.nodes.items():
            card = hidden.get(node_id)
            item.collapsed_into = card
            if card is not None and item.isSelected():  # the selection moves to the card
                item.setSelected(False)
                card.setSelected(True)
            item.setVisible(card is None)
        for card in self.cards.values():
            card.wires = []
        # only the wires of collapsed groups, and those that were last time, need a look
        touched = {e for e in scene.wires if e.source in hidden or e.target in hidden}
        for edge in touched | self._touched:
            wire = scene.wires.get(edge)
            if wire is None:
                continue
            source, target = hidden.get(edge.source), hidden.get(edge.target)
            wire.setVisible(source is None or source is not target)
            for card in {source, target} - {None}:
                if source is not target:
                    card.wires.append(wire)
            wire.update_path()
        self._touched = touched
        self.place()

    def place(self) -> None:
        """Fit each open group's frame around its cards where they are now (also mid-drag)."""
        for name, members in self.members.items():
            if name in self.cards:
                continue
            items = [self.scene.nodes[m] for m in members if m in self.scene.nodes]
            if not items:
                continue
            frame = self.frames.get(name)
            if frame is None:
                frame = self.frames[name] = GroupFrameItem(self, name)
                self.scene.addItem(frame)
            frame.set_rects([frame_rect(piece) for piece in pieces([item.pos() for item in items])])

    # ---------------------------------------------------------------- selection and moves
    def selected_members(self) -> set[str]:
        """The members of the selected collapsed cards."""
        return {m for card in self.cards.values() if card.isSelected() for m in card.member_ids}

    def select_cards(self, node_ids: set[str]) -> None:
        """Select the collapsed cards with a member in ``node_ids`` (a hidden layer cannot be
        selected: its card is, as when the Problems panel shows a layer inside a group)."""
        for card in self.cards.values():
            if node_ids.intersection(card.member_ids):
                card.setSelected(True)

    def bounds(self) -> QRectF:
        rect = QRectF()
        for card in self.cards.values():
            rect = rect.united(QRectF(card.pos(), card.pos() + QPointF(WIDTH, HEIGHT)))
        return rect

    def press(self) -> None:
        self._press = {name: card.pos() for name, card in self.cards.items() if card.isSelected()}

    def released(self, click: bool) -> dict[str, tuple[float, float]]:
        """Where the members of the collapsed cards just dragged go (a click: back in place)."""
        moved: dict[str, tuple[float, float]] = {}
        for name, start in self._press.items():
            card = self.cards.get(name)
            if card is None or card.pos() == start:
                continue
            if click:
                card.setPos(start)
                continue
            dx, dy = card.pos().x() - start.x(), card.pos().y() - start.y()
            for member in card.member_ids:
                x, y = self.graph.nodes[member].pos or _item_pos(self.scene, member)
                moved[member] = (round(x + dx, 1), round(y + dy, 1))
        self._press = {}
        return moved

    def double_clicked(self, item) -> bool:
        """A double-click on a collapsed card expands it; on an open group's frame, collapses it."""
        while item is not None and item.parentItem() is not None:
            item = item.parentItem()
        if isinstance(item, (GroupCardItem, GroupFrameItem)):
            self.toggle(item.name)
            return True
        return False


def pieces(corners: list[QPointF]) -> list[list[QPointF]]:
    """Cards (top-left corners) in pieces of neighbours: a card within a column and two rows
    of another is in its piece. The members of a group wrapped onto two bands of the
    auto-layout (the end of one band, the start of the next) make two pieces."""
    near_x, near_y = WIDTH * 1.45 + 60.0, HEIGHT * 2.9
    piece_of = list(range(len(corners)))

    def root(i: int) -> int:
        while piece_of[i] != i:
            piece_of[i] = piece_of[piece_of[i]]
            i = piece_of[i]
        return i

    for i, a in enumerate(corners):
        for j in range(i):
            b = corners[j]
            if abs(a.x() - b.x()) <= near_x and abs(a.y() - b.y()) <= near_y:
                piece_of[root(i)] = root(j)
    result: dict[int, list[QPointF]] = {}
    for i, corner in enumerate(corners):
        result.setdefault(root(i), []).append(corner)
    return list(result.values())


def _item_pos(scene, node_id: str) -> tuple[float, float]:
    item = scene.nodes.get(node_id)
    return (item.pos().x(), item.pos().y()) if item is not None else (0.0, 0.0)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
