"""Several Inputs and several Outputs: shapes, problems and the built module (no training).

An Input's ``columns`` picks the features of some table columns; every Output is a head
with a target (``data`` or ``input``), a loss and a weight (core/heads.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.build import build, meta_shapes, prediction_network
from core.data import describe
from core.graph import Edge, Graph, Node
from core.shapes import WARNING, DataShapes, analyze
from tests.core.helpers import chain

COLOURS = ("red", "green", "blue")


def write_csv(path: Path, rows: int = 40, classes: tuple[str, ...] = ("no", "yes")) -> Path:
    """Numbers a, b, c, a category ``colour`` (one-hot: three features) and a ``label``."""
    rng = np.random.default_rng(0)
    lines = ["a,b,colour,c,label"]
    for i in range(rows):
        lines.append(f"{rng.normal():.3f},{rng.normal():.3f},{COLOURS[i % 3]},{rng.normal():.3f},"
                     f"{classes[i % len(classes)]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def table(tmp_path) -> DataShapes:
    """The shapes of a two-class table: features a, b, colour=…(3), c."""
    info = describe({"kind": "csv", "path": str(write_csv(tmp_path / "t.csv")), "target": "label"})
    assert info.feature_columns == ["a", "b", "colour", "colour", "colour", "c"]
    return info.shapes()


@pytest.fixture
def three_classes(tmp_path) -> DataShapes:
    path = write_csv(tmp_path / "t3.csv", classes=("x", "y", "z"))
    return describe({"kind": "csv", "path": str(path), "target": "label"}).shapes()


def graph_of(nodes, edges) -> Graph:
    graph = Graph()
    for node_id, type_name, params in nodes:
        graph.add_node(Node(node_id, type_name, dict(params)))
    for edge in edges:
        graph.add_edge(Edge(*edge))
    return graph


def wide_and_deep(*, extra_outputs=(), extra_edges=(), first=(), inputs=None) -> Graph:
    """Input 'nums' (a, b, c) -> Linear; Input 'cats' (colour) -> Linear; Concat -> ReLU -> Output 'label'."""
    inputs = inputs or {"nums": ["a", "b", "c"], "cats": ["colour"]}
    nodes = [*first,
             ("nums", "Input", {"columns": inputs["nums"]}),
             ("cats", "Input", {"columns": inputs["cats"]}),
             ("fc_n", "Linear", {"out_features": 5}), ("fc_c", "Linear", {"out_features": 3}),
             ("join", "Concat", {}), ("relu", "ReLU", {}),
             ("label", "Output", {}), *extra_outputs]
    edges = [("nums", "fc_n"), ("cats", "fc_c"), ("fc_n", "join"), ("fc_c", "join", 1),
             ("join", "relu"), ("relu", "label"), *extra_edges]
    return graph_of(nodes, edges)


def messages(analysis, severity=None):
    return [p.message for p in analysis.problems if severity is None or p.severity == severity]


# --------------------------------------------------------------------------- Inputs
def test_two_inputs_take_the_features_of_their_columns(table):
    graph = wide_and_deep()
    analysis = analyze(graph, table)
    assert analysis.ready, messages(analysis)
    assert analysis.shape_of("nums") == (3,)  # a, b, c
    assert analysis.shape_of("cats") == (3,)  # colour=blue, colour=green, colour=red
    assert analysis.shape_of("join") == (8,) and analysis.shape_of("label") == (1,)

    torch.manual_seed(0)
    module = build(graph, table, analysis)
    placeholders = [n.target for n in module.graph.nodes if n.op == "placeholder"]
    assert placeholders == ["features"]  # one tensor in, every Input picks from it
    x = torch.arange(4 * 6, dtype=torch.float32).reshape(4, 6)
    assert torch.equal(module.nums(x), x[:, [0, 1, 5]])
    assert torch.equal(module.cats(x), x[:, [2, 3, 4]])
    assert module(x).shape == (4, 1)


def test_an_input_columns_picks_in_feature_order_not_in_the_order_written(table):
    graph = wide_and_deep(inputs={"nums": ["c", "a"], "cats": ["colour", "b"]})
    module = build(graph, table)
    x = torch.arange(2 * 6, dtype=torch.float32).reshape(2, 6)
    assert torch.equal(module.nums(x), x[:, [0, 5]])
    assert torch.equal(module.cats(x), x[:, [1, 2, 3, 4]])


def test_an_unknown_column_is_named(table):
    analysis = analyze(wide_and_deep(inputs={"nums": ["a", "price"], "cats": ["colour"]}), table)
    assert not analysis.ready
    assert ("Input 'nums' takes the column 'price', which is not a feature of the data: the"
            " feature columns are 'a', 'b', 'colour', 'c'") in messages(analysis)
    assert analysis.results["nums"].node_id == "nums" and analysis.results["nums"].error
    assert analysis.shape_of("cats") == (3,)  # the other Input keeps its shape


@pytest.mark.parametrize("data,shown", [
    (DataShapes((1, 8, 8), (3,)), "(N, 1, 8, 8)"),  # images: no feature columns
    (None, "(N, 1, 28, 28)"),  # the built-in images, described
])
def test_columns_on_data_without_named_columns_say_to_clear_them(data, shown):
    if data is None:
        data = describe({"kind": "builtin", "name": "shapes", "samples": 30}).shapes()
        assert data.feature_columns == ()
    graph = graph_of([("pixels", "Input", {"columns": ["a"]}), ("flat", "Flatten", {}),
                      ("out", "Output", {})], [("pixels", "flat"), ("flat", "out")])
    problem = [m for m in messages(analyze(graph, data)) if m.startswith("Input 'pixels'")]
    assert len(problem) == 1, messages(analyze(graph, data))
    assert problem[0].startswith("Input 'pixels' takes the columns 'a', but the data's samples (")
    assert problem[0].endswith("have no named columns (only a table's rows do): clear its columns"
                               " parameter")
    assert shown in problem[0]


def test_columns_are_a_list_of_names():
    from core.errors import ParamError
    from core.layers import REGISTRY

    columns = REGISTRY.get("Input").params.get("columns")
    assert columns.validate(["a", "colour"]) == ["a", "colour"]
    for bad in ("a", [], ["a", ""], [1], ["a", None]):
        with pytest.raises(ParamError):
            columns.validate(bad)


# --------------------------------------------------------------------------- Outputs
def test_a_loss_that_does_not_fit_its_target_is_refused(table):
    graph = wide_and_deep(extra_outputs=[("recon", "Output", {"target": "input", "loss": "hinge"})],
                          extra_edges=[("relu", "recon")])
    analysis = analyze(graph, table)
    assert not analysis.ready
    problem = [m for m in messages(analysis) if m.startswith("Output 'recon'")]
    assert len(problem) == 1
    assert problem[0].startswith("Output 'recon' has the loss 'hinge', which does not fit its"
                                 " reconstruction target: choose 'auto', 'bce', 'mse'")
    # the same loss fits a classification head
    graph.nodes["recon"].params.update({"target": "data"})
    assert analyze(graph, table).ready


def test_a_reconstruction_head_makes_the_inputs_shape(table):
    graph = wide_and_deep(extra_outputs=[("recon", "Output", {"target": "input", "loss": "l1"})],
                          extra_edges=[("relu", "recon")])
    analysis = analyze(graph, table)
    assert analysis.ready, messages(analysis)
    assert analysis.shape_of("recon") == (6,)  # every feature, not only one Input's columns


@pytest.mark.parametrize("loss,units", [("auto", 1), ("cross_entropy", 2), ("bce", 1), ("hinge", 1)])
def test_two_classes_size_the_head_for_its_own_loss(table, loss, units):
    graph = chain(("fc", "Linear", {"out_features": 4}))
    graph.nodes["output"].params["loss"] = loss
    analysis = analyze(graph, table)
    assert analysis.ready, messages(analysis)
    assert analysis.shape_of("output") == (units,)


def test_units_that_disagree_with_the_heads_loss_are_explained(table):
    graph = chain(("fc", "Linear", {"out_features": 4}))
    graph.nodes["output"].params.update({"loss": "cross_entropy", "units": 1})
    assert any(m.startswith("Output 'output' is set to 1 units but the data needs (N, 2)")
               for m in messages(analyze(graph, table)))


def test_an_output_fed_by_no_input_is_an_error_naming_it(table):
    graph = wide_and_deep(extra_outputs=[("lonely", "Output", {"units": 2}),
                                         ("fc_l", "Linear", {"out_features": 2})],
                          extra_edges=[("fc_l", "lonely")])
    analysis = analyze(graph, table)
    assert not analysis.ready
    assert [(p.message, p.node_id) for p in analysis.problems if "lonely" in p.message] == [
        ("any Input is not connected to Output 'lonely': wire a path of layers between them", "lonely")]


def test_with_one_input_the_error_names_it():
    graph = graph_of([("x", "Input", {"shape": [3]}), ("a", "Output", {"units": 2}),
                      ("b", "Output", {"units": 2})], [("x", "a")])
    problems = [(p.message, p.node_id) for p in analyze(graph).problems]
    assert problems == [("Output 'b' has no input: connect a wire into it", "b"),
                        ("Input 'x' is not connected to Output 'b': wire a path of layers between"
                         " them", "b")]


def test_an_input_leading_nowhere_is_a_warning_when_there_are_several(table):
    graph = wide_and_deep(first=[("spare", "Input", {"columns": ["b"]})])
    analysis = analyze(graph, table)
    assert analysis.ready  # a warning does not block
    assert [(p.message, p.node_id) for p in analysis.problems] == [
        ("Input 'spare' does not lead to an Output, so training ignores it: connect it or delete it",
         "spare")]
    assert analysis.problems[0].severity == WARNING
    module = build(graph, table, analysis)
    assert "spare" not in dict(module.named_children())


def test_a_layer_leading_nowhere_is_a_warning_naming_any_output(table):
    graph = wide_and_deep(extra_outputs=[("recon", "Output", {"target": "input"}),
                                         ("dead", "ReLU", {})],
                          extra_edges=[("relu", "recon"), ("join", "dead")])
    problems = [(p.message, p.severity) for p in analyze(graph, table).problems]
    assert problems == [("ReLU 'dead' does not lead to any Output, so training ignores it:"
                         " connect it or delete it", WARNING)]


# --------------------------------------------------------------------------- the built module
def two_heads(table_or_none=None) -> Graph:
    """The reconstruction head is listed first; it has a Linear of its own ('dec')."""
    return wide_and_deep(
        first=[("recon", "Output", {"target": "input", "head": "identity", "weight": 0.5})],
        extra_outputs=[("dec", "Linear", {"out_features": 6})],
        extra_edges=[("relu", "dec"), ("dec", "recon")])


def test_several_outputs_return_a_tuple_in_graph_order(table):
    graph = two_heads()
    torch.manual_seed(0)
    module = build(graph, table)
    x = torch.randn(5, 6)
    out = module(x)
    assert isinstance(out, tuple) and len(out) == 2
    assert out[0].shape == (5, 6)  # 'recon' comes first in the graph
    assert out[1].shape == (5, 1)  # then 'label'
    # one Output: one tensor
    single = build(wide_and_deep(), table)
    assert isinstance(single(x), torch.Tensor)


def test_prediction_network_keeps_only_the_primary_heads_layers(table):
    graph = two_heads()
    torch.manual_seed(0)
    module = build(graph, table)
    predictor = prediction_network(module, graph)
    full = set(module.state_dict())
    kept = set(predictor.state_dict())
    assert kept < full
    assert {k.split(".")[0] for k in full - kept} == {"dec"}  # 'recon' is an identity head
    assert not any(k.startswith(("dec.", "recon.")) for k in kept)
    x = torch.randn(7, 6)
    with torch.no_grad():
        out = predictor(x)
        assert isinstance(out, torch.Tensor)
        assert torch.equal(out, module(x)[1])  # the layers are shared, not copied
    assert predictor.fc_n is module.fc_n
    # the whole module is untouched
    assert set(module.state_dict()) == full and isinstance(module(x), tuple)


def test_prediction_network_of_one_head_is_the_module_itself(table):
    module = build(wide_and_deep(), table)
    assert prediction_network(module, wide_and_deep()) is module


def test_the_primary_head_is_the_first_that_learns_the_data():
    from core.heads import Head, heads_of, primary_head

    assert [h.node_id for h in heads_of(two_heads())] == ["recon", "label"]
    assert primary_head(heads_of(two_heads())).node_id == "label"
    only_inputs = [Head("r1", "input"), Head("r2", "input")]
    assert primary_head(only_inputs).node_id == "r1"
    assert heads_of(two_heads())[0].weight == 0.5 and heads_of(two_heads())[1].weight == 1.0


@pytest.mark.parametrize("input_id", ["input", "x_in"])
def test_one_input_one_output_builds_as_before(input_id):
    graph = chain(("fc1", "Linear", {"out_features": 4}), ("act", "ReLU", {}), input_shape=(3,), units=2)
    if input_id != "input":
        graph = graph_of([(input_id, "Input", {"shape": [3]}), ("fc1", "Linear", {"out_features": 4}),
                          ("act", "ReLU", {}), ("output", "Output", {"units": 2})],
                         [(input_id, "fc1"), ("fc1", "act"), ("act", "output")])
    module = build(graph)
    assert [n.target for n in module.graph.nodes if n.op == "placeholder"] == [input_id]
    assert [name for name, _ in module.named_children()] == ["fc1", "act", "output"]
    assert f"def forward(self, {input_id})" in module.code
    assert isinstance(module(torch.randn(2, 3)), torch.Tensor)
    assert prediction_network(module, graph) is module


def test_an_input_with_columns_alone_still_takes_one_tensor(table):
    graph = chain(("fc", "Linear", {"out_features": 4}))
    graph.nodes["input"].params["columns"] = ["colour"]
    module = build(graph, table)
    assert [n.target for n in module.graph.nodes if n.op == "placeholder"] == ["features"]
    assert module(torch.randn(3, 6)).shape == (3, 1)


def test_meta_shapes_agree_with_the_rules_for_two_inputs(three_classes):
    graph = two_heads()
    analysis = analyze(graph, three_classes)
    assert analysis.ready, messages(analysis)
    reference = meta_shapes(graph, three_classes)
    assert set(reference) == set(graph.nodes)  # each Input is the call that picks its columns
    assert reference == {k: analysis.shape_of(k) for k in graph.nodes}
    assert reference["label"] == (3,) and reference["recon"] == (6,) and reference["nums"] == (3,)


def test_a_two_class_only_loss_on_a_head_needs_two_classes(three_classes):
    graph = wide_and_deep(inputs={"nums": ["a", "b", "c"], "cats": ["colour"]})
    graph.nodes["label"].params["loss"] = "bce"
    analysis = analyze(graph, three_classes)
    assert not analysis.ready
    assert ("Output 'label' has the loss 'bce', which needs exactly two classes, and the data has 3:"
            " choose 'cross_entropy' or 'auto'") in messages(analysis)


def test_inputs_without_columns_must_share_one_shape():
    graph = graph_of([("a", "Input", {"shape": [3]}), ("b", "Input", {"shape": [5]}),
                      ("fa", "Linear", {"out_features": 2}), ("fb", "Linear", {"out_features": 2}),
                      ("join", "Concat", {}), ("out", "Output", {"units": 1})],
                     [("a", "fa"), ("b", "fb"), ("fa", "join"), ("fb", "join", 1), ("join", "out")])
    analysis = analyze(graph)
    assert not analysis.ready
    assert ("Input 'b' has the shape 5 but Input 'a' has 3: Inputs without columns all take the same"
            " data, so give them one shape (or columns)") in messages(analysis)
    graph.nodes["b"].params["shape"] = [3]
    assert analyze(graph).ready and build(graph)(torch.rand(2, 3)).shape == (2, 1)
