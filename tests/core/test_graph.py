"""The graph model: edits, their inverses, refusals, and the signals views rely on."""

from __future__ import annotations

import pytest

from core.errors import GraphError
from core.graph import Edge, Graph, Node
from tests.core.helpers import chain


def test_refused_connections_say_why():
    graph = chain(("fc1", "Linear", {}), ("fc2", "Linear", {}), input_shape=(4,), units=2)
    assert "itself" in graph.connection_problem("fc1", "fc1")
    assert "cycle" in graph.connection_problem("fc2", "fc1")
    assert "already connected" in graph.connection_problem("input", "fc1")
    graph.add_node(Node("fc3", "Linear", {}))
    assert "already has an input from 'fc1'" in graph.connection_problem("input", "fc2")
    assert "takes no inputs" in graph.connection_problem("fc3", "input")
    assert "end of the network" in graph.connection_problem("output", "fc3")
    assert graph.connection_problem("fc2", "fc3") is None
    graph.disconnect(graph.incoming("fc1")[0])
    with pytest.raises(GraphError, match="cycle"):
        graph.connect("fc2", "fc1")


def test_merge_nodes_take_many_inputs_on_successive_ports():
    graph = Graph()
    for nid in ("a", "b", "c"):
        graph.add_node(Node(nid, "Identity"))
    graph.add_node(Node("sum", "Add"))
    for nid in ("a", "b", "c"):
        graph.connect(nid, "sum")
    assert [e.target_port for e in graph.incoming("sum")] == [0, 1, 2]
    assert [e.source for e in graph.incoming("sum")] == ["a", "b", "c"]


def test_remove_returns_what_undo_needs_and_signals_fire_in_order():
    graph = chain(("fc1", "Linear", {}), input_shape=(4,), units=2)
    events = []
    graph.edge_removed.connect(lambda e: events.append(("edge", e.source, e.target)))
    graph.node_removed.connect(lambda n: events.append(("node", n.id)))
    graph.changed.connect(lambda: events.append("changed"))
    node, edges = graph.remove_node("fc1")
    assert node.id == "fc1" and {(e.source, e.target) for e in edges} == {("input", "fc1"), ("fc1", "output")}
    assert events[-1] == "changed" and ("node", "fc1") in events
    before = len(graph.to_dict()["edges"])
    graph.add_node(node)
    for edge in edges:
        graph.add_edge(edge)
    assert len(graph.to_dict()["edges"]) == before + 2


def test_rename_moves_wires_and_refuses_clashes_and_bad_names():
    graph = chain(("fc1", "Linear", {}), input_shape=(4,), units=2)
    graph.rename_node("fc1", "hidden")
    assert "hidden" in graph and "fc1" not in graph
    assert {e.source for e in graph.incoming("output")} == {"hidden"}
    assert list(graph.nodes) == ["input", "hidden", "output"]  # order kept
    with pytest.raises(GraphError, match="already exists"):
        graph.rename_node("hidden", "output")
    with pytest.raises(GraphError, match="reserved"):
        graph.rename_node("hidden", "forward")
    with pytest.raises(GraphError, match="start with a letter"):
        graph.rename_node("hidden", "2nd")


def test_set_param_validates_and_none_clears():
    graph = chain(("fc1", "Linear", {"out_features": 8}), input_shape=(4,), units=2)
    with pytest.raises(Exception, match="at least 1|from 1"):
        graph.set_param("fc1", "out_features", 0)
    assert graph.nodes["fc1"].params == {"out_features": 8}
    assert graph.set_param("fc1", "out_features", 3) == 8
    graph.set_param("fc1", "out_features", None)
    assert graph.nodes["fc1"].params == {}


def test_unique_ids_and_cycle_message_names_the_loop():
    graph = Graph()
    graph.add_node(Node("fc1", "Linear"))
    assert graph.unique_id("fc") == "fc2"
    for nid in ("a", "b", "after"):
        graph.add_node(Node(nid, "Identity"))
    graph.add_edge(Edge("a", "b"))
    graph.add_edge(Edge("b", "a"))
    graph.add_edge(Edge("b", "after"))
    with pytest.raises(GraphError) as info:
        graph.topological_order()
    assert "'a', 'b'" in str(info.value) and "after" not in str(info.value)


def test_move_nodes_returns_old_positions():
    graph = chain(("fc1", "Linear", {}), input_shape=(4,), units=2)
    old = graph.move_nodes({"fc1": (10, 20)})
    assert old == {"fc1": None}
    assert graph.to_dict()["nodes"][1]["pos"] == [10, 20]
