"""The built module of a straight chain runs its layers in a plain loop (core/build.py's
``_run_as_chain``, issue 16): the same outputs and gradients, bit for bit, as fx's generated
``forward``; graphs that branch, join or have several ends keep the generated one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from core.build import build, chain_of
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


def test_a_chain_runs_the_same_outputs_and_gradients_as_the_generated_forward():
    graph = chain(*MLP, input_shape=(5,), units=3)
    torch.manual_seed(0)
    module = build(graph, DataShapes(input_shape=(5,)))
    assert chain_of(module.graph) == ("fc1", "act1", "drop", "fc2", "act2", "output")
    assert not _runs_generated_code(module) and _runs_generated_code(_generated(module))
    # no fx call wrapper around a chain (it points errors at generated code a chain does not run)
    assert type(module).__call__ is torch.nn.Module.__call__
    assert type(_generated(module)).__call__ is not torch.nn.Module.__call__
    x = torch.randn(7, 5)
    results = []
    for forward in (module, _generated(module)):
        module.zero_grad(set_to_none=True)
        torch.manual_seed(1)  # the same dropout mask on both paths
        out = forward(x)
        out.square().sum().backward()
        results.append((out.detach(), [p.grad.clone() for p in module.parameters()]))
    (out_loop, grads_loop), (out_fx, grads_fx) = results
    assert torch.equal(out_loop, out_fx)
    assert all(torch.equal(a, b) for a, b in zip(grads_loop, grads_fx))
    module.eval()
    assert torch.equal(module(x), _generated(module)(x))


def test_a_chain_uses_a_layer_replaced_after_building():
    module = build(chain(*MLP, input_shape=(5,), units=3), DataShapes(input_shape=(5,)))
    module.act1 = torch.nn.Identity()
    module.eval()
    x = torch.randn(4, 5)
    assert torch.equal(module(x), _generated(module)(x))
    assert torch.equal(module(x), module.output(module.act2(module.fc2(module.fc1(x)))))


def test_recompiling_a_chain_puts_the_generated_forward_back():
    module = build(chain(*MLP, input_shape=(5,), units=3), DataShapes(input_shape=(5,)))
    assert not _runs_generated_code(module)
    module.recompile()
    assert _runs_generated_code(module)
    module.eval()
    x = torch.randn(3, 5)
    assert module(x).shape == (3, 3)


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


def test_a_branched_graph_keeps_the_generated_forward_and_trains(tmp_path):
    module = build(_branched(), DataShapes(input_shape=(4,)))
    assert chain_of(module.graph) is None
    assert _runs_generated_code(module)
    x = torch.randn(5, 4)
    out = module(x)
    assert torch.equal(out, _generated(module)(x))
    out.sum().backward()
    assert all(p.grad is not None for p in module.parameters())


@pytest.mark.parametrize("example", ["two_branch", "autoencoder_classifier"])
def test_shipped_graphs_with_joins_or_several_ends_are_not_chains(example):
    from core.data import load
    from core.train.setup import build_module
    from core.train.spec import TrainSpec

    data = json.loads((ROOT / "resources/examples" / f"{example}.lfproj").read_text())
    project = Project.from_dict(data, path=ROOT / "resources/examples" / f"{example}.lfproj")
    dataset = load(project.data, project.directory)
    spec = TrainSpec.from_dict(project.training, dataset.info)
    module = build_module(project.graph, dataset.info, spec)
    assert chain_of(module.graph) is None
