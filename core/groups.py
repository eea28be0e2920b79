"""Named groups of layers: a long network (a ResNet's blocks, a Transformer's layers) read as
a dozen cards. No Qt here; the canvas draws them (``designer/canvas/groups.py``).

A group is membership, not structure: each member node carries ``"group": {"name": ...,
"collapsed": ...}`` among its extra keys, and the build ignores it, so grouping changes
nothing the network computes. Keeping the membership on the nodes makes the rules hold by
themselves: deleting a node takes it out of its group, a group whose last member goes
disappears, renaming a node keeps it in its group, and undoing a deletion puts the node
back in its group (the undo commands restore a node's extra keys exactly).

A group is *collapsed* when every member says so (a hand-edited file that disagrees shows
the group open: nothing is hidden by accident). Collapsed, it is drawn as one card at the
top-left corner of its members' cards, the wires that cross its boundary drawn to that card.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from core.graph import Edge, Graph, Node

#: The node key holding the membership.
GROUP_KEY = "group"
#: At most this many characters in a group's name (the card shows about 20).
MAX_NAME = 80
Position = tuple[float, float]


@dataclass(frozen=True)
class Group:
    """A group as the graph holds it now: its members in graph order."""

    name: str
    members: tuple[str, ...]
    collapsed: bool


@dataclass(frozen=True)
class Boundary:
    """The wires of a group: into it, out of it, and inside it."""

    incoming: tuple[Edge, ...]
    outgoing: tuple[Edge, ...]
    inner: tuple[Edge, ...]

    @property
    def exits(self) -> list[str]:
        """The members whose output leaves the group, without repeats, in wire order."""
        return list(dict.fromkeys(e.source for e in self.outgoing))


def membership(node: Node) -> tuple[str, bool] | None:
    """``(name, collapsed)`` of the group ``node`` is in, or None (a malformed value is none)."""
    return parse_member(node.extra.get(GROUP_KEY))


def parse_member(value: Any) -> tuple[str, bool] | None:
    """``(name, collapsed)`` from what a node stores under :data:`GROUP_KEY`, or None."""
    if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"].strip():
        return value["name"].strip(), value.get("collapsed") is True
    return None


def member_value(name: str, collapsed: bool) -> dict[str, Any]:
    """What a member stores under :data:`GROUP_KEY`."""
    return {"name": name, "collapsed": bool(collapsed)}


def groups(graph: Graph) -> list[Group]:
    """Every group with at least one member, in the order of their first members."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for node in graph.nodes.values():
        member = membership(node)
        if member is not None:
            found.setdefault(member[0], []).append((node.id, member[1]))
    return [Group(name, tuple(n for n, _ in entries), all(c for _, c in entries))
            for name, entries in found.items()]


def group_named(graph: Graph, name: str) -> Group | None:
    return next((g for g in groups(graph) if g.name == name), None)


def group_of(graph: Graph, node_id: str) -> str | None:
    """The name of ``node_id``'s group, or None."""
    node = graph.nodes.get(node_id)
    member = membership(node) if node is not None else None
    return member[0] if member else None


def boundary(graph: Graph, members: Iterable[str]) -> Boundary:
    """Split the wires touching ``members`` into those entering, leaving and inside."""
    inside = set(members)
    incoming, outgoing, inner = [], [], []
    for edge in graph.edges:
        source_in, target_in = edge.source in inside, edge.target in inside
        if source_in and target_in:
            inner.append(edge)
        elif target_in:
            incoming.append(edge)
        elif source_in:
            outgoing.append(edge)
    return Boundary(tuple(incoming), tuple(outgoing), tuple(inner))


def default_name(names: Iterable[str]) -> str:
    """A name from what the nodes' names share: ``layer1_0_conv1``, ``layer1_0_relu`` ->
    ``layer1_0``; ``group`` when they share nothing readable."""
    names = [n for n in names if n]
    if not names:
        return "group"
    prefix = os.path.commonprefix(names) if len(names) > 1 else names[0]
    if len(names) > 1 and not all(n == prefix or not n[len(prefix)].isalnum() for n in names):
        # cut back to the last separator: conv1, conv2 share "conv", not a name
        cut = max(prefix.rfind(sep) for sep in "._/-")
        prefix = prefix[:cut] if cut > 0 else ""
    prefix = prefix.strip("._/- ")
    return prefix[:MAX_NAME] or "group"


def cut_through(graph: Graph, members: Iterable[str]) -> str | None:
    """A node outside ``members`` on a path from one member to another (a group must not
    contain a hole a wire leaves through and comes back), or None."""
    inside = set(members)
    successors: dict[str, list[str]] = {}
    for edge in graph.edges:
        successors.setdefault(edge.source, []).append(edge.target)
    # outside nodes reachable from the group ...
    reached, stack = set(), [t for m in inside for t in successors.get(m, ()) if t not in inside]
    while stack:
        node = stack.pop()
        if node in reached:
            continue
        reached.add(node)
        stack.extend(t for t in successors.get(node, ()) if t not in inside)
    # ... that lead back into it
    for node in graph.nodes:
        if node in reached and any(t in inside for t in successors.get(node, ())):
            return node
    return None


