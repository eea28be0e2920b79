"""Graph -> ``torch.fx.GraphModule``.

The module executes the nodes in topological order; each layer becomes a submodule
whose attribute name is the node id, and ``module.code`` is readable Python that
the standalone export reuses. Nodes that do not lead to an Output are left out.

It always takes one tensor, the data's features: with several Inputs (see
:mod:`core.heads`) it is called ``features`` and each Input picks its columns from it,
so predictions, exports and the data pipeline stay one-tensor. With several Outputs it
returns a tuple, in the graph's order of Outputs.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from core.errors import ShapeError
from core.graph import Graph
from core.heads import heads_of, input_ids, is_single, primary_head
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
    heads = [h.node_id for h in heads_of(graph)]
    needed: set[str] = set()
    for output_id in heads:
        needed |= _feeds(graph, output_id)

    root = torch.nn.Module()
    fx_graph = fx.Graph()
    values: dict[str, fx.Node] = {}
    features = None  # the one input tensor every Input takes (all of it, or some columns)
    for node_id in analysis.order:
        if node_id not in needed:
            continue
        node = graph.nodes[node_id]
        spec = REGISTRY.get(node.type)
        result = analysis.results[node_id]
        ctx = BuildContext(node_id, data.input_shape, data.target_shape, data)
        module = spec.build(result.inputs, spec.effective_params(node.params), ctx)
        if node.type == "Input":
            if features is None:
                features = fx_graph.placeholder(node_id if is_single(graph) else "features")
            if module is None:
                values[node_id] = features
                continue
            root.add_module(node_id, module)
            values[node_id] = fx_graph.call_module(node_id, (features,))
            continue
        root.add_module(node_id, module)
        args = tuple(values[e.source] for e in graph.incoming(node_id))
        values[node_id] = fx_graph.call_module(node_id, args)
    if len(heads) == 1:
        fx_graph.output(values[heads[0]])
    else:  # several heads: a tuple, in graph order
        fx_graph.output(tuple(values[h] for h in heads))
    module = fx.GraphModule(root, fx_graph, class_name=class_name)
    _run_layers_directly(module)
    return module


def direct_forward_source(fx_graph) -> str | None:
    """Python source of a ``forward(self, v0)`` that calls the graph's layers as fx's
    generated code does, but reads each from ``self._modules``; None for a graph this does not
    cover (anything but one placeholder, ``call_module`` nodes on earlier values, one output of
    a value or a tuple of values). A value is dropped after its last use, as fx's code does,
    so a large network's inference holds no more activations than before."""
    import torch.fx as fx

    nodes = list(fx_graph.nodes)
    if len(nodes) < 2 or nodes[0].op != "placeholder" or nodes[-1].op != "output" or nodes[-1].kwargs:
        return None
    names = {nodes[0]: "v0"}
    steps: list[tuple[str, str, tuple[str, ...]]] = []
    for node in nodes[1:-1]:
        if (node.op != "call_module" or node.kwargs
                or not all(isinstance(arg, fx.Node) and arg in names for arg in node.args)):
            return None
        names[node] = f"v{len(names)}"
        steps.append((names[node], node.target, tuple(names[arg] for arg in node.args)))
    result = nodes[-1].args[0]
    outputs = result if isinstance(result, tuple) else (result,)
    if not outputs or not all(output in names for output in outputs):
        return None
    returned = names[result] if not isinstance(result, tuple) else "(" + "".join(
        f"{names[output]}, " for output in outputs) + ")"
    last_use = {name: index for index, (_value, _target, args) in enumerate(steps) for name in args}
    kept = {names[output] for output in outputs}
    lines = ["def forward(self, v0):", "    layers = self._modules"]
    for index, (value, target, args) in enumerate(steps):
        lines.append(f"    {value} = layers[{target!r}]({', '.join(args)})")
        done = sorted({name for name in args if last_use[name] == index and name not in kept})
        if done:
            lines.append(f"    {' = '.join(done)} = None")
    lines.append(f"    return {returned}")
    return "\n".join(lines) + "\n"


