"""Auto-layout (the L key): a pure function from nodes and wires to positions, no Qt.

Left to right by depth, in the spirit of Sugiyama's layered drawing:

1. every node gets a column: the length of the longest path of wires leading to it;
2. a wire that skips columns gets invisible waypoints in the columns it crosses, so
   the nodes it passes keep out of its way (the residual connection runs in its own
   lane, the main path beside it);
3. the nodes of each column are ordered by the average row of their neighbours
   (a few sweeps left and right), which removes most crossings;
4. the rows become coordinates; a graph deeper than ``min_band_columns`` columns is
   wrapped into bands stacked top to bottom (about a 16:10 picture), so 300 layers
   stay readable instead of becoming one strip 60 000 pixels wide. A band ends where
   the fewest wires cross (between two residual blocks, not inside one), so usually
   a single wire runs back to the start of the next band.

The positions are the node cards' top-left corners on the canvas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

Position = tuple[float, float]


@dataclass(frozen=True)
class LayoutStyle:
    """The grid the layout places cards on (sizes in scene pixels)."""

    node_width: float = 140.0
    node_height: float = 68.0
    column_gap: float = 60.0
    row_gap: float = 36.0
    band_gap: float = 110.0
    min_band_columns: int = 6
    aspect: float = 1.6  # width / height the wrapped picture aims for

    @property
    def column_step(self) -> float:
        return self.node_width + self.column_gap

    @property
    def row_step(self) -> float:
        return self.node_height + self.row_gap


def auto_layout(node_ids: Sequence[str], edges: Iterable[tuple[str, str]],
                style: LayoutStyle = LayoutStyle(), origin: Position = (0.0, 0.0)) -> dict[str, Position]:
    """Positions for ``node_ids`` (in their given order) given ``(source, target)`` wires.

    Wires naming unknown nodes are ignored; a cycle (which the graph refuses anyway) is
    broken at an arbitrary wire rather than failing.
    """
    ids = list(dict.fromkeys(node_ids))
    if not ids:
        return {}
    known = set(ids)
    pairs = [(s, t) for s, t in edges if s in known and t in known and s != t]
    columns = _columns(ids, pairs)
    layers, links = _with_waypoints(ids, pairs, columns)
    _order_layers(layers, links)
    return _coordinates(layers, _band_starts(layers, links, columns, style), style, origin)


# ---------------------------------------------------------------------- 1. columns
def _columns(ids: list[str], pairs: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path depth of every node (Kahn's order; leftovers of a cycle go last)."""
    successors: dict[str, list[str]] = {n: [] for n in ids}
    indegree = {n: 0 for n in ids}
    for s, t in pairs:
        successors[s].append(t)
        indegree[t] += 1
    column = {n: 0 for n in ids}
    ready = [n for n in ids if indegree[n] == 0]
    seen: set[str] = set()
    while True:
        while ready:
            node = ready.pop()
            seen.add(node)
            for nxt in successors[node]:
                column[nxt] = max(column[nxt], column[node] + 1)
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    ready.append(nxt)
        stuck = [n for n in ids if n not in seen]
        if not stuck:
            break
        indegree[stuck[0]] = 0  # break a cycle
        ready.append(stuck[0])
    _pull_sources_right(column, successors)
    return column


def _pull_sources_right(column: dict[str, int], successors: dict[str, list[str]]) -> None:
    """A node with no inputs sits just left of its first user, not far away in column 0."""
    has_input = {t for outs in successors.values() for t in outs}
    for node, outs in successors.items():
        if node not in has_input and outs:
            column[node] = max(column[node], min(column[t] for t in outs) - 1)


# ---------------------------------------------------------------------- 2. waypoints
def _with_waypoints(ids: list[str], pairs: list[tuple[str, str]], columns: dict[str, int]):
    """Layers of node ids (real nodes and ``None``-named waypoints) and the links between them."""
    depth = max(columns.values()) + 1
    layers: list[list[object]] = [[] for _ in range(depth)]
    for node in ids:
        layers[columns[node]].append(node)
    links: list[tuple[object, object]] = []
    for k, (s, t) in enumerate(pairs):
        cs, ct = columns[s], columns[t]
        if ct <= cs:  # a wire going backwards (only in a broken cycle): no waypoints
            continue
        previous: object = s
        for c in range(cs + 1, ct):
            waypoint = _Waypoint(k, c)
            layers[c].append(waypoint)
            links.append((previous, waypoint))
            previous = waypoint
        links.append((previous, t))
    return layers, links


