"""Every registered layer: JSON round trip, shape inference, real forward pass, counts.

Adding a layer to the registry without a case here fails ``test_every_layer_has_a_case``.
"""

from __future__ import annotations

import json

import pytest
import torch

from core.build import build, meta_shapes
from core.graph import Edge, Graph, Node
from core.layers import REGISTRY
from core.project import Project
from core.shapes import DataShapes, analyze

# type -> list of (input shapes, params); several inputs for merge layers.
CASES: dict[str, list[tuple[list[tuple[int, ...]], dict]]] = {
    "Identity": [([(7,)], {})],
    "Linear": [([(10,)], {"out_features": 5}), ([(6, 4)], {"out_features": 3, "bias": False})],
    "Flatten": [([(3, 4, 5)], {}), ([(3, 4, 5)], {"start_dim": 2})],
    "Reshape": [([(12,)], {"shape": [3, -1]}), ([(2, 6)], {"shape": [1, 3, 4]})],
    "Embedding": [([(9,)], {"num_embeddings": 20, "embedding_dim": 4, "padding_idx": 0})],
    "Conv1d": [([(3, 20)], {"out_channels": 4, "kernel_size": 5, "stride": 2, "padding": 1})],
    "Conv2d": [([(3, 16, 12)], {"out_channels": 8, "kernel_size": [3, 5], "padding": 1}),
               ([(4, 9, 9)], {"out_channels": 4, "kernel_size": 3, "stride": 2, "groups": 2,
                              "dilation": 2, "bias": False})],
    "ConvTranspose2d": [([(4, 7, 7)], {"out_channels": 2, "kernel_size": 4, "stride": 2, "padding": 1}),
                        ([(4, 5, 6)], {"out_channels": 3, "kernel_size": 3, "stride": 2,
                                       "output_padding": 1})],
    "MaxPool1d": [([(2, 17)], {"kernel_size": 3, "stride": 2, "padding": 1})],
    "AvgPool1d": [([(2, 16)], {"kernel_size": 4})],
    "MaxPool2d": [([(3, 11, 10)], {"kernel_size": 2}), ([(3, 11, 10)], {"kernel_size": [3, 2], "stride": 1})],
    "AvgPool2d": [([(3, 8, 8)], {"kernel_size": 3, "stride": 2, "padding": 1})],
    "AdaptiveAvgPool2d": [([(5, 9, 7)], {"output_size": 1}), ([(5, 9, 7)], {"output_size": [3, 2]})],
    "Upsample": [([(2, 5, 4)], {"scale_factor": 2.0}), ([(2, 5)], {"scale_factor": 3, "mode": "linear"}),
                 ([(2, 5, 4)], {"scale_factor": [2, 1.5], "mode": "bilinear"})],
    "BatchNorm1d": [([(6,)], {}), ([(4, 10)], {"affine": False})],
    "BatchNorm2d": [([(3, 5, 5)], {"eps": 1e-3})],
    "LayerNorm": [([(7,)], {}), ([(5, 8)], {"bias": False})],
    "Dropout": [([(9,)], {"p": 0.2})],
    "Dropout2d": [([(3, 4, 4)], {})],
    "RNN": [([(6, 3)], {"hidden_size": 5, "nonlinearity": "relu"}),
            ([(6, 3)], {"hidden_size": 4, "return_sequences": True, "bidirectional": True})],
    "LSTM": [([(7, 2)], {"hidden_size": 6, "num_layers": 2, "dropout": 0.1}),
             ([(7, 2)], {"hidden_size": 3, "bidirectional": True})],
    "GRU": [([(5, 4)], {"hidden_size": 8, "return_sequences": True})],
    "MultiheadAttention": [([(6, 8)], {"num_heads": 2})],
    "TransformerEncoderLayer": [([(5, 8)], {"nhead": 2, "dim_feedforward": 16, "activation": "gelu"}),
                                ([(5, 8), (5,)], {"nhead": 2, "dim_feedforward": 16})],
    "SequencePool": [([(6, 4)], {}), ([(6, 4), (6,)], {"mode": "max"}), ([(6, 4), (6,)], {})],
    "Sample": [([(5,), (5,)], {}), ([(3, 4), (3, 4)], {"kl_weight": 0.5, "warmup_epochs": 3})],
    "LastStep": [([(5, 3)], {}), ([(5, 3), (5,)], {})],
    "PositionalEncoding": [([(5, 7)], {}), ([(6, 8)], {"kind": "learned", "max_len": 10, "dropout": 0.1})],
    "Permute": [([(3, 4)], {}), ([(2, 3, 4)], {"dims": [3, 1, 2]})],
    "ReLU": [([(4,)], {})],
    "LeakyReLU": [([(4,)], {"negative_slope": 0.2})],
    "ELU": [([(4,)], {"alpha": 0.5})],
    "GELU": [([(4,)], {"approximate": "tanh"})],
    "SiLU": [([(4,)], {})],
    "Tanh": [([(4,)], {})],
    "Sigmoid": [([(4,)], {})],
    "Softmax": [([(3, 4)], {"dim": 1})],
    "LogSoftmax": [([(4,)], {})],
    "Softplus": [([(4,)], {"beta": 2.0})],
    "Mish": [([(4,)], {})],
    "Add": [([(3, 4), (3, 4), (3, 4)], {})],
    "Multiply": [([(6,), (6,)], {})],
    "Concat": [([(3, 4, 4), (5, 4, 4)], {}), ([(4, 2), (4, 3)], {"dim": -1})],
    "Input": [([], {"shape": [3, 4]})],
    "Output": [([(5,)], {"units": 3}), ([(18,)], {"units": 18, "head": "identity"})],
}

