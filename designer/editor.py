"""Edits a person makes on the graph, turned into undo commands.

:class:`GraphEditor` is the one place the canvas, the palette, the inspector and the
menus go through to change the design: it checks an edit first (so a refused
connection or name gets its reason, said once in the status bar), then pushes one
command or one macro onto the undo stack. It keeps no state of its own beyond the
paste offset; the graph it edits is always the current project's.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication, QUndoStack

from core.errors import LayerForgeError
from core.graph import Edge, Graph, Node, id_problem
from core.layers import REGISTRY
from designer import clipboard, commands
from designer.layout import LayoutStyle, auto_layout

STYLE = LayoutStyle()
PASTE_OFFSET = (40.0, 40.0)


class GraphEditor(QObject):
    """High-level edits of the current graph; ``refused(reason)`` when one is not allowed."""

    refused = Signal(str)

    def __init__(self, undo_stack: QUndoStack, graph: Callable[[], Graph], parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self._graph = graph
        self._pastes = 0

    @property
    def graph(self) -> Graph:
        return self._graph()

    def _refuse(self, reason: str) -> None:
        self.refused.emit(reason[:1].upper() + reason[1:])

    # ------------------------------------------------------------------ nodes
    def add_layer(self, type_name: str, pos: tuple[float, float], after: str | None = None) -> str:
        """Add a layer of ``type_name`` with its top-left at ``pos``; wire it after ``after``."""
        spec = REGISTRY.get(type_name)
        graph = self.graph
        node = Node(graph.unique_id(spec.prefix), type_name, {}, (float(pos[0]), float(pos[1])))
        # a fresh node has no wires: only the ends can refuse (Output gives nothing, Input takes nothing)
        wire = (after is not None and after in graph and graph.nodes[after].type != "Output"
                and spec.max_inputs != 0)
        if not wire:
            self.undo_stack.push(commands.AddNode(graph, node))
            return node.id
        with self._macro(f"Add {type_name} '{node.id}' after '{after}'"):
            self.undo_stack.push(commands.AddNode(graph, node))
            self.undo_stack.push(commands.Connect(graph, after, node.id))
        return node.id

    def free_spot_right_of(self, node_id: str) -> tuple[float, float]:
        """Where a new card goes after ``node_id``: one column right, lower if taken."""
        graph = self.graph
        x, y = graph.node(node_id).pos or (0.0, 0.0)
        x += STYLE.column_step
        taken = [n.pos for n in graph.nodes.values() if n.pos is not None]
        while any(abs(px - x) < STYLE.node_width and abs(py - y) < STYLE.node_height for px, py in taken):
            y += STYLE.row_step
        return x, y

    def delete(self, node_ids: Iterable[str], edges: Iterable[Edge] = ()) -> None:
        """Delete nodes (with their wires) and loose wires, as one undo step."""
        graph = self.graph
        node_ids = [n for n in node_ids if n in graph]
        loose = [e for e in edges if e in graph.edges and e.source not in node_ids
                 and e.target not in node_ids]
        count = len(node_ids) + len(loose)
        if not count:
            return
        if count == 1:
            self.undo_stack.push(commands.RemoveNode(graph, node_ids[0]) if node_ids
                                 else commands.Disconnect(graph, loose[0]))
            return
        if not node_ids:
            text = f"Delete {len(loose)} wires"
        elif len(node_ids) == 1:
            text = f"Delete '{node_ids[0]}' and {len(loose)} wire{'s' if len(loose) > 1 else ''}"
        else:
            text = f"Delete {len(node_ids)} layers"
        with self._macro(text):
            for edge in loose:
                self.undo_stack.push(commands.Disconnect(graph, edge))
            for node_id in node_ids:
                self.undo_stack.push(commands.RemoveNode(graph, node_id))

    def rename(self, old_id: str, new_id: str) -> str | None:
        """Rename a node; returns the reason when the name is refused (nothing changes then)."""
        if old_id == new_id:
            return None
        problem = id_problem(new_id)
        if problem is None and new_id in self.graph:
            problem = f"a node named {new_id!r} already exists: choose another name"
        if problem:
            self._refuse(problem)
            return problem
        self.undo_stack.push(commands.Rename(self.graph, old_id, new_id))
        return None

    def set_param(self, node_id: str, name: str, value: Any) -> str | None:
        """Change a parameter; returns the reason when the value is refused."""
        graph = self.graph
        node = graph.node(node_id)
        param = REGISTRY.get(node.type).params.get(name)
        if param is None:
            return f"{node.type} has no parameter {name!r}"
        if node.params.get(name) == value and (value is not None or name not in node.params):
            return None
        if value is not None:
            try:
                param.validate(value)
            except LayerForgeError as err:
                return str(err)
        self.undo_stack.push(commands.SetParam(graph, node_id, name, value))
        return None

    def set_frozen(self, node_ids: Iterable[str], frozen: bool) -> list[str]:
        """Freeze (``trainable: false``) or unfreeze layers with weights, as one undo step;
        returns the ids that changed."""
        from core.layers.frozen import can_freeze, is_frozen

        graph = self.graph
        changing = [nid for nid in node_ids if nid in graph and can_freeze(graph.nodes[nid])
                    and is_frozen(graph.nodes[nid]) != frozen]
        if not changing:
            return []
        verb = "Freeze" if frozen else "Unfreeze"
        text = f"{verb} '{changing[0]}'" if len(changing) == 1 else f"{verb} {len(changing)} layers"
        with self._macro(text):
            for node_id in changing:
                self.undo_stack.push(commands.SetExtra(graph, node_id, "trainable",
                                                       False if frozen else None, text))
        return changing

    def set_lr_multiplier(self, node_id: str, value: float | None) -> str | None:
        """Set a layer's learning-rate multiplier as one undo step (``None`` or 1 removes it,
        the run's rate); returns the reason when the value is refused."""
        from core.layers.lr_multiplier import DEFAULT, KEY, format_multiplier, value_problem

        if value is not None and (problem := value_problem(value)):
            return f"the learning-rate multiplier {problem}"
        value = None if value == DEFAULT else value
        if self.graph.node(node_id).extra.get(KEY) == value:
            return None
        text = (f"Train '{node_id}' at the run's learning rate" if value is None
                else f"Train '{node_id}' at the learning rate {format_multiplier(value)}")
        self.undo_stack.push(commands.SetExtra(self.graph, node_id, KEY, value, text))
        return None

    def replace_head(self, plan) -> list[str]:
        """Carry out a :class:`core.transfer.HeadReplacement` as one undo step: delete the old
        head, add [Flatten ->] a new Output after the backbone; returns the new node ids."""
        graph = self.graph
        x, y = plan.position
        added: list[str] = []
        with self._macro(f"Replace the head after '{plan.attach_to}'"):
            self.delete(plan.remove)
            source = plan.attach_to
            if plan.flatten:
                flatten = graph.unique_id("flatten")
                self.undo_stack.push(commands.AddNode(graph, Node(flatten, "Flatten", {}, (x - 190.0, y))))
                self.undo_stack.push(commands.Connect(graph, source, flatten))
                added.append(flatten)
                source = flatten
            output = graph.unique_id("new_head")
            self.undo_stack.push(commands.AddNode(graph, Node(output, "Output", {}, (x, y))))
            self.undo_stack.push(commands.Connect(graph, source, output))
            added.append(output)
        return added

    def move(self, positions: dict[str, tuple[float, float]]) -> None:
        graph = self.graph
        changed = {nid: (float(p[0]), float(p[1])) for nid, p in positions.items()
                   if nid in graph and graph.nodes[nid].pos != (float(p[0]), float(p[1]))}
        if changed:
            self.undo_stack.push(commands.MoveNodes(graph, changed))

    def auto_layout(self) -> None:
        graph = self.graph
        if not graph.nodes:
            return
        from core.groups import layout_with_groups  # a collapsed group is one card

        positions = layout_with_groups(graph, lambda ids, wires: auto_layout(ids, wires, STYLE))
        changed = {nid: pos for nid, pos in positions.items() if graph.nodes[nid].pos != pos}
        if changed:
            self.undo_stack.push(commands.MoveNodes(graph, changed, text="Auto-layout"))

    # ------------------------------------------------------------------ wires
    def connect(self, source: str, target: str, target_port: int | None = None) -> str | None:
        """Wire ``source`` into ``target``; returns (and reports) the reason when refused."""
        problem = self.graph.connection_problem(source, target, target_port)
        if problem:
            self._refuse(problem)
            return problem
        self.undo_stack.push(commands.Connect(self.graph, source, target, target_port))
        return None

    # ------------------------------------------------------------------ clipboard
    def copy(self, node_ids: Iterable[str]) -> bool:
        node_ids = list(node_ids)
        if not node_ids:
            return False
        fragment = clipboard.make_fragment(self.graph, node_ids)
        # plain text (JSON): a QMimeData made in Python and handed to the clipboard can
        # crash PySide at exit; the fragment's "format" key tells it apart from other text
        QGuiApplication.clipboard().setText(clipboard.fragment_to_text(fragment))
        self._pastes = 0
        return True

    def cut(self, node_ids: Iterable[str]) -> None:
        node_ids = list(node_ids)
        if self.copy(node_ids):
            with self._macro(f"Cut {len(node_ids)} layer{'s' if len(node_ids) > 1 else ''}"):
                self.delete(node_ids)

    def paste(self) -> list[str]:
        """Paste the clipboard's fragment; returns the new node ids (empty when nothing to paste)."""
        fragment = clipboard.fragment_from_text(QGuiApplication.clipboard().text())
        if fragment is None:
            self._refuse("the clipboard holds no layers: copy some with Ctrl+C first")
            return []
        self._pastes += 1
        offset = (PASTE_OFFSET[0] * self._pastes, PASTE_OFFSET[1] * self._pastes)
        return self.insert_fragment(fragment, offset, "Paste")

    def duplicate(self, node_ids: Iterable[str]) -> list[str]:
        node_ids = list(node_ids)
        if not node_ids:
            return []
        fragment = clipboard.make_fragment(self.graph, node_ids)
        return self.insert_fragment(fragment, PASTE_OFFSET, "Duplicate")

    def insert_fragment(self, fragment: dict, offset: tuple[float, float], verb: str) -> list[str]:
        graph = self.graph
        nodes, edges = clipboard.paste_plan(graph, fragment, offset)
        if not nodes:
            return []
        with self._macro(f"{verb} {len(nodes)} layer{'s' if len(nodes) > 1 else ''}"):
            for node in nodes:
                self.undo_stack.push(commands.AddNode(graph, node))
            for edge in edges:
                self.undo_stack.push(commands.AddEdge(graph, edge))
        return [n.id for n in nodes]

    @contextmanager
    def _macro(self, text: str) -> Iterator[None]:
        """Several commands as one undo step named ``text`` (see designer/commands.py)."""
        self.undo_stack.beginMacro(text)
        try:
            yield
        finally:
            self.undo_stack.endMacro()
