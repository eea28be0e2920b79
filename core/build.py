"""Graph -> ``torch.fx.GraphModule``.

The module executes the nodes in topological order; each layer becomes a submodule
whose attribute name is the node id, and ``module.code`` is readable Python that
the standalone export reuses. Nodes that do not lead to the Output are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import ShapeError
from core.graph import Graph
from core.layers import REGISTRY, BuildContext
from core.shapes import Analysis, DataShapes, ShapeInference

if TYPE_CHECKING:  # pragma: no cover
    import torch


def check_buildable(graph: Graph, data: DataShapes | None, analysis: Analysis | None = None) -> Analysis:
    """Analyse the graph and raise :class:`ShapeError` listing every blocking problem."""
    analysis = analysis or ShapeInference().analyze(graph, data)
    if not analysis.ready:
        errors = [p.message for p in analysis.errors]
        raise ShapeError("the network cannot be built: " + errors[0]
                         + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""),
                         location=analysis.errors[0].node_id)
    return analysis


def build(graph: Graph, data: DataShapes | None = None, analysis: Analysis | None = None,
          class_name: str = "Network") -> "torch.fx.GraphModule":
    """Build the real torch module of a design that passes shape inference."""
    import torch
    import torch.fx as fx

    analysis = check_buildable(graph, data, analysis)
    data = data or DataShapes()
    output_id = next(nid for nid, n in graph.nodes.items() if n.type == "Output")
    needed = _feeds(graph, output_id)

    root = torch.nn.Module()
    fx_graph = fx.Graph()
    values: dict[str, fx.Node] = {}
    for node_id in analysis.order:
        if node_id not in needed:
            continue
        node = graph.nodes[node_id]
        spec = REGISTRY.get(node.type)
        result = analysis.results[node_id]
        if node.type == "Input":
            values[node_id] = fx_graph.placeholder(node_id)
            continue
        ctx = BuildContext(node_id, data.input_shape, data.target_shape)
        module = spec.build(result.inputs, spec.effective_params(node.params), ctx)
        root.add_module(node_id, module)
        args = tuple(values[e.source] for e in graph.incoming(node_id))
        values[node_id] = fx_graph.call_module(node_id, args)
    fx_graph.output(values[output_id])
    return fx.GraphModule(root, fx_graph, class_name=class_name)


def _feeds(graph: Graph, output_id: str) -> set[str]:
    needed, stack = {output_id}, [output_id]
    while stack:
        for edge in graph.incoming(stack.pop()):
            if edge.source not in needed:
                needed.add(edge.source)
                stack.append(edge.source)
    return needed


def meta_shapes(graph: Graph, data: DataShapes | None = None, batch: int = 2) -> dict[str, tuple[int, ...]]:
    """Per-node output shapes from a forward pass on torch's ``meta`` device.

    No weights are initialised and no kernels run. This is the slow reference that
    the pure-Python rules are checked against in tests and benchmarks.
    """
    import torch
    import torch.fx as fx

    analysis = check_buildable(graph, data)
    input_id = next(nid for nid, n in graph.nodes.items() if n.type == "Input")
    with torch.device("meta"):
        module = build(graph, data, analysis)
        sample = torch.empty(batch, *analysis.shape_of(input_id))
    shapes: dict[str, tuple[int, ...]] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            out = super().run_node(n)
            if n.op in ("placeholder", "call_module") and isinstance(out, torch.Tensor):
                shapes[str(n.target)] = tuple(out.shape[1:])
            return out

    with torch.no_grad():
        Recorder(module).run(sample)
    return shapes