class _Waypoint:
    """An invisible stop of a long wire in a column it crosses."""

    __slots__ = ("edge", "column")

    def __init__(self, edge: int, column: int) -> None:
        self.edge, self.column = edge, column


# ---------------------------------------------------------------------- 3. ordering
def _order_layers(layers: list[list[object]], links: list[tuple[object, object]], sweeps: int = 4) -> None:
    """Barycentre ordering, in place. Waypoints win ties so long wires keep to the top lane."""
    before: dict[object, list[object]] = {}
    after: dict[object, list[object]] = {}
    for a, b in links:
        after.setdefault(a, []).append(b)
        before.setdefault(b, []).append(a)
    rank = {item: i for layer in layers for i, item in enumerate(layer)}

    def sweep(order: range, neighbours: dict[object, list[object]]) -> None:
        for c in order:
            layer = layers[c]

            def key(item: object, index: int) -> tuple[float, int, int]:
                near = neighbours.get(item)
                centre = sum(rank[n] for n in near) / len(near) if near else float(rank[item])
                return (centre, 0 if isinstance(item, _Waypoint) else 1, index)

            keyed = sorted(((key(item, i), item) for i, item in enumerate(layer)), key=lambda kv: kv[0])
            layer[:] = [item for _, item in keyed]
            for i, item in enumerate(layer):
                rank[item] = i

    for _ in range(sweeps):
        sweep(range(1, len(layers)), before)
        sweep(range(len(layers) - 2, -1, -1), after)
    sweep(range(1, len(layers)), before)


# ---------------------------------------------------------------------- 4. bands and coordinates
def _band_starts(layers: list[list[object]], links: list[tuple[object, object]], columns: dict[str, int],
                 style: LayoutStyle) -> list[int]:
    """The first column of each band."""
    depth = len(layers)
    if depth <= style.min_band_columns:
        return [0]
    rows = max(1.0, sum(len(layer) for layer in layers) / depth)  # average lanes
    band_height = rows * style.row_step + style.band_gap
    # width / height ~ aspect  with  width = k * column_step,  height = depth / k * band_height
    k = max(style.min_band_columns, math.sqrt(style.aspect * depth * band_height / style.column_step))
    bands = max(1, round(depth / k))
    if bands == 1:
        return [0]
    target = math.ceil(depth / bands)
    crossing = [0] * depth  # wires from column c to column c + 1
    for a, _ in links:
        crossing[a.column if isinstance(a, _Waypoint) else columns[a]] += 1
    starts = [0]
    while starts[-1] + target < depth:
        ideal = starts[-1] + target
        slack = max(1, target // 3)
        window = range(max(starts[-1] + 2, ideal - slack), min(depth - 1, ideal + slack) + 1)
        # a new band starts at column c: fewest crossings between c - 1 and c, then nearest the ideal
        starts.append(min(window, key=lambda c: (crossing[c - 1], abs(c - ideal))) if window else ideal)
    return starts


def _coordinates(layers: list[list[object]], starts: list[int], style: LayoutStyle,
                 origin: Position) -> dict[str, Position]:
    positions: dict[str, Position] = {}
    band_top = origin[1]
    for start, end in zip(starts, starts[1:] + [len(layers)]):
        band = layers[start:end]
        rows = max(len(layer) for layer in band)
        for offset, layer in enumerate(band):
            x = origin[0] + offset * style.column_step
            for row, item in enumerate(layer):
                if isinstance(item, str):
                    positions[item] = (x, band_top + row * style.row_step)
        band_top += rows * style.row_step - style.row_gap + style.band_gap
    return positions


def overlaps(positions: dict[str, Position], style: LayoutStyle = LayoutStyle()) -> list[tuple[str, str]]:
    """Pairs of cards that overlap (for tests and sanity checks)."""
    found = []
    items = sorted(positions.items(), key=lambda kv: kv[1][0])
    for i, (a, (ax, ay)) in enumerate(items):
        for b, (bx, by) in items[i + 1:]:
            if bx >= ax + style.node_width:
                break
            if abs(by - ay) < style.node_height:
                found.append((a, b))
    return found
