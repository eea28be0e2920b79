"""The auto-layout is a pure function: left to right by depth, no overlaps, 300 nodes readable."""

from __future__ import annotations

from designer.layout import LayoutStyle, auto_layout, overlaps
from tests.bench.graphs import residual_cnn

STYLE = LayoutStyle()


def _pairs(graph):
    return [(e.source, e.target) for e in graph.edges]


def test_a_chain_runs_left_to_right_on_one_row():
    positions = auto_layout(["a", "b", "c"], [("a", "b"), ("b", "c")])
    assert positions == {"a": (0.0, 0.0), "b": (STYLE.column_step, 0.0), "c": (2 * STYLE.column_step, 0.0)}


def test_every_wire_goes_right_within_a_band_and_nothing_overlaps_for_300_nodes():
    graph = residual_cnn()
    assert len(graph) == 300
    positions = auto_layout(list(graph.nodes), _pairs(graph))
    assert set(positions) == set(graph.nodes)
    assert overlaps(positions) == []
    # bands are separated by gaps taller than a row; "unwrapped" x puts them end to end
    rows = sorted({y for _, y in positions.values()})
    band_of_row, band = {}, 0
    for previous, row in zip([rows[0]] + rows, rows):
        band += row - previous > STYLE.row_step
        band_of_row[row] = band
    assert band >= 3
    span = max(x for x, _ in positions.values()) + STYLE.column_step
    unwrapped = {nid: band_of_row[y] * span + x for nid, (x, y) in positions.items()}
    for source, target in _pairs(graph):
        assert unwrapped[target] > unwrapped[source]
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    width, height = max(xs) - min(xs) + STYLE.node_width, max(ys) - min(ys) + STYLE.node_height
    assert 0.8 < width / height < 3.0  # wrapped into bands: not a 60 000-pixel strip


def test_a_residual_skip_gets_its_own_lane():
    graph = residual_cnn(blocks=1)
    positions = auto_layout(list(graph.nodes), _pairs(graph))
    entry, add = positions["stem_relu"], positions["b0_add"]
    assert entry[1] == add[1]  # the skip wire runs straight...
    for nid in ("b0_conv1", "b0_bn1", "b0_relu1", "b0_conv2", "b0_bn2"):
        assert positions[nid][1] != entry[1]  # ...and no card sits on it


def test_branches_stack_and_merge():
    positions = auto_layout(["in", "a", "b", "cat"], [("in", "a"), ("in", "b"), ("a", "cat"), ("b", "cat")])
    assert positions["a"][0] == positions["b"][0] and positions["a"][1] != positions["b"][1]
    assert positions["cat"][0] > positions["a"][0]


def test_unconnected_nodes_cycles_and_unknown_wires_do_not_break_it():
    assert auto_layout([], []) == {}
    positions = auto_layout(["a", "b", "c", "lonely"], [("a", "b"), ("b", "a"), ("b", "c"), ("x", "a")])
    assert set(positions) == {"a", "b", "c", "lonely"}
    assert overlaps(positions) == []


def test_the_layout_is_deterministic():
    graph = residual_cnn(blocks=6)
    assert auto_layout(list(graph.nodes), _pairs(graph)) == auto_layout(list(graph.nodes), _pairs(graph))
