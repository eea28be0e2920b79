"""The canvas scene: one card per node and one curve per wire, redrawn from graph signals.

:class:`GraphScene` observes a :class:`core.graph.Graph` (``node_added``,
``node_removed``, ``node_moved``, ``node_renamed``, ``edge_added``, ``edge_removed``,
``reset``) and the window's :class:`~designer.analysis.AnalysisService`
(``analysis_changed``). It never changes the graph itself: a finished drag of cards
becomes ``editor.move(...)``, a wire dropped on a port ``editor.connect(...)``, and
the card moves or the wire appears when the graph says so.

Selection is view state and lives here (Qt's item selection); ``selected_node_ids``
and ``selected_edges`` are what the Edit menu acts on. A GAN's two sub-networks get a
named frame each (:mod:`designer.canvas.frames`), refitted whenever cards move.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from core.graph import Edge, Graph, Node
from core.layers.frozen import is_frozen
from core.layers.lr_multiplier import lr_multiplier
from core.shapes import Analysis, WARNING, format_shape
from designer.canvas.frames import SubNetworkFrames
from designer.canvas.groups import CanvasGroups
from designer.canvas.node_item import HEIGHT, WIDTH, NodeItem, format_count
from designer.canvas.ports import PortItem
from designer.canvas.wire_item import DragWire, WireItem
from designer.editor import GraphEditor
from designer.style import Colors

GRID = 20.0
#: A press and release on a card closer than this (screen pixels) is a click: the card stays put.
CLICK_JITTER = 3


class GraphScene(QGraphicsScene):
    """Cards and wires of the current graph; ``node_activated(id)`` on a double-click."""

    node_activated = Signal(str)

    def __init__(self, editor: GraphEditor, parent=None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.graph: Graph | None = None
        self.analysis: Analysis | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.wires: dict[Edge, WireItem] = {}
        self._drag_wire: DragWire | None = None
        self._drag_port: PortItem | None = None
        self._press_positions: dict[str, QPointF] = {}
        self.frames = SubNetworkFrames(self)  # a GAN's "generator" and "discriminator"
        self.groups = CanvasGroups(self)  # named groups of layers, open or collapsed
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setSceneRect(QRectF(-5000, -5000, 10000, 10000))

    # ------------------------------------------------------------------ binding
    def set_graph(self, graph: Graph | None) -> None:
        """Show ``graph`` (and follow its signals), dropping the previous one."""
        if self.graph is not None:
            for signal, slot in self._subscriptions(self.graph):
                signal.disconnect(slot)
        self.graph = graph
        self.analysis = None
        if graph is not None:
            for signal, slot in self._subscriptions(graph):
                signal.connect(slot)
        self._on_graph_reset()
        self.groups.bind(graph)

    def _subscriptions(self, graph: Graph):
        return ((graph.node_added, self._on_node_added), (graph.node_removed, self._on_node_removed),
                (graph.node_moved, self._on_node_moved), (graph.node_renamed, self._on_node_renamed),
                (graph.edge_added, self._on_edge_added), (graph.edge_removed, self._on_edge_removed),
                (graph.node_changed, self._on_node_changed), (graph.reset, self._on_graph_reset))

    # ------------------------------------------------------------------ graph -> items
    def _on_graph_reset(self) -> None:
        self.cancel_wire_drag()
        for wire in self.wires.values():
            self.removeItem(wire)
        for item in self.nodes.values():
            self.removeItem(item)
        self.nodes, self.wires = {}, {}
        if self.graph is None:
            return
        ports: dict[str, list[int]] = {}
        for edge in self.graph.edges:
            ports.setdefault(edge.target, []).append(edge.target_port)
        sources = {edge.source for edge in self.graph.edges}
        for node in self.graph.nodes.values():
            item = self._add_node_item(node)
            item.set_input_ports(ports.get(node.id, []))
            item.set_output_connected(node.id in sources)
        for edge in self.graph.edges:
            self._add_wire(edge)
        self._apply_analysis()
        self.frames.refresh(self.graph)
        self._grow_scene_rect()

    def _add_node_item(self, node: Node) -> NodeItem:
        item = NodeItem(node.id, node.type)
        item.set_frozen(is_frozen(node))
        item.set_lr_multiplier(lr_multiplier(node))
        item.setPos(self._position_of(node))
        self.nodes[node.id] = item
        self.addItem(item)
        return item

    def _position_of(self, node: Node) -> QPointF:
        if node.pos is not None:
            return QPointF(*node.pos)
        # no position in the file: put it below everything (not stored until the person moves it)
        bottom = max((i.pos().y() for i in self.nodes.values()), default=-HEIGHT - 40)
        return QPointF(0.0, bottom + HEIGHT + 40)

    def _on_node_added(self, node: Node) -> None:
        self._grow_scene_rect(self._add_node_item(node))
        self.frames.refresh(self.graph)

    def _on_node_removed(self, node: Node) -> None:
        item = self.nodes.pop(node.id, None)
        if item is not None:
            self.removeItem(item)
        self.frames.refresh(self.graph)

    def _on_node_moved(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is not None and self.graph is not None:
            item.setPos(self._position_of(self.graph.nodes[node_id]))
            self._grow_scene_rect(item)
            self.frames.place()

    def _on_node_changed(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is not None and self.graph is not None and node_id in self.graph.nodes:
            item.set_frozen(is_frozen(self.graph.nodes[node_id]))
            item.set_lr_multiplier(lr_multiplier(self.graph.nodes[node_id]))
            self.frames.refresh(self.graph)  # an Output's target may have changed

    def toggle_frozen(self, node_id: str) -> None:
        """The lock on a card was clicked: freeze or unfreeze that layer (one undo step)."""
        if self.graph is not None and node_id in self.graph.nodes:
            self.editor.set_frozen([node_id], not is_frozen(self.graph.nodes[node_id]))

    def _on_node_renamed(self, old_id: str, new_id: str) -> None:
        item = self.nodes.pop(old_id)
        self.nodes[new_id] = item
        item.rename(new_id)
        for edge, wire in list(self.wires.items()):
            if old_id in (edge.source, edge.target):
                del self.wires[edge]
                wire.edge = Edge(new_id if edge.source == old_id else edge.source,
                                 new_id if edge.target == old_id else edge.target, edge.target_port)
                self.wires[wire.edge] = wire
        self.frames.refresh(self.graph)

    def _add_wire(self, edge: Edge) -> None:
        source, target = self.nodes[edge.source], self.nodes[edge.target]
        wire = WireItem(edge, source, target, self.wire_label)
        source.wires.append(wire)
        target.wires.append(wire)
        self.wires[edge] = wire
        self.addItem(wire)

    def _on_edge_added(self, edge: Edge) -> None:
        self._add_wire(edge)
        self._refresh_ports(edge.target)
        self.nodes[edge.source].set_output_connected(True)
        self.frames.refresh(self.graph)

    def _on_edge_removed(self, edge: Edge) -> None:
        wire = self.wires.pop(edge, None)
        if wire is None:
            return
        for end in (wire.source, wire.target):
            if wire in end.wires:
                end.wires.remove(wire)
        self.removeItem(wire)
        if edge.target in self.nodes:
            self._refresh_ports(edge.target)
        if edge.source in self.nodes and self.graph is not None:
            self.nodes[edge.source].set_output_connected(bool(self.graph.outgoing(edge.source)))
        self.frames.refresh(self.graph)

    def _refresh_ports(self, node_id: str) -> None:
        item = self.nodes[node_id]
        item.set_input_ports([e.target_port for e in self.graph.incoming(node_id)])
        for wire in item.wires:
            wire.update_path()

    def _grow_scene_rect(self, item: NodeItem | None = None) -> None:
        """Keep a generous margin around the graph (or ``item``) so that it can be scrolled to."""
        bounds = (item.sceneBoundingRect() if item is not None else self.itemsBoundingRect())
        bounds = bounds.adjusted(-3000, -3000, 3000, 3000)
        rect = self.sceneRect()
        if not rect.contains(bounds):
            self.setSceneRect(rect.united(bounds))

    # ------------------------------------------------------------------ analysis -> items
    def set_analysis(self, analysis: Analysis | None) -> None:
        self.analysis = analysis
        self._apply_analysis()

    def _apply_analysis(self) -> None:
        analysis = self.analysis
        warnings = {}
        if analysis is not None:
            for problem in analysis.problems:
                if problem.severity == WARNING and problem.node_id:
                    warnings.setdefault(problem.node_id, problem.message)
        for node_id, item in self.nodes.items():
            result = analysis.results.get(node_id) if analysis is not None else None
            if result is None:
                item.set_state("?", "", None, None)
                continue
            error = result.error or next((p.message for p in analysis.errors if p.node_id == node_id), None)
            params = f"{format_count(result.params)} params" if result.output is not None else ""
            item.set_state(format_shape(result.output), params, error, warnings.get(node_id))
        self.groups.refresh()  # a collapsed card sums its members' results

    def wire_label(self, edge: Edge) -> str:
        """The shape a wire carries, as shown on hover."""
        if self.analysis is None:
            return "?"
        return format_shape(self.analysis.shape_of(edge.source))

    # ------------------------------------------------------------------ selection helpers
    def selected_node_ids(self) -> list[str]:
        chosen = {item.node_id for item in self.selectedItems() if isinstance(item, NodeItem)}
        chosen |= self.groups.selected_members()  # a collapsed card stands for its layers
        order = list(self.graph.nodes) if self.graph is not None else []
        return [nid for nid in order if nid in chosen]

    def selected_edges(self) -> list[Edge]:
        return [item.edge for item in self.selectedItems() if isinstance(item, WireItem)]

    def select_nodes(self, node_ids) -> None:
        wanted = set(node_ids)
        self.blockSignals(True)
        try:
            self.clearSelection()
            for node_id in wanted:
                if node_id in self.nodes:
                    self.nodes[node_id].setSelected(True)
            self.groups.select_cards(wanted)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def select_all(self) -> None:
        self.select_nodes(self.nodes)

    # ------------------------------------------------------------------ moving cards
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mousePressEvent(event)
        self._press_positions = {item.node_id: item.pos() for item in self.selectedItems()
                                 if isinstance(item, NodeItem)}
        self.groups.press()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseMoveEvent(event)
        if self._press_positions and self.frames.members:  # cards being dragged: frames follow
            self.frames.place()
        if self._press_positions and self.groups.frames:
            self.groups.place()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        travel = event.screenPos() - event.buttonDownScreenPos(Qt.MouseButton.LeftButton)
        jitter = travel.manhattanLength() < CLICK_JITTER  # a click, not a move: no unsaved change
        moved = {}
        for node_id, start in self._press_positions.items():
            item = self.nodes.get(node_id)
            if item is not None and item.pos() != start:
                if jitter:
                    item.setPos(start)
                    continue
                moved[node_id] = (round(item.pos().x(), 1), round(item.pos().y(), 1))
        self._press_positions = {}
        moved.update(self.groups.released(jitter))  # a collapsed card moves its members
        if moved:
            self.editor.move(moved)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        item = self.itemAt(event.scenePos(), self.views()[0].transform()) if self.views() else None
        if self.groups.double_clicked(item):
            event.accept()
            return
        if isinstance(item, NodeItem):
            self.node_activated.emit(item.node_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # ------------------------------------------------------------------ connecting ports
    def begin_wire_drag(self, port: PortItem, scene_pos: QPointF) -> None:
        self.cancel_wire_drag()
        self._drag_port = port
        self._drag_wire = DragWire(port.scenePos(), from_output=not port.is_input)
        self.addItem(self._drag_wire)
        self._drag_wire.follow(scene_pos)

    def update_wire_drag(self, scene_pos: QPointF) -> None:
        if self._drag_wire is not None:
            self._drag_wire.follow(scene_pos)

    def end_wire_drag(self, scene_pos: QPointF) -> str | None:
        """Connect the dragged port to what is under ``scene_pos``; empty canvas cancels."""
        port = self._drag_port
        self.cancel_wire_drag()
        if port is None:
            return None
        target = self._connectable_at(scene_pos, want_input=not port.is_input)
        if target is None:
            return None
        other_node, other_port = target
        if port.is_input:
            return self.editor.connect(other_node, port.node_id, _wire_port(port))
        return self.editor.connect(port.node_id, other_node, other_port)

    def _connectable_at(self, scene_pos: QPointF, want_input: bool) -> tuple[str, int | None] | None:
        """The node (and input number) under ``scene_pos`` that a wire could end on."""
        for item in self.items(scene_pos):
            if isinstance(item, PortItem) and item.is_input == want_input:
                return item.node_id, (_wire_port(item) if item.is_input else None)
            if isinstance(item, NodeItem):
                return item.node_id, None
        return None

    def cancel_wire_drag(self) -> None:
        if self._drag_wire is not None:
            self.removeItem(self._drag_wire)
        self._drag_wire, self._drag_port = None, None

    # ------------------------------------------------------------------ background
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, QColor(Colors.canvas))
        scale = painter.worldTransform().m11()
        step = GRID if scale >= 0.6 else GRID * 5
        if step * scale < 6:
            return
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        minor, major = QPen(QColor(Colors.grid_minor), 0), QPen(QColor(Colors.grid_major), 0)
        lines_minor, lines_major = [], []
        x = left
        while x < rect.right():
            (lines_major if round(x / step) % 5 == 0 else lines_minor).append((x, True))
            x += step
        y = top
        while y < rect.bottom():
            (lines_major if round(y / step) % 5 == 0 else lines_minor).append((y, False))
            y += step
        for pen, lines in ((minor, lines_minor), (major, lines_major)):
            painter.setPen(pen)
            for value, vertical in lines:
                if vertical:
                    painter.drawLine(QPointF(value, rect.top()), QPointF(value, rect.bottom()))
                else:
                    painter.drawLine(QPointF(rect.left(), value), QPointF(rect.right(), value))

    def graph_bounds(self) -> QRectF:
        """The rectangle around all cards and wires (empty when there are none)."""
        rect = QRectF()
        for item in self.nodes.values():
            if item.isVisible():  # not hidden in a collapsed group
                rect = rect.united(QRectF(item.pos(), item.pos() + QPointF(WIDTH, HEIGHT)))
        for wire in self.wires.values():
            if wire.isVisible():
                rect = rect.united(wire.path().boundingRect())
        return rect.united(self.groups.bounds())


def _wire_port(port: PortItem) -> int | None:
    """The input number a wire dropped on ``port`` takes: its own when it is wired or one of a
    fixed set (SequencePool's input 1); None (the next free one) for a free Add/Concat slot."""
    return port.port if port.connected or port.node.fixed_ports else None
