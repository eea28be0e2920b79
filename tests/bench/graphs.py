"""Large graphs for the benchmarks: a deep residual CNN of about 300 nodes."""

from __future__ import annotations

from core.graph import Edge, Graph, Node


def residual_cnn(blocks: int = 42, channels: int = 32) -> Graph:
    """Input -> stem -> ``blocks`` × [conv, bn, relu, conv, bn, add, relu] -> head: 7·blocks + 6 nodes."""
    graph = Graph()
    x = 0.0

    def add(node_id: str, type_name: str, params: dict, y: float = 0.0) -> str:
        nonlocal x
        graph.add_node(Node(node_id, type_name, params, (x, y)))
        x += 180
        return node_id

    previous = add("input", "Input", {"shape": [3, 32, 32]})
    stem = add("stem", "Conv2d", {"out_channels": channels, "kernel_size": 3, "padding": 1})
    graph.add_edge(Edge(previous, stem))
    previous = add("stem_relu", "ReLU", {})
    graph.add_edge(Edge(stem, previous))
    for b in range(blocks):
        entry = previous
        chain = [(f"b{b}_conv1", "Conv2d", {"out_channels": channels, "kernel_size": 3, "padding": 1}),
                 (f"b{b}_bn1", "BatchNorm2d", {}), (f"b{b}_relu1", "ReLU", {}),
                 (f"b{b}_conv2", "Conv2d", {"out_channels": channels, "kernel_size": 3, "padding": 1}),
                 (f"b{b}_bn2", "BatchNorm2d", {})]
        last = entry
        for node_id, type_name, params in chain:
            add(node_id, type_name, params, y=-120)
            graph.add_edge(Edge(last, node_id))
            last = node_id
        add(f"b{b}_add", "Add", {})
        graph.add_edge(Edge(last, f"b{b}_add", 0))
        graph.add_edge(Edge(entry, f"b{b}_add", 1))
        previous = add(f"b{b}_relu2", "ReLU", {})
        graph.add_edge(Edge(f"b{b}_add", previous))
    for node_id, type_name, params in (("gap", "AdaptiveAvgPool2d", {"output_size": 1}),
                                       ("flatten", "Flatten", {}), ("output", "Output", {"units": 10})):
        add(node_id, type_name, params)
        graph.add_edge(Edge(previous, node_id))
        previous = node_id
    return graph
