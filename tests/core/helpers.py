"""Small builders shared by the core tests."""

from __future__ import annotations

from core.graph import Edge, Graph, Node


def chain(*layers, input_shape=None, units=None) -> Graph:
    """Input -> layers... -> Output, each layer given as (id, type, params)."""
    graph = Graph()
    graph.add_node(Node("input", "Input", {"shape": list(input_shape)} if input_shape else {}))
    previous = "input"
    for node_id, type_name, params in layers:
        graph.add_node(Node(node_id, type_name, dict(params)))
        graph.add_edge(Edge(previous, node_id))
        previous = node_id
    graph.add_node(Node("output", "Output", {"units": units} if units else {}))
    graph.add_edge(Edge(previous, "output"))
    return graph
