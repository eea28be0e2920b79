"""The network design as data: nodes, edges, and the change signals the views observe.

The graph stores what the project file stores (ids, types, params, positions) and
nothing about how it is drawn. Every mutation goes through one method, validates
first, changes the data, then emits a fine-grained signal followed by ``changed``.
Each method has an exact inverse, which the designer's undo commands rely on.
"""

from __future__ import annotations

import copy
import keyword
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable

from core.errors import GraphError
from core.edge_list import EdgeList
from core.events import Signal
from core.layers import REGISTRY

_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

#: Public attribute names of ``torch.fx.GraphModule``: a node id becomes a module
#: attribute, so these would clash.
RESERVED_IDS = frozenset("""
T_destination add_module add_submodule apply bfloat16 buffers call_super_init children code
compile cpu cuda delete_all_unused_submodules delete_submodule double dump_patches eval
extra_repr float forward get_buffer get_extra_state get_parameter get_submodule graph half
ipu load_state_dict meta modules mtia named_buffers named_children named_modules
named_parameters parameters print_readable recompile register_backward_hook register_buffer
register_forward_hook register_forward_pre_hook register_full_backward_hook
register_full_backward_pre_hook register_load_state_dict_post_hook
register_load_state_dict_pre_hook register_module register_parameter
register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state
set_submodule share_memory state_dict to to_empty to_folder train training type xpu zero_grad
""".split())


def id_problem(node_id: Any) -> str | None:
    """Why ``node_id`` cannot name a node, or ``None`` when it can."""
    if not isinstance(node_id, str) or not node_id:
        return "a node id must be a non-empty name"
    if not _ID_PATTERN.match(node_id):
        return (f"node id {node_id!r} must start with a letter and contain only letters,"
                " digits and _ (at most 64 characters)")
    if keyword.iskeyword(node_id) or node_id in RESERVED_IDS:
        return f"node id {node_id!r} is a reserved word in Python or PyTorch: choose another name"
    return None


def _peel_downstream(stuck: list[str], successors: dict[str, list[str]]) -> list[str]:
    """Drop nodes that merely follow a cycle, leaving the nodes on it (for the message)."""
    remaining = set(stuck)
    changed = True
    while changed:
        changed = False
        for nid in list(remaining):
            if not any(nxt in remaining for nxt in successors[nid]):
                remaining.discard(nid)
                changed = True
    return [nid for nid in stuck if nid in remaining]


@dataclass
class Node:
    """One layer of the design. ``extra`` keeps keys this version does not know."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "params": copy.deepcopy(self.params)}
        if self.pos is not None:
            data["pos"] = [_round(self.pos[0]), _round(self.pos[1])]
        data.update(copy.deepcopy(self.extra))
        return data

    def copy(self) -> "Node":
        return Node(self.id, self.type, copy.deepcopy(self.params), self.pos, copy.deepcopy(self.extra))


def _round(value: float) -> float | int:
    value = round(float(value), 1)
    return int(value) if value.is_integer() else value


@dataclass(frozen=True)
class Edge:
    """A wire from ``source``'s output to input ``target_port`` of ``target``."""

    source: str
    target: str
    target_port: int = 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.source, "target": self.target}
        if self.target_port:
            data["target_port"] = self.target_port
        return data


