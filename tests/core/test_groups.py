"""Groups of layers (core/groups.py): membership on the nodes, the wires across a group's
boundary, what can be grouped, the file round trip, the layout of a collapsed group as one
card, and a build that groups do not change."""

from __future__ import annotations

import pytest

from core import groups
from core.build import build
from core.errors import ProjectError
from core.graph import Graph
from core.importers.layout import COLUMN_STEP, ROW_STEP, layered_positions
from core.project import Project
from tests.conftest import EXAMPLES

BLOCK = ["conv_a", "bn_a", "relu_a", "conv_b", "bn_b", "skip_add"]


def residual() -> Project:
    """The residual CNN example (one residual block), buildable without data."""
    project = Project.load(EXAMPLES / "residual_cnn.lfproj")
    project.graph.set_param("input", "shape", [1, 16, 16])
    project.graph.set_param("output", "units", 4)
    return project


def make_group(graph: Graph, members, name: str, collapsed: bool = False) -> None:
    for node_id in members:
        graph.set_extra(node_id, groups.GROUP_KEY, groups.member_value(name, collapsed))


def test_a_group_is_its_members_and_its_boundary_wires():
    graph = residual().graph
    make_group(graph, BLOCK, "block")
    make_group(graph, ["stem", "stem_relu"], "stem", collapsed=True)
    found = {g.name: g for g in groups.groups(graph)}
    assert found["block"].members == tuple(BLOCK) and not found["block"].collapsed
    assert found["stem"].collapsed and groups.group_of(graph, "bn_a") == "block"
    assert groups.group_of(graph, "gap") is None
    edges = groups.boundary(graph, BLOCK)
    assert {(e.source, e.target) for e in edges.incoming} == {("pool1", "conv_a"), ("pool1", "skip_add")}
    assert [(e.source, e.target) for e in edges.outgoing] == [("skip_add", "block_relu")]
    assert len(edges.inner) == 5 and edges.exits == ["skip_add"]


def test_members_that_disagree_show_the_group_open():
    graph = residual().graph
    make_group(graph, BLOCK, "block", collapsed=True)
    graph.set_extra("bn_a", groups.GROUP_KEY, groups.member_value("block", False))
    assert not groups.group_named(graph, "block").collapsed


def test_deleting_members_shrinks_the_group_and_the_last_one_takes_it_away():
    graph = residual().graph
    make_group(graph, ["gap", "flatten"], "tail")
    graph.rename_node("gap", "pool_all")
    assert groups.group_named(graph, "tail").members == ("pool_all", "flatten")
    graph.remove_node("flatten")
    assert groups.group_named(graph, "tail").members == ("pool_all",)
    node, wires = graph.remove_node("pool_all")
    assert groups.groups(graph) == []
    graph.add_node(node)  # what undo does: the node comes back with its membership
    assert groups.group_named(graph, "tail").members == ("pool_all",)


@pytest.mark.parametrize("selection, name, words", [
    (["conv_a"], "one", "at least two layers"),
    (["conv_a", "skip_add"], "hole", "lies between layers of the selection"),
    (["gap", "flatten"], "  ", "needs a name"),
    (["gap", "flatten"], "block", "already exists"),
    (["gap", "flatten"], "x" * 81, "at most 80 characters"),
])
def test_what_cannot_be_grouped_gets_a_sentence(selection, name, words):
    graph = residual().graph
    make_group(graph, BLOCK, "block")
    problem = groups.grouping_problem(graph, selection, name)
    assert problem is not None and words in problem
    if words.startswith("lies"):  # it names a layer the wires pass through
        assert any(f"'{n}'" in problem for n in ("bn_a", "relu_a", "conv_b", "bn_b"))


def test_a_group_can_take_in_whole_groups_and_keep_their_name():
    graph = residual().graph
    make_group(graph, BLOCK, "block")
    assert groups.grouping_problem(graph, BLOCK + ["block_relu"], "block") is None
    assert groups.grouping_problem(graph, BLOCK, "") is not None


def test_the_default_name_is_what_the_names_share():
    assert groups.default_name(["layer1_0_conv1", "layer1_0_relu", "layer1_0"]) == "layer1_0"
    assert groups.default_name(["layer1.0", "layer1.1"]) == "layer1"
    assert groups.default_name(["conv_a", "bn_a"]) == "group"
    assert groups.default_name(["stem"]) == "stem"