PARAMS = [(t, i) for t, cases in CASES.items() for i in range(len(cases))]


def test_every_layer_has_a_case():
    assert sorted(CASES) == sorted(REGISTRY.names())


def _graph_for(type_name: str, in_shapes, params) -> tuple[Graph, DataShapes]:
    """A graph that feeds the layer its input shapes: one Input per shape via Reshape."""
    graph = Graph()
    if type_name == "Input":
        graph.add_node(Node("layer", "Input", params))
        graph.add_node(Node("flat", "Flatten", {}))
        graph.add_node(Node("output", "Output", {"units": 2}))
        graph.add_edge(Edge("layer", "flat"))
        graph.add_edge(Edge("flat", "output"))
        return graph, DataShapes()
    total = sum(int(torch.tensor(s).prod()) for s in in_shapes)
    graph.add_node(Node("input", "Input", {"shape": [total]}))
    offset = 0
    graph.add_node(Node("layer", type_name, params))
    for port, shape in enumerate(in_shapes):
        size = int(torch.tensor(shape).prod())
        # Slice the flat input with a Linear (deterministic size), then reshape.
        graph.add_node(Node(f"part{port}", "Linear", {"out_features": size}))
        graph.add_edge(Edge("input", f"part{port}"))
        graph.add_node(Node(f"shape{port}", "Reshape", {"shape": list(shape)}))
        graph.add_edge(Edge(f"part{port}", f"shape{port}"))
        graph.add_edge(Edge(f"shape{port}", "layer", port))
        offset += size
    if type_name == "Output":
        return graph, DataShapes()
    graph.add_node(Node("flat", "Flatten", {}))
    graph.add_edge(Edge("layer", "flat"))
    graph.add_node(Node("output", "Output", {"units": 2}))
    graph.add_edge(Edge("flat", "output"))
    return graph, DataShapes()


@pytest.mark.parametrize("type_name,index", PARAMS, ids=[f"{t}-{i}" for t, i in PARAMS])
def test_layer_round_trip_infer_and_forward(type_name, index):
    in_shapes, params = CASES[type_name][index]
    graph, data = _graph_for(type_name, in_shapes, params)

    # 1. config round trip through the project file format
    text = Project(name="t", graph=graph).to_json()
    again = Project.from_json(text)
    assert again.graph.to_dict() == graph.to_dict()
    assert json.loads(text)["graph"]["nodes"][[n.id for n in graph.nodes.values()].index("layer")]["params"] == params

    # 2. shape inference
    analysis = analyze(again.graph, data)
    assert analysis.ready, [p.message for p in analysis.problems]
    inferred = analysis.shape_of("layer")

    # 3. a real forward pass on CPU: the inferred shape is the real one
    torch.manual_seed(0)
    module = build(again.graph, data, analysis)
    module.eval()
    batch = 3
    x = torch.rand(batch, *analysis.shape_of(next(i for i, n in graph.nodes.items() if n.type == "Input")))
    if type_name == "Embedding":
        x = torch.randint(0, 20, x.shape).float()
        module.part0 = torch.nn.Identity()
        module.shape0 = torch.nn.Identity()
    seen = {}
    if type_name != "Input":
        module.get_submodule("layer").register_forward_hook(lambda m, i, o: seen.setdefault("out", o))
    with torch.no_grad():
        final = module(x)
    real = tuple(final.shape[1:]) if type_name in ("Input", "Output") else tuple(seen["out"].shape[1:])
    if type_name == "Input":
        real = tuple(x.shape[1:])
    assert real == inferred

    # 4. the parameter count matches the real module's
    if type_name != "Input":
        layer = module.get_submodule("layer")
        assert analysis.results["layer"].params == sum(p.numel() for p in layer.parameters())

    # 5. the meta-device reference agrees with the rules on every node
    reference = meta_shapes(again.graph, data)
    assert "layer" in reference
    assert reference == {k: analysis.shape_of(k) for k in reference}


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: s.type)
def test_every_layer_teaches(spec):
    """The designer and the layer guide need these texts for every layer."""
    assert spec.summary and len(spec.summary) < 120
    assert len(spec.explanation) > 80
    assert spec.shape_formula
    for param in spec.params:
        assert param.doc, f"{spec.type}.{param.name} has no doc"
        if param.default is not None:
            param.validate(param.default)


def test_registry_refuses_duplicates_and_names_unknown_types():
    from core.errors import UnknownLayerError

    with pytest.raises(ValueError, match="already registered"):
        REGISTRY.register(REGISTRY.get("Linear"))
    with pytest.raises(UnknownLayerError, match="did you mean 'Conv2d'"):
        REGISTRY.get("conv2d")
    with pytest.raises(UnknownLayerError, match="'Conv3d'"):
        REGISTRY.get("Conv3d")


def test_docs_layer_reference_is_up_to_date():
    from pathlib import Path

    from core.layers.reference import markdown_reference

    committed = (Path(__file__).resolve().parents[2] / "docs" / "layers.md").read_text(encoding="utf-8")
    assert committed == markdown_reference(), "run: python -m core.layers.reference > docs/layers.md"
