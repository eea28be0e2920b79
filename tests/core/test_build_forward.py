"""A built module runs its layers through a direct ``forward`` (core/build.py's
``_run_layers_directly``, issue 16): the same outputs and gradients, bit for bit, as fx's
generated ``forward``, for chains, branches, joins and several heads alike."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest
import torch

from core.build import build, direct_forward_source
from core.graph import Edge, Graph, Node
from core.project import Project
from core.shapes import DataShapes
from tests.core.helpers import chain

ROOT = Path(__file__).resolve().parents[2]
MLP = (("fc1", "Linear", {"out_features": 8}), ("act1", "Tanh", {}),
       ("drop", "Dropout", {"p": 0.3}), ("fc2", "Linear", {"out_features": 8}), ("act2", "ReLU", {}))


def _generated(module):
    """A module sharing ``module``'s layers that runs fx's generated ``forward`` of its graph."""
    return torch.fx.GraphModule(module, module.graph)


def _runs_generated_code(module) -> bool:
    return type(module).forward.__code__.co_filename.startswith("<eval_with_key>")


def _branched() -> Graph:
    """input -> a -> add <- b <- input: two paths joined by Add."""
    graph = Graph()
    graph.add_node(Node("input", "Input", {"shape": [4]}))
    graph.add_node(Node("a", "Linear", {"out_features": 6}))
    graph.add_node(Node("b", "Linear", {"out_features": 6}))
    graph.add_node(Node("add", "Add", {}))
    graph.add_node(Node("output", "Output", {"units": 2}))
    for source, target in (("input", "a"), ("input", "b"), ("a", "add"), ("b", "add"), ("add", "output")):
        graph.add_edge(Edge(source, target))
    return graph


def _two_heads() -> Graph:
    """input -> body -> (head_a, head_b): one value read by two Outputs, returned as a tuple."""
    graph = Graph()
    graph.add_node(Node("input", "Input", {"shape": [4]}))
    graph.add_node(Node("body", "Linear", {"out_features": 6}))
    graph.add_node(Node("drop", "Dropout", {"p": 0.5}))
    graph.add_node(Node("head_a", "Output", {"units": 3}))
    graph.add_node(Node("head_b", "Output", {"units": 2}))
    for source, target in (("input", "body"), ("body", "drop"), ("drop", "head_a"), ("drop", "head_b")):
        graph.add_edge(Edge(source, target))
    return graph


GRAPHS = {"chain": (lambda: chain(*MLP, input_shape=(4,), units=3)), "branched": _branched,
          "two_heads": _two_heads}


def _outputs(result) -> tuple:
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_the_direct_forward_gives_the_generated_forwards_outputs_and_gradients(name):
    torch.manual_seed(0)
    module = build(GRAPHS[name](), DataShapes(input_shape=(4,)))
    assert not _runs_generated_code(module) and _runs_generated_code(_generated(module))
    # no fx call wrapper (it points errors at generated code the module does not run)
    assert type(module).__call__ is torch.nn.Module.__call__
    assert type(_generated(module)).__call__ is not torch.nn.Module.__call__
    x = torch.randn(7, 4)
    results = []
    for forward in (module, _generated(module)):
        module.zero_grad(set_to_none=True)
        torch.manual_seed(1)  # the same dropout mask on both paths
        outs = _outputs(forward(x))
        sum(out.square().sum() for out in outs).backward()
        results.append(([o.detach() for o in outs], [p.grad.clone() for p in module.parameters()]))
    (outs_direct, grads_direct), (outs_fx, grads_fx) = results
    assert len(outs_direct) == len(outs_fx) == (2 if name == "two_heads" else 1)
    assert all(torch.equal(a, b) for a, b in zip(outs_direct, outs_fx))
    assert all(torch.equal(a, b) for a, b in zip(grads_direct, grads_fx))
    module.eval()
    assert all(torch.equal(a, b) for a, b in zip(_outputs(module(x)), _outputs(_generated(module)(x))))


def test_each_value_is_dropped_after_its_last_use():
    """As fx's code does: a large network's inference holds no more activations than before."""
    source = direct_forward_source(build(_branched(), DataShapes(input_shape=(4,))).graph)
    lines = source.splitlines()
    # the input feeds a and b: it is dropped after b's line, not after a's
    calls = [i for i, line in enumerate(lines) if "layers[" in line]
    assert "v0 = None" not in lines[calls[0] + 1] and lines[calls[1] + 1].strip() == "v0 = None"
    assert lines[-1].strip() == "return v4" and "v4 = None" not in source


def test_a_layer_replaced_after_building_is_used():
    module = build(chain(*MLP, input_shape=(5,), units=3), DataShapes(input_shape=(5,)))
    module.act1 = torch.nn.Identity()
    module.eval()
    x = torch.randn(4, 5)
    assert torch.equal(module(x), _generated(module)(x))
    assert torch.equal(module(x), module.output(module.act2(module.fc2(module.fc1(x)))))


def test_recompiling_puts_the_generated_forward_back():
    module = build(_branched(), DataShapes(input_shape=(4,)))
    assert not _runs_generated_code(module)
    module.recompile()
    assert _runs_generated_code(module)
    module.eval()
    assert module(torch.randn(3, 4)).shape == (3, 2)


def test_a_traceback_shows_the_line_of_the_layer_that_failed():
    module = build(_branched(), DataShapes(input_shape=(4,)))
    with pytest.raises(RuntimeError) as caught:
        module(torch.randn(3, 5))  # five features where four are expected
    lines = [frame.line for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert "v1 = layers['a'](v0)" in lines


@pytest.mark.parametrize("example", ["two_branch", "flowers_wide_deep", "autoencoder_classifier"])
def test_shipped_graphs_run_the_direct_forward_with_fx_outputs(example):
    from core.data import load
    from core.train.setup import build_module
    from core.train.spec import TrainSpec

    data = json.loads((ROOT / "resources/examples" / f"{example}.lfproj").read_text())
    project = Project.from_dict(data, path=ROOT / "resources/examples" / f"{example}.lfproj")
    dataset = load(project.data, project.directory)
    spec = TrainSpec.from_dict(project.training, dataset.info)
    module = build_module(project.graph, dataset.info, spec).eval()
    assert not _runs_generated_code(module)
    x = torch.from_numpy(dataset.train.x[:8])
    direct, generated = _outputs(module(x)), _outputs(_generated(module)(x))
    assert len(direct) == len(generated) and all(torch.equal(a, b) for a, b in zip(direct, generated))