def grouping_problem(graph: Graph, node_ids: Iterable[str], name: str) -> str | None:
    """Why ``node_ids`` cannot become the group ``name``, or None when they can.

    Nodes already in other groups move to the new one; a name another group keeps (one
    with members outside this selection) is refused, so two groups never merge by accident.
    """
    ids = [n for n in node_ids if n in graph.nodes]
    name = name.strip()
    if len(ids) < 2:
        return "select at least two layers to group (Shift+click or drag a rectangle around them)"
    if not name:
        return "a group needs a name"
    if len(name) > MAX_NAME:
        return f"a group's name can have at most {MAX_NAME} characters"
    taken = group_named(graph, name)
    if taken is not None and not set(taken.members) <= set(ids):
        return f"a group named {name!r} already exists: choose another name"
    hole = cut_through(graph, ids)
    if hole is not None:
        return (f"'{hole}' lies between layers of the selection but is not selected: select it"
                " too, or fewer layers, so that the group is one piece of the network")
    return None


# ---------------------------------------------------------------------- layout
def collapsed_cards(graph: Graph) -> dict[str, str]:
    """``{member id: card key}`` for every member of a collapsed group. A card key
    (``group:NAME``) can never be a node id (ids have no colon)."""
    return {member: f"group:{g.name}" for g in groups(graph) if g.collapsed for member in g.members}


def top_left(positions: Iterable[Position | None]) -> Position:
    """The top-left corner of cards at ``positions`` (unplaced ones count as the origin)."""
    points = [p or (0.0, 0.0) for p in positions]
    if not points:
        return 0.0, 0.0
    return min(p[0] for p in points), min(p[1] for p in points)


Arrange = Callable[[list[str], list[tuple[str, str]]], dict[str, Position]]


def layout_with_groups(graph: Graph, arrange: Arrange) -> dict[str, Position]:
    """Positions for every node, a collapsed group laid out as one card.

    ``arrange(ids, wires)`` is the layout itself (the canvas's or the importer's); it sees
    each collapsed group as one node. The members of a collapsed group keep their places
    relative to each other, moved together so that their top-left corner is the card's
    (expanding shows them as they were).
    """
    card_of = collapsed_cards(graph)
    ids = list(dict.fromkeys(card_of.get(n, n) for n in graph.nodes))
    wires = list(dict.fromkeys((card_of.get(e.source, e.source), card_of.get(e.target, e.target))
                               for e in graph.edges))
    wires = [(s, t) for s, t in wires if s != t]
    placed = arrange(ids, wires)
    members_of: dict[str, list[str]] = {}
    for member, card in card_of.items():
        members_of.setdefault(card, []).append(member)
    corners = {card: top_left(graph.nodes[m].pos for m in members) for card, members in members_of.items()}
    result: dict[str, Position] = {}
    for node_id, node in graph.nodes.items():
        card = card_of.get(node_id)
        if card is None:
            result[node_id] = placed[node_id]
            continue
        (cx, cy), (ox, oy) = placed[card], corners[card]
        px, py = node.pos or (0.0, 0.0)
        result[node_id] = (round(cx + px - ox, 1), round(cy + py - oy, 1))
    return result


# ---------------------------------------------------------------------- summaries
def summary(graph: Graph, group: Group, analysis: Any | None) -> dict[str, Any]:
    """What a collapsed card shows: layers, parameters, output shape and the first problem.

    ``analysis`` is a :class:`core.shapes.Analysis` (or None before the first one).
    """
    bound = boundary(graph, group.members)
    exits = bound.exits or [group.members[-1]]
    result = {"layers": len(group.members), "params": None, "output": None, "error": None,
              "warning": None, "exits": len(bound.exits)}
    if analysis is None:
        return result
    params = 0
    for member in group.members:
        found = analysis.results.get(member)
        if found is not None and found.output is not None:
            params += found.params
        error = (found.error if found is not None else None) or next(
            (p.message for p in analysis.errors if p.node_id == member), None)
        if error and result["error"] is None:
            result["error"] = f"'{member}': {error}"
    for problem in analysis.problems:
        if problem.node_id in group.members and problem.severity == "warning":
            result["warning"] = result["warning"] or f"'{problem.node_id}': {problem.message}"
    result["params"] = params
    if len(exits) == 1:
        result["output"] = analysis.shape_of(exits[0])
    return result


def covers_others(graph: Graph, name: str, width: float, height: float) -> bool:
    """Whether the cards of group ``name``, shown open, would lie on other cards (another
    collapsed group counts as its one card at its corner)."""
    group = group_named(graph, name)
    if group is None:
        return False
    mine = set(group.members)
    card_of = collapsed_cards(graph)
    others: list[Position] = []
    hidden: dict[str, list[Position | None]] = {}
    for node_id, node in graph.nodes.items():
        if node_id in mine:
            continue
        card = card_of.get(node_id)
        if card is None:
            others.append(node.pos or (0.0, 0.0))
        else:
            hidden.setdefault(card, []).append(node.pos)
    others += [top_left(positions) for positions in hidden.values()]  # one card each
    return any(abs(x - ox) < width and abs(y - oy) < height
               for x, y in (graph.nodes[m].pos or (0.0, 0.0) for m in group.members) for ox, oy in others)


def fresh_names_for_copies(graph: Graph, nodes: list[Node]) -> None:
    """Pasted or duplicated ``nodes`` (not yet in ``graph``) that carry groups get groups of
    their own: ``block`` becomes ``block 2`` (the first name no group uses), collapsed as
    the copied one was, so a copy never joins the group it was copied from."""
    used = {g.name for g in groups(graph)}
    renamed: dict[str, str] = {}
    for node in nodes:
        member = membership(node)
        if member is None:
            node.extra.pop(GROUP_KEY, None)
            continue
        name, collapsed = member
        if name not in renamed:
            n = 2
            while f"{name} {n}"[:MAX_NAME] in used:
                n += 1
            renamed[name] = f"{name} {n}"[:MAX_NAME]
            used.add(renamed[name])
        node.extra[GROUP_KEY] = member_value(renamed[name], collapsed)
