"""Shape inference tells the truth and teaches when it cannot."""

from __future__ import annotations

from core.graph import Edge, Graph, Node
from core.shapes import ShapeInference, analyze, format_shape
from tests.core.helpers import chain


def messages(analysis):
    return [p.message for p in analysis.problems]


def test_linear_after_convolution_asks_for_a_flatten():
    graph = chain(("conv1", "Conv2d", {"out_channels": 16, "kernel_size": 5}),
                  ("pool", "MaxPool2d", {}), ("fc2", "Linear", {"out_features": 10}),
                  input_shape=(1, 14, 14), units=3)
    analysis = analyze(graph)
    assert "Linear 'fc2' needs a flat input but receives (N, 16, 5, 5): add a Flatten before it" in messages(analysis)
    assert analysis.shape_of("pool") == (16, 5, 5)  # the good nodes keep their shapes
    assert not analysis.ready


def test_add_with_different_shapes_names_both():
    graph = Graph()
    graph.add_node(Node("input", "Input", {"shape": [8]}))
    graph.add_node(Node("a", "Linear", {"out_features": 64}))
    graph.add_node(Node("b", "Linear", {"out_features": 32}))
    graph.add_node(Node("sum1", "Add"))
    graph.add_node(Node("out", "Output", {"units": 2}))
    for s, t in (("input", "a"), ("input", "b"), ("a", "sum1"), ("b", "sum1"), ("sum1", "out")):
        graph.connect(s, t)
    assert ("Add 'sum1' receives (N, 64) and (N, 32): its inputs must have the same shape;"
            " change the sizes of the layers that feed it") in messages(analyze(graph))


def test_input_not_connected_to_output():
    graph = Graph()
    graph.add_node(Node("input", "Input", {"shape": [3]}))
    graph.add_node(Node("out", "Output", {"units": 2}))
    assert any("Input 'input' is not connected to Output 'out'" in m for m in messages(analyze(graph)))


def test_one_broken_node_does_not_hide_the_others():
    graph = Graph()
    graph.add_node(Node("input", "Input", {"shape": [3, 8, 8]}))
    graph.add_node(Node("bad", "Linear", {"out_features": 4}))
    graph.add_node(Node("after_bad", "ReLU"))
    graph.add_node(Node("conv", "Conv2d", {"out_channels": 5}))
    graph.add_node(Node("other", "Conv2d", {"out_channels": 7, "kernel_size": 9}))
    for s, t in (("input", "bad"), ("bad", "after_bad"), ("input", "conv"), ("conv", "other")):
        graph.connect(s, t)
    analysis = analyze(graph)
    assert analysis.shape_of("conv") == (5, 6, 6)
    assert analysis.results["bad"].error and analysis.results["other"].error
    assert "window of 9" in analysis.results["other"].error
    assert analysis.results["after_bad"].error is None and analysis.shape_of("after_bad") is None
    assert any("no Output" in m for m in messages(analysis))


def test_missing_data_and_units_are_explained():
    graph = chain(("fc1", "Linear", {}))
    msgs = messages(analyze(graph))
    assert any("Input 'input' has no shape yet: load data" in m for m in msgs)


def test_counts_and_totals():
    graph = chain(("fc1", "Linear", {"out_features": 16}), ("relu", "ReLU", {}), input_shape=(4,), units=3)
    analysis = analyze(graph)
    assert analysis.results["fc1"].params == 4 * 16 + 16
    assert analysis.total_params == 80 + 16 * 3 + 3
    assert analysis.total_macs == 64 + 48
    assert format_shape((16, 5, 5)) == "16×5×5"
    assert analysis.ready


def test_cached_inference_follows_edits():
    graph = chain(("fc1", "Linear", {"out_features": 16}), ("fc2", "Linear", {"out_features": 8}),
                  input_shape=(4,), units=3)
    inference = ShapeInference()
    assert inference.analyze(graph).shape_of("fc2") == (8,)
    graph.set_param("fc2", "out_features", 5)
    assert inference.analyze(graph).shape_of("fc2") == (5,)
    graph.set_param("fc1", "out_features", 2)
    assert inference.analyze(graph).results["fc2"].params == 2 * 5 + 5


def test_dead_branch_is_a_warning_not_an_error():
    graph = chain(("fc1", "Linear", {}), input_shape=(4,), units=3)
    graph.add_node(Node("loose", "ReLU"))
    graph.add_edge(Edge("fc1", "loose"))
    analysis = analyze(graph)
    assert analysis.ready
    assert [p.severity for p in analysis.problems] == ["warning"]


def test_too_many_inputs_in_a_hand_written_file_is_an_error():
    graph = chain(("fc1", "Linear", {}), input_shape=(4,), units=3)
    graph.add_node(Node("other", "Identity"))
    graph.add_edge(Edge("input", "other"))
    graph.add_edge(Edge("other", "fc1", 1))
    assert any("takes one input but has 2" in m for m in messages(analyze(graph)))
