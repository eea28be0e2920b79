"""The imported graph's positions: every card placed, none overlapping, wires run forward,
and a long chain wrapped into bands instead of one strip."""

from __future__ import annotations

from core.graph import Edge, Graph, Node
from core.importers.layout import COLUMN_STEP, ROW_STEP, layered_positions


def _chain(count: int, skip: bool = False) -> Graph:
    graph = Graph()
    ids = ["input"] + [f"relu{i}" for i in range(1, count - 1)] + ["output"]
    nodes = [Node(i, "Input" if i == "input" else "Output" if i == "output" else "ReLU", {}) for i in ids]
    edges = [Edge(a, b) for a, b in zip(ids, ids[1:])]
    if skip:
        nodes.insert(2, Node("side", "ReLU", {}))
        edges += [Edge("input", "side"), Edge("side", "relu3", 1)]
    graph.replace_all(nodes, edges)
    return graph


def _overlaps(positions) -> list:
    items = list(positions.items())
    return [(a, b) for i, (a, pa) in enumerate(items) for b, pb in items[i + 1:]
            if abs(pa[0] - pb[0]) < COLUMN_STEP * 0.7 and abs(pa[1] - pb[1]) < ROW_STEP * 0.65]


def test_a_short_network_is_one_row_left_to_right_with_branches_stacked():
    graph = _chain(5, skip=True)
    positions = layered_positions(graph)
    assert set(positions) == set(graph.nodes) and not _overlaps(positions)
    assert [positions[i][0] for i in ("input", "relu1", "relu2", "relu3", "output")] == sorted(
        positions[i][0] for i in ("input", "relu1", "relu2", "relu3", "output"))
    assert positions["side"][0] == positions["relu1"][0] and positions["side"][1] > positions["relu1"][1]


def test_a_deep_chain_wraps_into_bands_of_a_readable_shape():
    positions = layered_positions(_chain(40))
    xs = {p[0] for p in positions.values()}
    ys = sorted({p[1] for p in positions.values()})
    assert not _overlaps(positions)
    assert 4 <= len(xs) <= 12 and len(ys) > 3  # not one strip 40 cards wide
    width = max(xs) + COLUMN_STEP
    height = max(ys) + ROW_STEP
    assert 0.8 < width / height < 3.2