def _run_layers_directly(module) -> None:
    """Give a built module a ``forward`` that reads its layers from ``self._modules``.

    Why: fx's generated ``forward`` reads each layer as ``self.<node id>``, through
    ``nn.Module.__getattr__``, and fx wraps ``__call__`` to point errors at lines of its
    generated code: about 10 us per call on a small table's network (a few percent of its
    training, which is thousands of tiny batches; issue 16). The direct forward calls the
    same layers on the same values in the same order: the same computation. ``module.code``
    and ``module.graph`` are unchanged, for exports. Layers are looked up by name on every
    call, so one replaced later is used. ``GraphModule`` gives each instance a class of its
    own, so only this module changes; its ``recompile()`` (a changed graph) puts the
    generated ``forward`` back. The source is registered with ``linecache`` under a name
    of its own, so a traceback shows the line that failed.
    """
    import torch
    import torch.fx as fx

    cls = type(module)
    source = direct_forward_source(module.graph)
    if cls is fx.GraphModule or source is None:  # pragma: no cover - one class for all, or not covered
        return
    namespace: dict = {}
    exec(_compiled(source), namespace)  # noqa: S102 - source made from the graph (direct_forward_source)
    cls.forward = namespace["forward"]
    cls.__call__ = torch.nn.Module.__call__


@functools.lru_cache(maxsize=64)
def _compiled(source: str):
    """The code of a direct ``forward``: compiled once per distinct source (a sweep or a
    benchmark builds the same network again and again), its lines given to ``linecache``."""
    import hashlib
    import linecache

    filename = f"<layerforge forward {hashlib.sha1(source.encode()).hexdigest()[:12]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    return compile(source, filename, "exec")


def prediction_network(module, graph: Graph):
    """The part of a built module that makes the primary head's predictions (see
    :mod:`core.heads`): the module itself with one Output, else a module sharing its layers
    that returns only that head (the other heads' own layers left out)."""
    heads = heads_of(graph)
    if len(heads) < 2:
        return module
    return _keep_output(module, heads.index(primary_head(heads)))


def head_network(module, output_id: str):
    """The part of a built module that makes one Output's value (``output_id``): the module
    itself when that is its only Output, else a module sharing its layers that returns only
    that Output (what a GAN's generator or discriminator alone is). ``KeyError`` when the
    module has no such Output."""
    result = next(n for n in module.graph.nodes if n.op == "output").args[0]
    values = result if isinstance(result, (tuple, list)) else (result,)
    index = next((i for i, value in enumerate(values)
                  if getattr(value, "op", None) == "call_module" and value.target == output_id), None)
    if index is None:
        raise KeyError(f"the network has no Output '{output_id}'")
    if not isinstance(result, (tuple, list)):
        return module
    return _keep_output(module, index)


def _keep_output(module, index: int):
    """A copy of the fx module returning only its ``index``-th output (layers shared)."""
    import torch.fx as fx

    copy = fx.Graph()
    outputs = copy.graph_copy(module.graph, {})
    copy.output(outputs[index])
    predictor = fx.GraphModule(module, copy, class_name=type(module).__name__)
    predictor.graph.eliminate_dead_code()
    predictor.recompile()
    predictor.delete_all_unused_submodules()
    return predictor


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
    input_id = input_ids(graph)[0]
    sample_shape = (data.input_shape if data is not None and data.input_shape
                    else analysis.shape_of(input_id))
    with torch.device("meta"):
        module = build(graph, data, analysis)
        sample = torch.empty(batch, *sample_shape)
    shapes: dict[str, tuple[int, ...]] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            out = super().run_node(n)
            if n.op == "placeholder" and n.target == "features":
                return out  # several Inputs: each Input node is the call that picks its columns
            if n.op in ("placeholder", "call_module") and isinstance(out, torch.Tensor):
                shapes[str(n.target)] = tuple(out.shape[1:])
            return out

    with torch.no_grad():
        Recorder(module).run(sample)
    return shapes
