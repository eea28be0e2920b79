"""Positions for an imported network, without Qt: left to right by depth, long chains wrapped.

The designer's own auto-layout (``designer/layout.py``, the L key) is richer but lives on
the Qt side of the package boundary; an imported project must look readable in any tool
that opens it, so it gets positions here: each node in the column of its longest path
from the Input, the nodes of a column stacked, and a network too deep for one row
wrapped into bands stacked top to bottom. The grid matches the canvas's cards
(140 × 68 scene pixels). The number of columns per band is chosen so
that the whole picture is about 16:10, as the designer's own layout aims for.

A long network gets groups first (:mod:`core.importers.grouping`), collapsed: each is laid
out inside on its own, then placed as one card, so the network opens as a dozen cards.
"""

from __future__ import annotations

import math

from core.graph import Graph
from core.groups import layout_with_groups

COLUMN_STEP, ROW_STEP, BAND_GAP = 200.0, 104.0, 110.0
MIN_BAND_COLUMNS = 4
ASPECT = 1.6


def band_columns(columns: int, rows: int) -> int:
    """Columns per band that make the picture closest to :data:`ASPECT` (width / height)."""
    best, best_gap = columns, float("inf")
    for bands in range(1, columns + 1):
        per_band = math.ceil(columns / bands)
        if per_band < MIN_BAND_COLUMNS and bands > 1:
            break
        width = per_band * COLUMN_STEP
        height = bands * (rows * ROW_STEP + BAND_GAP)
        gap = abs(math.log(width / height / ASPECT))
        if gap < best_gap:
            best, best_gap = per_band, gap
    return best


def layered_positions(graph: Graph) -> dict[str, tuple[float, float]]:
    """Top-left corners of the node cards, keyed by node id; a collapsed group
    (:mod:`core.groups`) is placed as one card, its members kept as they are inside it."""
    return layout_with_groups(graph, arrange)


def arrange(ids: list[str], wires: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Positions for ``ids`` (in a topological order) given ``(source, target)`` wires."""
    column: dict[str, int] = {}
    sources: dict[str, list[str]] = {}
    for source, target in wires:
        sources.setdefault(target, []).append(source)
    ids = _topological(ids, wires)
    for node_id in ids:
        column[node_id] = 1 + max((column[s] for s in sources.get(node_id, ()) if s in column),
                                  default=-1)
    columns: dict[int, list[str]] = {}
    for node_id in ids:
        columns.setdefault(column[node_id], []).append(node_id)
    if not columns:
        return {}
    per_band = band_columns(len(columns), max(len(m) for m in columns.values()))
    bands: dict[int, int] = {}
    for index, members in columns.items():
        band = index // per_band
        bands[band] = max(bands.get(band, 1), len(members))
    band_top, top = {}, 0.0
    for band in sorted(bands):
        band_top[band] = top
        top += bands[band] * ROW_STEP + BAND_GAP
    positions = {}
    for index, members in columns.items():
        band = index // per_band
        for row, node_id in enumerate(members):
            positions[node_id] = ((index % per_band) * COLUMN_STEP,
                                  band_top[band] + row * ROW_STEP)
    return positions


def _topological(ids: list[str], wires: list[tuple[str, str]]) -> list[str]:
    """``ids`` reordered so that every wire goes forward, keeping their order where it can
    (a group's card comes after everything that feeds any of its members)."""
    indegree = {n: 0 for n in ids}
    successors: dict[str, list[str]] = {n: [] for n in ids}
    for source, target in wires:
        if source in indegree and target in indegree:
            indegree[target] += 1
            successors[source].append(target)
    rank = {n: i for i, n in enumerate(ids)}
    ready = [n for n in ids if indegree[n] == 0]
    order: list[str] = []
    while ready:
        ready.sort(key=rank.__getitem__)
        node = ready.pop(0)
        order.append(node)
        for nxt in successors[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    done = set(order)
    return order + [n for n in ids if n not in done]  # a cycle: the rest as given
