"""Undoable edits: each command calls one :class:`core.graph.Graph` method and its inverse.

The canvas never changes the graph directly: it pushes one of these onto the window's
``QUndoStack`` (compound edits such as "delete the selection" are macros of several).
Undo restores the graph exactly, including the order of nodes, wires and parameter
keys, so a saved file is byte for byte what it was (the graph methods take an
``index`` for that). The scene redraws from the graph's signals, never from here.

Compound edits use ``undo_stack.beginMacro(text)`` ... ``endMacro()`` around several
pushes, never ``QUndoCommand(parent=...)``: with PySide the Python side of a child
command can be freed while Qt still holds it (a crash), whereas pushed commands are
kept alive by the stack. A developer adding an edit elsewhere (data settings,
training settings) writes a command the same way and pushes it on
``MainWindow.undo_stack``.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from core.graph import Edge, Graph, Node

class AddNode(QUndoCommand):
    def __init__(self, graph: Graph, node: Node, text: str | None = None) -> None:
        super().__init__(text or f"Add {node.type} '{node.id}'")
        self.graph, self.node = graph, node.copy()

    def redo(self) -> None:
        self.graph.add_node(self.node.copy())

    def undo(self) -> None:
        self.graph.remove_node(self.node.id)


class RemoveNode(QUndoCommand):
    """Remove a node with its wires; undo puts both back where they were."""

    def __init__(self, graph: Graph, node_id: str) -> None:
        node = graph.node(node_id)
        super().__init__(f"Delete {node.type} '{node_id}'")
        self.graph, self.node_id = graph, node_id
        self.node: Node | None = None
        self.index = 0
        self.edges: list[tuple[int, Edge]] = []

    def redo(self) -> None:
        self.index = list(self.graph.nodes).index(self.node_id)
        wires = set(self.graph.edges_of([self.node_id]))
        self.edges = [(i, e) for i, e in enumerate(self.graph.edges) if e in wires]
        self.node, _ = self.graph.remove_node(self.node_id)

    def undo(self) -> None:
        assert self.node is not None
        self.graph.add_node(self.node, index=self.index)
        for index, edge in self.edges:
            self.graph.add_edge(edge, index=index)


class Connect(QUndoCommand):
    """A new wire; ``target_port=None`` takes the next free input (Add, Concat)."""

    def __init__(self, graph: Graph, source: str, target: str, target_port: int | None = None) -> None:
        super().__init__(f"Connect '{source}' to '{target}'")
        self.graph, self.source, self.target, self.port = graph, source, target, target_port
        self.edge: Edge | None = None

    def redo(self) -> None:
        if self.edge is None:
            self.edge = self.graph.connect(self.source, self.target, self.port)
        else:
            self.graph.add_edge(self.edge)

    def undo(self) -> None:
        assert self.edge is not None
        self.graph.disconnect(self.edge)


class AddEdge(QUndoCommand):
    """Insert a wire exactly as given (paste, which checked it already)."""

    def __init__(self, graph: Graph, edge: Edge) -> None:
        super().__init__(f"Connect '{edge.source}' to '{edge.target}'")
        self.graph, self.edge = graph, edge

    def redo(self) -> None:
        self.graph.add_edge(self.edge)

    def undo(self) -> None:
        self.graph.disconnect(self.edge)


class Disconnect(QUndoCommand):
    def __init__(self, graph: Graph, edge: Edge) -> None:
        super().__init__(f"Disconnect '{edge.source}' from '{edge.target}'")
        self.graph, self.edge = graph, edge
        self.index = 0

    def redo(self) -> None:
        self.index = self.graph.edges.index(self.edge)
        self.graph.disconnect(self.edge)

    def undo(self) -> None:
        self.graph.add_edge(self.edge, index=self.index)


class SetParam(QUndoCommand):
    """Change one parameter (``None`` = automatic / default)."""

    def __init__(self, graph: Graph, node_id: str, name: str, value: Any) -> None:
        super().__init__(f"Change {name} of {node_id}")
        self.graph, self.node_id, self.name = graph, node_id, name
        self.value = copy.deepcopy(value)
        self.old: Any = None
        self.index: int | None = None

    def redo(self) -> None:
        params = self.graph.node(self.node_id).params
        self.index = list(params).index(self.name) if self.name in params else None
        self.old = self.graph.set_param(self.node_id, self.name, self.value)

    def undo(self) -> None:
        self.graph.set_param(self.node_id, self.name, self.old, index=self.index)


class SetExtra(QUndoCommand):
    """Change a node's non-layer key, e.g. ``trainable`` (``None`` removes it)."""

    def __init__(self, graph: Graph, node_id: str, key: str, value: Any, text: str = "") -> None:
        super().__init__(text or f"Change {key} of {node_id}")
        self.graph, self.node_id, self.key = graph, node_id, key
        self.value = copy.deepcopy(value)
        self.old: Any = None

    def redo(self) -> None:
        self.old = self.graph.set_extra(self.node_id, self.key, self.value)

    def undo(self) -> None:
        self.graph.set_extra(self.node_id, self.key, self.old)


class Rename(QUndoCommand):
    def __init__(self, graph: Graph, old_id: str, new_id: str) -> None:
        super().__init__(f"Rename '{old_id}' to '{new_id}'")
        self.graph, self.old_id, self.new_id = graph, old_id, new_id

    def redo(self) -> None:
        self.graph.rename_node(self.old_id, self.new_id)

    def undo(self) -> None:
        self.graph.rename_node(self.new_id, self.old_id)


class MoveNodes(QUndoCommand):
    """Move nodes to new positions (a drag, or the auto-layout)."""

    def __init__(self, graph: Graph, positions: dict[str, tuple[float, float] | None],
                 text: str | None = None) -> None:
        if text is None:
            ids = list(positions)
            text = f"Move '{ids[0]}'" if len(ids) == 1 else f"Move {len(ids)} layers"
        super().__init__(text)
        self.graph = graph
        self.positions = dict(positions)
        self.old: dict[str, tuple[float, float] | None] = {}

    def redo(self) -> None:
        self.old = self.graph.move_nodes(self.positions)

    def undo(self) -> None:
        self.graph.move_nodes(self.old)
