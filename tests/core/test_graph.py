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


# ---------------------------------------------------------------------- scale
def _scan_incoming(graph: Graph, node_id: str) -> list[Edge]:
    return sorted((e for e in list.__iter__(graph.edges) if e.target == node_id),
                  key=lambda e: e.target_port)


def _scan_outgoing(graph: Graph, node_id: str) -> list[Edge]:
    return [e for e in list.__iter__(graph.edges) if e.source == node_id]


def _assert_index_matches_a_scan(graph: Graph, names) -> None:
    for name in names:
        assert graph.incoming(name) == _scan_incoming(graph, name)
        assert graph.outgoing(name) == _scan_outgoing(graph, name)
    for edge in {Edge(a, b, p) for a in names for b in names for p in (0, 1)}:
        assert (edge in graph.edges) == any(e == edge for e in list.__iter__(graph.edges))


def test_the_edge_index_agrees_with_a_scan_after_any_edit():
    """Undo inserts wires mid-list, edits may touch the list directly: lookups stay exact."""
    import copy
    import pickle
    import random

    rng = random.Random(7)
    names = [f"n{i}" for i in range(6)]
    graph = Graph()
    for name in names:
        graph.add_node(Node(name, "Identity"))
    pairs = [(a, b) for a in names for b in names if a < b]
    for step in range(400):
        roll = rng.random()
        edges = graph.edges
        if roll < 0.35:
            a, b = rng.choice(pairs)
            edge = Edge(a, b, rng.randint(0, 1))
            if edge not in edges:
                graph.add_edge(edge, index=rng.choice([None, 0, len(edges) // 2, len(edges)]))
        elif roll < 0.55 and edges:
            graph.disconnect(rng.choice(list(edges)))
        elif roll < 0.62 and edges:
            edges.pop(rng.randrange(len(edges)))
        elif roll < 0.68 and edges:
            del edges[: rng.randint(0, 2)]
        elif roll < 0.73 and edges:
            edges[rng.randrange(len(edges))] = Edge(*rng.choice(pairs))
        elif roll < 0.78:
            edges.reverse()
        elif roll < 0.82:
            edges.extend([Edge(*rng.choice(pairs))])
        elif roll < 0.86 and edges:
            graph.rename_node(names[0], "tmp")
            graph.rename_node("tmp", names[0])
        elif roll < 0.9:
            graph.edges = list(edges)[::-1]
        elif roll < 0.93:
            graph.edges = copy.deepcopy(graph.edges) if rng.random() < 0.5 else pickle.loads(
                pickle.dumps(graph.edges))
        elif roll < 0.95 and rng.random() < 0.3:
            edges.clear()
        else:
            graph.remove_node(names[-1])
            graph.add_node(Node(names[-1], "Identity"))
        assert isinstance(graph.edges, list)
        _assert_index_matches_a_scan(graph, names)


def _traced_lines(work, budget: int) -> int:
    """Lines run in ``core/`` (and in ``Edge.__eq__``) during ``work()``; raises past ``budget``.

    Counting steps instead of seconds makes the check immune to a busy machine, and the
    budget makes a quadratic regression fail in seconds instead of running for minutes.
    """
    import sys
    from pathlib import Path

    import core

    root = str(Path(core.__file__).resolve().parent)
    eq_code = Edge.__eq__.__code__
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
            if count > budget:
                raise AssertionError(f"more than {budget:,} lines of core code ran: quadratic?")
        return local

    def calls(frame, event, arg):
        code = frame.f_code
        return local if code.co_filename.startswith(root) or code is eq_code else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        work()
    finally:
        sys.settrace(previous)
    return count


def _load_check_and_walk(text: str) -> None:
    """What ``layerforge check`` does, plus every node's wires looked up (as the builder does)."""
    from core.check import check_project, format_table
    from core.project import Project

    project = Project.from_json(text)
    report = check_project(project)
    assert report.ready, [p.message for p in report.problems][:3]
    format_table(project, report.analysis)
    graph = project.graph
    for node_id in graph.nodes:
        graph.incoming(node_id)
        graph.outgoing(node_id)


def test_core_work_per_node_stays_the_same_from_1000_to_4000_nodes():
    """Loading, checking and walking a chain runs the same core lines per node at any length.

    A step that scans every wire for every node (``edge in list``, ``incoming()`` as a
    filter over all wires) makes the count per node grow with the chain: four times the
    nodes would run about sixteen times the lines.
    """
    import json

    from tests.bench.bench_graph_scale import chain_project

    small, large = 1_000, 4_000
    per_node_small = _traced_lines(lambda: _load_check_and_walk(json.dumps(chain_project(small))),
                                   budget=small * 2_000) / small
    per_node_large = _traced_lines(lambda: _load_check_and_walk(json.dumps(chain_project(large))),
                                   budget=int(large * per_node_small * 1.5)) / large
    assert per_node_large <= per_node_small * 1.1, (per_node_small, per_node_large)


def test_loading_and_checking_20000_nodes_compares_each_wire_a_few_times(monkeypatch):
    """``Edge.__eq__`` runs O(wires) times, not O(wires²) (a list membership test per wire)."""
    import json

    from tests.bench.bench_graph_scale import chain_project

    n_nodes = 20_000
    text = json.dumps(chain_project(n_nodes))
    budget = 2 * (n_nodes - 1)
    calls = 0
    original = Edge.__eq__

    def counting_eq(self, other):
        nonlocal calls
        calls += 1
        if calls > budget:
            raise AssertionError(f"Edge.__eq__ ran more than {budget:,} times for {n_nodes - 1:,}"
                                 " wires: something compares every wire with every other")
        return original(self, other)

    monkeypatch.setattr(Edge, "__eq__", counting_eq)
    _load_check_and_walk(text)
    assert calls <= budget


def test_a_wire_without_a_port_takes_the_first_free_input_of_a_fixed_pair_and_the_next_of_concat():
    graph = Graph()
    for nid, type_name in (("ids", "Input"), ("emb", "Embedding"), ("pool", "SequencePool"),
                           ("a", "Identity"), ("b", "Identity"), ("cat", "Concat")):
        graph.add_node(Node(nid, type_name))
    graph.connect("ids", "pool", 1)
    assert graph.connect("emb", "pool").target_port == 0  # not 2: SequencePool has inputs 0 and 1
    graph.connect("a", "cat", 1)
    assert graph.connect("b", "cat").target_port == 2  # Concat keeps adding after the last
    assert "has no input 2: its inputs are 0 to 1" in graph.connection_problem("a", "pool", 2)