class Graph:
    """Nodes (in insertion order) and edges, with change signals.

    Signals: ``node_added(node)``, ``node_removed(node)``, ``node_changed(node_id)``
    (params or extra keys), ``node_moved(node_id)``, ``node_renamed(old, new)``,
    ``edge_added(edge)``, ``edge_removed(edge)``, ``reset()`` (everything replaced),
    and ``changed()`` after any of them.
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._edges = EdgeList()
        self.node_added = Signal()
        self.node_removed = Signal()
        self.node_changed = Signal()
        self.node_moved = Signal()
        self.node_renamed = Signal()
        self.edge_added = Signal()
        self.edge_removed = Signal()
        self.reset = Signal()
        self.changed = Signal()

    @property
    def edges(self) -> EdgeList:
        """The wires in order (a ``list``; assigning any list of edges is allowed)."""
        return self._edges

    @edges.setter
    def edges(self, edges: Iterable[Edge]) -> None:
        self._edges = edges if isinstance(edges, EdgeList) else EdgeList(edges)

    # ------------------------------------------------------------------ queries
    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"there is no node {node_id!r}") from None

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def incoming(self, node_id: str) -> list[Edge]:
        """Edges into ``node_id``, ordered by port."""
        return sorted(self._edges.into(node_id), key=lambda e: e.target_port)

    def outgoing(self, node_id: str) -> list[Edge]:
        """Edges out of ``node_id``, in wire order."""
        return self._edges.out_of(node_id)

    def edges_of(self, node_ids: Iterable[str]) -> list[Edge]:
        ids = set(node_ids)
        return [e for e in self.edges if e.source in ids or e.target in ids]

    def unique_id(self, stem: str) -> str:
        """``stem`` plus the smallest number not yet used: ``fc1``, ``fc2``, ..."""
        stem = re.sub(r"[^A-Za-z0-9_]", "", stem) or "node"
        if not stem[0].isalpha():
            stem = "n" + stem
        n = 1
        while f"{stem}{n}" in self.nodes:
            n += 1
        return f"{stem}{n}"

    def upstream(self, node_id: str) -> set[str]:
        """``node_id`` and every node whose output reaches it (what computing it needs)."""
        seen, stack = {node_id}, [node_id]
        while stack:
            for edge in self._edges.into(stack.pop()):
                if edge.source not in seen:
                    seen.add(edge.source)
                    stack.append(edge.source)
        return seen

    def reaches(self, start: str, goal: str) -> bool:
        """Whether a path of wires leads from ``start`` to ``goal``."""
        stack, seen = [start], set()
        successors: dict[str, list[str]] = {}
        for e in self.edges:
            successors.setdefault(e.source, []).append(e.target)
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            if current in seen:
                continue
            seen.add(current)
            stack.extend(successors.get(current, ()))
        return False

    def columns_read(self) -> list[str] | None:
        """The data columns the Inputs read, in order, when every Input names its ``columns``;
        None when there is no Input or one reads the whole row (no ``columns`` parameter)."""
        inputs = [node for node in self.nodes.values() if node.type == "Input"]
        named = [node.params.get("columns") for node in inputs]
        if not inputs or not all(named):
            return None
        read = [c for value in named for c in ([value] if isinstance(value, str) else value)
                if isinstance(c, str)]
        return list(dict.fromkeys(read))

    def topological_order(self) -> list[str]:
        """Node ids so that every wire goes forward; raises :class:`GraphError` on a cycle."""
        indegree = {nid: 0 for nid in self.nodes}
        successors: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        for e in self.edges:
            if e.source in indegree and e.target in indegree:
                indegree[e.target] += 1
                successors[e.source].append(e.target)
        ready = deque(nid for nid, d in indegree.items() if d == 0)
        order: list[str] = []
        while ready:
            nid = ready.popleft()
            order.append(nid)
            for nxt in successors[nid]:
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    ready.append(nxt)
        if len(order) != len(self.nodes):
            done = set(order)
            stuck = [nid for nid in self.nodes if nid not in done]
            stuck = _peel_downstream(stuck, successors)
            raise GraphError("the graph has a cycle through " + ", ".join(repr(s) for s in stuck[:6])
                             + ": remove one of the wires that loop back")
        return order

    def connection_problem(self, source: str, target: str, target_port: int | None = None) -> str | None:
        """Why a wire ``source -> target`` cannot be made, or ``None`` when it can."""
        if source not in self.nodes or target not in self.nodes:
            missing = source if source not in self.nodes else target
            return f"there is no node {missing!r}"
        if source == target:
            return f"a node cannot be connected to itself ('{source}')"
        src_type = self.nodes[source].type
        if src_type == "Output":
            return f"Output '{source}' is the end of the network: nothing can follow it"
        spec = REGISTRY.get(self.nodes[target].type)
        incoming = self.incoming(target)
        if spec.max_inputs == 0:
            return f"{spec.type} '{target}' takes no inputs: it is where the data enters"
        if any(e.source == source for e in incoming):
            return f"'{source}' is already connected to '{target}'"
        if self.reaches(target, source):
            return f"connecting '{source}' to '{target}' would make a cycle: '{target}' already feeds '{source}'"
        if target_port is not None and spec.max_inputs is not None and target_port >= spec.max_inputs:
            return f"{spec.type} '{target}' has no input {target_port}: its inputs are 0 to {spec.max_inputs - 1}"
        if spec.max_inputs is not None and len(incoming) >= spec.max_inputs:
            if spec.max_inputs > 1:
                sources = ", ".join(f"'{e.source}'" for e in incoming)
                return (f"{spec.type} '{target}' already has its {spec.max_inputs} inputs ({sources}):"
                        " delete one of those wires first")
            return (f"{spec.type} '{target}' already has an input from '{incoming[0].source}':"
                    " delete that wire first, or use Add or Concat to join several inputs")
        if target_port is not None and any(e.target_port == target_port for e in incoming):
            return f"input {target_port} of '{target}' is already connected"
        return None

    # ------------------------------------------------------------------ mutations
    def add_node(self, node: Node, index: int | None = None) -> Node:
        """Add a node (at position ``index`` of the node order when given, e.g. by undo)."""
        problem = id_problem(node.id)
        if problem:
            raise GraphError(problem)
        if node.id in self.nodes:
            raise GraphError(f"a node named {node.id!r} already exists: choose another name")
        REGISTRY.get(node.type)  # raises for an unknown type
        if index is None or index >= len(self.nodes):
            self.nodes[node.id] = node
        else:
            items = list(self.nodes.items())
            items.insert(max(index, 0), (node.id, node))
            self.nodes = dict(items)
        self.node_added.emit(node)
        self.changed.emit()
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its wires; returns both so that the removal can be undone."""
        node = self.node(node_id)
        removed = self.edges_of([node_id])
        for edge in removed:
            self._drop_edge(edge)
        del self.nodes[node_id]
        self.node_removed.emit(node)
        self.changed.emit()
        return node, removed

    def connect(self, source: str, target: str, target_port: int | None = None) -> Edge:
        problem = self.connection_problem(source, target, target_port)
        if problem:
            raise GraphError(problem)
        if target_port is None:
            target_port = self._next_port(target)
        return self.add_edge(Edge(source, target, target_port))

    def _next_port(self, target: str) -> int:
        """The input a wire without a port number takes: after the last one for a node that
        takes any number (Add, Concat keep their order), else the first free one (a wire into
        SequencePool whose token-id input 1 is wired takes input 0)."""
        ports = {e.target_port for e in self.incoming(target)}
        if REGISTRY.get(self.nodes[target].type).max_inputs is None:
            return max(ports) + 1 if ports else 0
        return next(port for port in range(len(ports) + 1) if port not in ports)

    def add_edge(self, edge: Edge, index: int | None = None) -> Edge:
        """Insert a wire as it is (used by undo and by loading, after validation).

        ``index`` puts it at that position of :attr:`edges` (undo restores the order).
        """
        if edge.source not in self.nodes or edge.target not in self.nodes:
            raise GraphError(f"the wire {edge.source} -> {edge.target} names a node that does not exist")
        if edge in self.edges:
            raise GraphError(f"the wire {edge.source} -> {edge.target} already exists")
        if index is None:
            self.edges.append(edge)
        else:
            self.edges.insert(max(index, 0), edge)
        self.edge_added.emit(edge)
        self.changed.emit()
        return edge

    def disconnect(self, edge: Edge) -> Edge:
        if edge not in self.edges:
            raise GraphError(f"there is no wire {edge.source} -> {edge.target}")
        self._drop_edge(edge)
        self.changed.emit()
        return edge

    def _drop_edge(self, edge: Edge) -> None:
        self.edges.remove(edge)
        self.edge_removed.emit(edge)

    def set_param(self, node_id: str, name: str, value: Any, index: int | None = None) -> Any:
        """Set (or with ``None`` clear) one parameter after validating it; returns the old value.

        ``index``: where a parameter not yet set goes among the node's ``params`` keys
        (undo of a clear puts it back where it was, so the file is unchanged).
        """
        node = self.node(node_id)
        spec = REGISTRY.get(node.type)
        param = spec.params.get(name)
        if param is None:
            raise GraphError(f"{node.type} has no parameter {name!r}")
        if value is not None:
            param.validate(value)
        old = node.params.get(name)
        if value is None:
            node.params.pop(name, None)
        elif index is not None and name not in node.params and index < len(node.params):
            items = list(node.params.items())
            items.insert(max(index, 0), (name, copy.deepcopy(value)))
            node.params = dict(items)
        else:
            node.params[name] = copy.deepcopy(value)
        self.node_changed.emit(node_id)
        self.changed.emit()
        return old

    def set_extra(self, node_id: str, key: str, value: Any) -> Any:
        """Set (or with ``None`` remove) a non-layer key of a node, e.g. ``trainable``."""
        node = self.node(node_id)
        if key in ("id", "type", "params", "pos"):
            raise GraphError(f"{key!r} is not an extra key")
        old = node.extra.get(key)
        if value is None:
            node.extra.pop(key, None)
        else:
            node.extra[key] = copy.deepcopy(value)
        self.node_changed.emit(node_id)
        self.changed.emit()
        return old

    def move_nodes(self, positions: dict[str, tuple[float, float] | None]) -> dict[str, tuple[float, float] | None]:
        """Move several nodes at once; returns their previous positions."""
        old = {}
        for node_id, pos in positions.items():
            node = self.node(node_id)
            old[node_id] = node.pos
            node.pos = None if pos is None else (float(pos[0]), float(pos[1]))
        for node_id in positions:
            self.node_moved.emit(node_id)
        if positions:
            self.changed.emit()
        return old

    def rename_node(self, old_id: str, new_id: str) -> None:
        """Give a node a new id; its wires follow."""
        if old_id == new_id:
            return
        node = self.node(old_id)
        problem = id_problem(new_id)
        if problem:
            raise GraphError(problem)
        if new_id in self.nodes:
            raise GraphError(f"a node named {new_id!r} already exists: choose another name")
        self.nodes = {(new_id if k == old_id else k): v for k, v in self.nodes.items()}
        node.id = new_id
        self.edges = [Edge(new_id if e.source == old_id else e.source,
                           new_id if e.target == old_id else e.target, e.target_port)
                      for e in self.edges]
        self.node_renamed.emit(old_id, new_id)
        self.changed.emit()

    def replace_all(self, nodes: list[Node], edges: list[Edge]) -> None:
        """Swap in a whole new graph (open file, undo of a large edit) with one ``reset``."""
        self.nodes = {n.id: n for n in nodes}
        self.edges = list(edges)
        self.reset.emit()
        self.changed.emit()

    # ------------------------------------------------------------------ (de)serialising
    def to_dict(self) -> dict[str, Any]:
        return {"nodes": [n.to_dict() for n in self.nodes.values()],
                "edges": [e.to_dict() for e in self.edges]}

    def copy(self) -> "Graph":
        clone = Graph()
        clone.nodes = {k: v.copy() for k, v in self.nodes.items()}
        clone.edges = list(self.edges)
        return clone
