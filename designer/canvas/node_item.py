"""A node card on the canvas: type, name, output shape and parameter count.

A layer with weights has a lock in its header: open and dim while it trains, closed and
bright when it is frozen (``trainable: false``, its weights kept as loaded); clicking the
lock toggles it through the scene's editor (one undo step). A layer whose weights train at
another rate (its ``lr_multiplier``, set in the inspector's Advanced part) shows it at the
right of its shape row, such as "lr ×0.1".

The card shows what the graph and the latest analysis say and nothing else; its
position is the node's ``pos`` (top-left corner). A node whose shape check failed is
outlined red with the reason in its tooltip. Zoomed far out the card is drawn as a
plain coloured block, which keeps a 300-node graph fast to paint.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from core.layers import REGISTRY
from core.layers.frozen import can_freeze_type
from core.layers.lr_multiplier import DEFAULT as PLAIN_RATE
from core.layers.lr_multiplier import format_multiplier
from designer.canvas.ports import PortItem
from designer.layout import LayoutStyle
from designer.style import Colors, category_color, category_icon, mono_font, ui_font

WIDTH = LayoutStyle().node_width
HEIGHT = LayoutStyle().node_height
HEADER = 25.0
RADIUS = 8.0
SIMPLE_BELOW = 0.45  # level of detail under which the card is a plain block
#: Where the lock of a layer with weights sits, in card coordinates (also its click area).
LOCK_RECT = QRectF(WIDTH - 22.0, 5.0, 15.0, 15.0)
#: A card's bounds (its shadow and ports included), made once: Qt asks for them in each repaint.
_BOUNDS = QRectF(-10.0, -6.0, WIDTH + 20.0, HEIGHT + 12.0)


def format_count(n: int) -> str:
    """``1234567`` -> ``1.23M``: short enough for a card."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= limit:
            value = n / limit
            return f"{value:.3g}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return str(n)


#: The header's font sizes, largest first: a long layer type takes a smaller one before it is cut.
TITLE_SIZES = (9.0, 7.5)


def card_title(type_name: str, width: int) -> tuple[str, QFont]:
    """The layer type as a card's header shows it in ``width`` pixels, and its font: whole if
    it fits at one of :data:`TITLE_SIZES`, else cut after its last word that fits
    ("Transformer…" for TransformerEncoderLayer, not "Transform…"); a first word too long for
    the room is cut where it must be."""
    fonts = [ui_font(size, bold=True) for size in TITLE_SIZES]
    for font in fonts:
        if QFontMetrics(font).horizontalAdvance(type_name) <= width:
            return type_name, font
    words = re.findall(r"[A-Z]+[a-z0-9]*|[a-z0-9]+", type_name)
    for font in fonts:
        metrics = QFontMetrics(font)
        for count in range(len(words) - 1, 0, -1):
            shown = "".join(words[:count]) + "…"
            if metrics.horizontalAdvance(shown) <= width:
                return shown, font
    return QFontMetrics(fonts[-1]).elidedText(type_name, Qt.TextElideMode.ElideRight, width), fonts[-1]


class ShiftSelects:
    """Mixin for selectable items: Shift+click adds to the selection as Ctrl+click does
    (Qt's default knows only Ctrl; it selects on press and toggles on release)."""

    def mousePressEvent(self, event) -> None:
        _shift_as_ctrl(event)
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        _shift_as_ctrl(event)
        super().mouseReleaseEvent(event)


def _shift_as_ctrl(event) -> None:
    if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
        event.setModifiers(event.modifiers() | Qt.KeyboardModifier.ControlModifier)