def test_groups_are_saved_and_read_back_exactly(tmp_path):
    project = residual()
    make_group(project.graph, BLOCK, "block", collapsed=True)
    make_group(project.graph, ["gap", "flatten"], "tail")
    path = project.save(tmp_path / "grouped.lfproj")
    text = path.read_text(encoding="utf-8")
    assert '"group": {"name": "block", "collapsed": true}' in text
    again = Project.load(path)
    assert groups.groups(again.graph) == groups.groups(project.graph)
    assert again.to_json() == text


def test_a_broken_group_in_a_file_is_one_sentence(tmp_path):
    project = residual()
    project.graph.set_extra("gap", groups.GROUP_KEY, 5)
    path = project.save(tmp_path / "broken.lfproj")
    with pytest.raises(ProjectError) as caught:
        Project.load(path)
    assert "node 'gap' group must be an object" in str(caught.value)


def test_a_group_changes_nothing_the_network_computes():
    import torch

    plain = residual().graph
    grouped = residual().graph
    make_group(grouped, BLOCK, "block", collapsed=True)
    make_group(grouped, ["stem", "stem_relu", "pool1"], "stem")
    a, b = build(plain), build(grouped)
    assert a.code == b.code
    assert {k: tuple(v.shape) for k, v in a.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in b.state_dict().items()}
    b.load_state_dict(a.state_dict())
    x = torch.randn(3, 1, 16, 16)
    a.eval(), b.eval()
    assert torch.equal(a(x), b(x))


def test_the_layout_places_a_collapsed_group_as_one_card_keeping_its_inside():
    graph = residual().graph
    make_group(graph, BLOCK, "block", collapsed=True)
    before = {m: graph.nodes[m].pos for m in BLOCK}
    positions = layered_positions(graph)
    corner = groups.top_left(positions[m] for m in BLOCK)
    old_corner = groups.top_left(before.values())
    for m in BLOCK:  # the members moved together: expanding shows them as they were
        assert positions[m][0] - corner[0] == pytest.approx(before[m][0] - old_corner[0])
        assert positions[m][1] - corner[1] == pytest.approx(before[m][1] - old_corner[1])
    # the card is one column right of pool1, as one layer would be
    assert corner == (positions["pool1"][0] + COLUMN_STEP, positions["pool1"][1])
    cards = [p for n, p in positions.items() if n not in BLOCK] + [corner]
    assert not [(a, b) for i, a in enumerate(cards) for b in cards[i + 1:]
                if abs(a[0] - b[0]) < COLUMN_STEP * 0.7 and abs(a[1] - b[1]) < ROW_STEP * 0.65]


def test_an_open_group_that_would_cover_other_cards_is_known():
    graph = residual().graph
    make_group(graph, BLOCK, "block", collapsed=True)
    x, y = groups.top_left(graph.nodes[m].pos for m in BLOCK)
    graph.move_nodes({"block_relu": (x + COLUMN_STEP, y)})  # just right of the collapsed card
    assert groups.covers_others(graph, "block", 140.0, 68.0)
    graph.move_nodes({"block_relu": (x + 3000, y)})
    assert not groups.covers_others(graph, "block", 140.0, 68.0)
    make_group(graph, ["gap", "flatten"], "tail")
    graph.move_nodes({"gap": (5000.0, 5000.0), "flatten": (5200.0, 5000.0)})
    assert not groups.covers_others(graph, "tail", 140.0, 68.0)


def test_copies_of_grouped_layers_make_a_group_of_their_own():
    from core.graph import Node

    graph = residual().graph
    make_group(graph, ["gap", "flatten"], "tail", collapsed=True)
    copies = [graph.nodes[n].copy() for n in ("gap", "flatten")]
    copies[0].id, copies[1].id = "gap2", "flatten2"
    groups.fresh_names_for_copies(graph, copies)
    for node in copies:
        graph.add_node(node)
    found = {g.name: g for g in groups.groups(graph)}
    assert found["tail"].members == ("gap", "flatten")
    assert found["tail 2"] == groups.Group("tail 2", ("gap2", "flatten2"), True)
    loose = Node("loose", "ReLU", {}, None, {"group": "not an object"})
    groups.fresh_names_for_copies(graph, [loose])
    assert "group" not in loose.extra
