"""Positions for an imported network, without Qt: left to right by depth, long chains wrapped.

The designer's own auto-layout (``designer/layout.py``, the L key) is richer but lives on
the Qt side of the package boundary; an imported project must look readable in any tool
that opens it, so it gets positions here: each node in the column of its longest path
from the Input, the nodes of a column stacked, and a network too deep for one row
wrapped into bands stacked top to bottom. The grid matches the canvas's cards
(140 × 68 scene pixels). The number of columns per band is chosen so
that the whole picture is about 16:10, as the designer's own layout aims for.
"""

from __future__ import annotations

import math

from core.graph import Graph

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
    """Top-left corners of the node cards, keyed by node id."""
    order = graph.topological_order()
    column: dict[str, int] = {}
    for node_id in order:
        sources = [edge.source for edge in graph.incoming(node_id)]
        column[node_id] = 1 + max((column[s] for s in sources), default=-1)
    columns: dict[int, list[str]] = {}
    for node_id in order:
        columns.setdefault(column[node_id], []).append(node_id)
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