class NodeItem(ShiftSelects, QGraphicsItem):
    """The card of node ``node_id``; the scene keeps it in step with the graph."""

    def __init__(self, node_id: str, type_name: str) -> None:
        super().__init__()
        spec = REGISTRY.get(type_name)
        self.node_id = node_id
        self.type_name = type_name
        self.category = spec.category
        self.multi_input = spec.max_inputs is None
        #: A layer with a fixed number of inputs above one (SequencePool's token ids,
        #: TransformerEncoderLayer's mask) shows one numbered port for each.
        self.fixed_ports = spec.max_inputs if (spec.max_inputs or 0) > 1 else 0
        self.takes_input = spec.max_inputs != 0
        self.gives_output = type_name != "Output"
        self.wires: list = []  # WireItem, kept by the scene
        self.shape_text = "?"
        self.params_text = ""
        self.error: str | None = None
        self.warning: str | None = None
        self.freezable = can_freeze_type(type_name)
        self.frozen = False
        #: The layer's learning-rate multiplier (1: the run's rate; shown on the card otherwise).
        self.lr_multiplier = PLAIN_RATE
        self.in_ports: list[PortItem] = []
        self.out_port: PortItem | None = None
        #: The card of the collapsed group this card is hidden in (designer/canvas/groups.py):
        #: the wires crossing the group's boundary end there.
        self.collapsed_into = None
        self._accent = category_color(self.category)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.set_input_ports([])
        self._update_tooltip()

    # ------------------------------------------------------------------ ports
    def set_input_ports(self, connected_ports: list[int]) -> None:
        """Rebuild the input ports for the wires now coming in (``target_port`` numbers)."""
        for port in self.in_ports:
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        self.in_ports = []
        if self.takes_input:
            slots: list[tuple[int | None, bool]]
            if self.multi_input:
                slots = [(p, True) for p in sorted(connected_ports)] + [(None, False)]
            elif self.fixed_ports:
                slots = [(p, p in connected_ports) for p in range(self.fixed_ports)]
            else:
                slots = [(connected_ports[0] if connected_ports else 0, bool(connected_ports))]
            step = min(16.0, (HEIGHT - 12) / max(1, len(slots) - 1)) if len(slots) > 1 else 0.0
            top = HEIGHT / 2 - step * (len(slots) - 1) / 2
            for i, (number, connected) in enumerate(slots):
                port = PortItem(self, True, number, connected)
                port.setPos(0.0, top + i * step)
                self.in_ports.append(port)
        if self.gives_output and self.out_port is None:
            self.out_port = PortItem(self, False, None, False)
            self.out_port.setPos(WIDTH, HEIGHT / 2)

    def set_output_connected(self, connected: bool) -> None:
        if self.out_port is not None and self.out_port.connected != connected:
            self.out_port.connected = connected
            self.out_port.update()

    def input_anchor(self, target_port: int) -> QPointF:
        """Scene position where a wire into input ``target_port`` ends."""
        if self.collapsed_into is not None:
            return self.collapsed_into.input_anchor(target_port)
        for port in self.in_ports:
            if port.port == target_port:
                return port.scenePos()
        return self.scenePos() + QPointF(0.0, HEIGHT / 2)

    def output_anchor(self) -> QPointF:
        if self.collapsed_into is not None:
            return self.collapsed_into.output_anchor()
        return self.scenePos() + QPointF(WIDTH, HEIGHT / 2)

    # ------------------------------------------------------------------ state from the analysis
    def set_state(self, shape_text: str, params_text: str, error: str | None, warning: str | None) -> bool:
        """Show a new result; returns whether anything visible changed."""
        state = (shape_text, params_text, error, warning)
        if state == (self.shape_text, self.params_text, self.error, self.warning):
            return False
        self.shape_text, self.params_text, self.error, self.warning = state
        self._update_tooltip()
        self.update()
        return True

    def set_frozen(self, frozen: bool) -> None:
        if frozen != self.frozen:
            self.frozen = frozen
            self._update_tooltip()
            self.update()

    def set_lr_multiplier(self, value: float) -> None:
        if value != self.lr_multiplier:
            self.lr_multiplier = value
            self._update_tooltip()
            self.update()

    @property
    def rate_text(self) -> str:
        """The card's "lr ×0.1" for a layer that trains at another rate, else empty."""
        if self.lr_multiplier == PLAIN_RATE or not self.freezable:
            return ""
        return "lr " + format_multiplier(self.lr_multiplier)

    def mousePressEvent(self, event) -> None:
        """A click on the lock freezes or unfreezes the layer (nothing is selected or moved)."""
        if (self.freezable and event.button() == Qt.MouseButton.LeftButton
                and LOCK_RECT.adjusted(-3, -3, 3, 3).contains(event.pos())
                and hasattr(self.scene(), "toggle_frozen")):
            event.accept()
            self._lock_pressed = True
            self.scene().toggle_frozen(self.node_id)
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if getattr(self, "_lock_pressed", False):  # Qt would select the card on this release
            self._lock_pressed = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def rename(self, node_id: str) -> None:
        self.node_id = node_id
        for port in self.in_ports:
            port.setToolTip(port._tooltip())
        self._update_tooltip()
        self.update()

    def _update_tooltip(self) -> None:
        spec = REGISTRY.get(self.type_name)
        lines = [f"<b>{self.type_name}</b> '{self.node_id}'", spec.summary]
        if self.error:
            lines.append(f"<span style='color:{Colors.error}'>{_escape(self.error)}</span>")
        elif self.warning:
            lines.append(f"<span style='color:{Colors.warning}'>{_escape(self.warning)}</span>")
        else:
            lines.append(f"output: {self.shape_text}")
        if self.frozen:
            lines.append("🔒 frozen: its weights are kept as loaded (click the lock to train them)")
        elif self.freezable:
            lines.append("Click the lock to freeze this layer's weights (transfer learning)")
        if self.rate_text:
            lines.append(f"its weights train at the learning rate {format_multiplier(self.lr_multiplier)}"
                         " (Inspector ▸ Advanced)")
        self.setToolTip("<br>".join(lines))

    # ------------------------------------------------------------------ geometry
    def boundingRect(self) -> QRectF:
        return _BOUNDS

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, WIDTH, HEIGHT), RADIUS, RADIUS)
        return path

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for wire in self.wires:
                wire.update_path()
        return super().itemChange(change, value)

    # ------------------------------------------------------------------ painting
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        card = QRectF(0, 0, WIDTH, HEIGHT)
        selected = self.isSelected()
        if lod < SIMPLE_BELOW:
            self._paint_block(painter, card, selected)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        # shadow, card, header band
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 70))
        painter.drawRoundedRect(card.translated(0, 3), RADIUS, RADIUS)
        painter.setBrush(QColor(Colors.card))
        painter.drawRoundedRect(card, RADIUS, RADIUS)
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, WIDTH, HEADER + RADIUS), RADIUS, RADIUS)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, WIDTH, HEADER))
        tint = QColor(self._accent)
        tint.setAlpha(48)
        painter.setBrush(tint)
        painter.drawPath(header.intersected(clip))
        painter.setBrush(self._accent)
        painter.drawRoundedRect(QRectF(0, 0, WIDTH, 3.0), 1.5, 1.5)
        # outline
        border = QColor(Colors.error if self.error else Colors.card_border)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(border, 2.0 if self.error else 1.0))
        painter.drawRoundedRect(card, RADIUS, RADIUS)
        if selected:
            painter.setPen(QPen(QColor(Colors.selected), 2.0))
            painter.drawRoundedRect(card.adjusted(-3.5, -3.5, 3.5, 3.5), RADIUS + 3, RADIUS + 3)
        # header: icon and type
        category_icon(self.category).paint(painter, 8, 6, 15, 15)
        title_width = WIDTH - 34 - (20 if self.freezable else 0)
        title, title_font = card_title(self.type_name, int(title_width))
        painter.setFont(title_font)
        painter.setPen(QColor(Colors.text))
        painter.drawText(QRectF(28, 3, title_width, HEADER - 2), Qt.AlignmentFlag.AlignVCenter, title)
        if self.freezable:
            paint_lock(painter, LOCK_RECT, self.frozen)
        # name and parameter count ("9.25k params", or "9.25k" when the name needs the room)
        name_font, params_font = ui_font(8.5), ui_font(7.5)
        name_advance = QFontMetrics(name_font).horizontalAdvance(self.node_id)
        params_text = self.params_text
        params_width = QFontMetrics(params_font).horizontalAdvance(params_text)
        if params_text and name_advance + params_width + 26 > WIDTH:
            params_text = params_text.split(" ")[0]
            params_width = QFontMetrics(params_font).horizontalAdvance(params_text)
        if params_text:
            painter.setFont(params_font)
            painter.setPen(QColor(Colors.text_dim if params_text.startswith("0") else Colors.params_text))
            painter.drawText(QRectF(WIDTH - 10 - params_width, HEADER + 1, params_width, 18),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, params_text)
        painter.setFont(name_font)
        painter.setPen(QColor(Colors.text_dim))
        name_width = int(WIDTH - 20 - params_width - (6 if params_width else 0))
        painter.drawText(QRectF(10, HEADER + 1, name_width, 18), Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(name_font).elidedText(self.node_id, Qt.TextElideMode.ElideMiddle, name_width))
        self._paint_shape(painter)

    def _paint_shape(self, painter: QPainter) -> None:
        if self.error:
            text, color = "⚠ " + ("no shape" if self.shape_text == "?" else self.shape_text), Colors.error
        else:
            text = self.shape_text
            color = Colors.shape_unknown if text == "?" else Colors.shape_text
        rate = self.rate_text
        rate_width = 0.0
        if rate:  # "lr ×0.1" at the right of the row; the shape gives way
            painter.setFont(ui_font(7.5))
            rate_width = QFontMetrics(painter.font()).horizontalAdvance(rate) + 6
            painter.setPen(QColor(Colors.params_text))
            painter.drawText(QRectF(WIDTH - 8 - rate_width, HEADER + 20, rate_width, 17),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, rate)
        painter.setFont(mono_font(8.5))
        metrics = QFontMetrics(painter.font())
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(WIDTH - 30 - rate_width))
        pill = QRectF(8, HEADER + 20, min(WIDTH - 16 - rate_width, metrics.horizontalAdvance(text) + 14), 17)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(Colors.pill))
        painter.drawRoundedRect(pill, 8.5, 8.5)
        painter.setPen(QColor(color))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_block(self, painter: QPainter, card: QRectF, selected: bool) -> None:
        fill = QColor(self._accent)
        fill = fill.darker(170)
        painter.setBrush(QBrush(fill))
        if self.error:
            painter.setPen(QPen(QColor(Colors.error), 5.0))
        elif selected:
            painter.setPen(QPen(QColor(Colors.selected), 5.0))
        else:
            painter.setPen(QPen(self._accent, 2.0))
        painter.drawRoundedRect(card, RADIUS, RADIUS)


def paint_lock(painter: QPainter, rect: QRectF, closed: bool) -> None:
    """A padlock in ``rect``: closed and bright (frozen), or open and dim (trains)."""
    color = QColor(Colors.warning if closed else Colors.text_dim)
    if not closed:
        color.setAlpha(150)
    body = QRectF(rect.left() + 2, rect.top() + rect.height() * 0.45, rect.width() - 4, rect.height() * 0.5)
    shackle = QRectF(rect.left() + 4.5, rect.top() + 1, rect.width() - 9, rect.height() * 0.7)
    if not closed:
        shackle.translate(3.5, -1.5)
    painter.save()
    painter.setPen(QPen(color, 1.6))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(shackle, 0, 180 * 16)
    painter.drawLine(QPointF(shackle.left(), shackle.center().y()), QPointF(shackle.left(), body.top()))
    if closed:
        painter.drawLine(QPointF(shackle.right(), shackle.center().y()), QPointF(shackle.right(), body.top()))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(body, 1.5, 1.5)
    painter.restore()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
