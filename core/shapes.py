"""Shape inference: every node's output shape, parameter count and MACs, or its error.

The rules are pure Python (each layer spec's ``infer``), so the designer can show
shapes before torch is imported and the GUI thread never runs a torch kernel. A
test checks every rule against a real forward pass. One broken node does not hide
the others: nodes that do not depend on it still get their shapes.

Re-checking after one edit is what the canvas does on every keystroke, so results
are cached per node on (type, params, input shapes, data shapes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core.errors import GraphError, LayerForgeError
from core.graph import Graph
from core.layers import REGISTRY, BuildContext, Shape
from core.layers.rules import numel

ERROR, WARNING, HINT = "error", "warning", "hint"


@dataclass(frozen=True)
class Problem:
    """One thing to tell the person: an ``error`` blocks training, the rest do not."""

    message: str
    node_id: str | None = None
    severity: str = ERROR


@dataclass
class NodeResult:
    node_id: str
    type: str
    inputs: list[Shape] = field(default_factory=list)
    output: Shape | None = None
    error: str | None = None
    params: int = 0
    macs: int = 0


@dataclass
class Analysis:
    """The result of checking a whole graph."""

    results: dict[str, NodeResult]
    problems: list[Problem]
    order: list[str]

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.results.values())

    @property
    def total_macs(self) -> int:
        return sum(r.macs for r in self.results.values())

    @property
    def size_mb(self) -> float:
        """Size of the float32 weights in megabytes (10⁶ bytes)."""
        return self.total_params * 4 / 1e6

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def ready(self) -> bool:
        """Whether the graph can be built and trained."""
        return not self.errors

    def shape_of(self, node_id: str) -> Shape | None:
        result = self.results.get(node_id)
        return result.output if result else None


@dataclass(frozen=True)
class DataShapes:
    """What the data says about the ends of the network.

    ``target_shape`` is the Output's shape for the run's loss; ``feature_columns`` names the
    table column each feature came from (empty for images), ``task`` and ``class_count``
    let an Output with a loss of its own size itself; ``vocab_size`` sizes an Embedding
    that follows the data.
    """

    input_shape: Shape | None = None
    target_shape: Shape | None = None
    feature_columns: tuple[str, ...] = ()
    task: str | None = None
    class_count: int = 0
    vocab_size: int = 0  # the data's largest text vocabulary (0: no text)


def format_shape(shape: Shape | None) -> str:
    """The canvas's compact form: ``16×5×5``; ``?`` when unknown."""
    if shape is None:
        return "?"
    return "×".join(str(s) for s in shape) if shape else "scalar"


def node_label(graph: Graph, node_id: str) -> str:
    return f"{graph.nodes[node_id].type} '{node_id}'"


class ShapeInference:
    """Checks graphs, remembering per-node results between calls."""

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[Shape | None, str | None, int, int]] = {}

    def analyze(self, graph: Graph, data: DataShapes | None = None) -> Analysis:
        data = data or DataShapes()
        problems: list[Problem] = []
        results: dict[str, NodeResult] = {nid: NodeResult(nid, n.type) for nid, n in graph.nodes.items()}
        try:
            order = graph.topological_order()
        except GraphError as err:
            return Analysis(results, [Problem(str(err))], [])

        incoming_map = _incoming_map(graph)
        problems.extend(_structure_problems(graph, incoming_map))
        outputs: dict[str, Shape] = {}
        for node_id in order:
            node = graph.nodes[node_id]
            result = results[node_id]
            spec = REGISTRY.get(node.type)
            label = f"{node.type} '{node_id}'"
            param_errors = spec.validate_params(node.params)
            if param_errors:
                result.error = f"{label}: " + "; ".join(str(e) for e in param_errors)
                problems.append(Problem(result.error, node_id))
                continue
            incoming = incoming_map[node_id]
            if len(incoming) < spec.min_inputs or (spec.max_inputs is not None
                                                   and len(incoming) > spec.max_inputs):
                continue  # reported by _structure_problems
            if any(e.source not in outputs for e in incoming):
                continue  # an upstream node failed: nothing to say here
            in_shapes = [outputs[e.source] for e in incoming]
            result.inputs = in_shapes
            shape, error, n_params, n_macs = self._infer_node(node.type, node.params, in_shapes,
                                                              node_id, data)
            if error:
                result.error = f"{label} {error}"
                problems.append(Problem(result.error, node_id))
                continue
            result.output, result.params, result.macs = shape, n_params, n_macs
            outputs[node_id] = shape
        problems.extend(_whole_input_problems(graph, results))
        return Analysis(results, problems, order)

    def _infer_node(self, type_name: str, params: dict[str, Any], in_shapes: list[Shape],
                    node_id: str, data: DataShapes):
        spec = REGISTRY.get(type_name)
        key = (type_name, _freeze(params), tuple(in_shapes))
        if type_name in ("Input", "Output") or spec.reads_data:
            key += (data,)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        merged = spec.effective_params(params)
        ctx = BuildContext(node_id, data.input_shape, data.target_shape, data)
        try:
            shape = tuple(int(s) for s in spec.infer(in_shapes, merged, ctx))
            if any(s < 1 for s in shape):
                raise LayerForgeError(f"would produce an empty output {shape}: check its sizes")
            outcome = (shape, None, spec.count_params(in_shapes, merged, shape),
                       spec.count_macs(in_shapes, merged, shape))
        except LayerForgeError as err:
            outcome = (None, str(err), 0, 0)
        except Exception as err:  # a bug in a shape rule must not take the window down
            outcome = (None, f"could not be checked ({type(err).__name__}: {err}); this is a bug"
                             " in LayerForge, please report it", 0, 0)
        if len(self._cache) > 20000:
            self._cache.clear()
        self._cache[key] = outcome
        return outcome


def _freeze(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True)


def _incoming_map(graph: Graph) -> dict[str, list]:
    incoming: dict[str, list] = {nid: [] for nid in graph.nodes}
    for edge in graph.edges:
        if edge.target in incoming:
            incoming[edge.target].append(edge)
    for edges in incoming.values():
        edges.sort(key=lambda e: e.target_port)
    return incoming


def _ancestors(incoming: dict[str, list], node_id: str) -> set[str]:
    seen, stack = {node_id}, [node_id]
    while stack:
        for edge in incoming.get(stack.pop(), ()):
            if edge.source not in seen:
                seen.add(edge.source)
                stack.append(edge.source)
    return seen


def _structure_problems(graph: Graph, incoming: dict[str, list]) -> list[Problem]:
    """Problems of the wiring as a whole: missing ends, missing inputs, dead branches."""
    problems: list[Problem] = []
    inputs = [nid for nid, n in graph.nodes.items() if n.type == "Input"]
    outputs = [nid for nid, n in graph.nodes.items() if n.type == "Output"]
    if not inputs:
        problems.append(Problem("the network has no Input: drag an Input from the palette"
                                " (Input/Output) onto the canvas"))
    if not outputs:
        problems.append(Problem("the network has no Output: drag an Output from the palette"
                                " (Input/Output) and connect the last layer to it"))
    for node_id, node in graph.nodes.items():
        spec = REGISTRY.get(node.type)
        count = len(incoming[node_id])
        label = f"{node.type} '{node_id}'"
        if spec.max_inputs is not None and count > spec.max_inputs:
            sources = ", ".join(f"'{e.source}'" for e in incoming[node_id])
            problems.append(Problem(f"{label} takes {'one input' if spec.max_inputs == 1 else f'{spec.max_inputs} inputs'}"
                                    f" but has {count} (from {sources}): delete the extra wires, or"
                                    " join them with Add or Concat first", node_id))
        elif spec.min_inputs == 1 and count == 0:
            problems.append(Problem(f"{label} has no input: connect a wire into it", node_id))
        elif count < spec.min_inputs:
            problems.append(Problem(f"{label} needs at least {spec.min_inputs} inputs but has"
                                    f" {count}: connect another wire into it", node_id))
    if inputs and outputs:
        problems.extend(_reach_problems(graph, incoming, inputs, outputs))
    from core.subnetworks import adversarial_problems  # a GAN's two sub-networks

    problems.extend(adversarial_problems(graph))
    return problems


def _whole_input_problems(graph: Graph, results: dict[str, NodeResult]) -> list[Problem]:
    """Inputs without columns are all the same tensor (the data's features): one shape.
    A noise Input reads no data and a label Input the class, so their shapes are their own."""
    whole = [(nid, results[nid].output) for nid, n in graph.nodes.items()
             if n.type == "Input" and not n.params.get("columns") and not n.params.get("noise")
             and not n.params.get("label") and results[nid].output]
    first_id, first = whole[0] if whole else (None, None)
    return [Problem(f"Input '{nid}' has the shape {format_shape(shape)} but Input '{first_id}' has"
                    f" {format_shape(first)}: Inputs without columns all take the same data, so"
                    " give them one shape (or columns)", nid)
            for nid, shape in whole[1:] if shape != first]


def _reach_problems(graph: Graph, incoming: dict[str, list], inputs: list[str],
                    outputs: list[str]) -> list[Problem]:
    """Every Output must be fed by an Input; what feeds no Output is ignored (a warning)."""
    problems: list[Problem] = []
    feeding: set[str] = set()
    for output in outputs:
        ancestors = _ancestors(incoming, output)
        feeding |= ancestors
        if not ancestors & set(inputs):
            source = f"Input '{inputs[0]}'" if len(inputs) == 1 else "any Input"
            problems.append(Problem(f"{source} is not connected to Output '{output}': wire a"
                                    " path of layers between them", output))
    for node_id, node in graph.nodes.items():
        if node_id in feeding or node.type == "Output":
            continue
        if node.type == "Input":
            if len(inputs) > 1:
                problems.append(Problem(f"Input '{node_id}' does not lead to an Output, so"
                                        " training ignores it: connect it or delete it",
                                        node_id, WARNING))
            continue
        if feeding & set(inputs):
            target = "the Output" if len(outputs) == 1 else "any Output"
            problems.append(Problem(f"{node.type} '{node_id}' does not lead to {target}, so"
                                    " training ignores it: connect it or delete it", node_id,
                                    WARNING))
    return problems


def analyze(graph: Graph, data: DataShapes | None = None) -> Analysis:
    """Check a graph once (no cache kept between calls)."""
    return ShapeInference().analyze(graph, data)


def numel_of(shape: Shape) -> int:
    return numel(shape)
