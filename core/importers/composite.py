"""LayerForge's own composite layers in a file LayerForge exported, recognised from its design.

A TransformerEncoderLayer or MultiheadAttention becomes dozens of ONNX operations (matrix
products of two tensors, reshapes into heads, masks), which no single registry layer
matches operation by operation. A model LayerForge exported carries its design in its
metadata (``layerforge.model``), and PyTorch names each operation after its module
(``/net/encoder/self_attn/MatMul``): all the operations under a composite node's name are
that node. The importer takes the node's type and parameters from the design, its inputs
from the wires into the group, and its weights from the group's tensors: by their
parameter name where the exporter kept it (``net.encoder.norm1.weight``), else the tensor
of the same shape, or transposed (a Linear's weight stored for MatMul), in the order the
operations use them. The verification of the whole import then proves the result. In
files from elsewhere these operations are listed as unsupported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.importers.errors import Unsupported
from core.importers.ids import scope_parts
from core.importers.values import Const, Tensor

#: Registry layers recognised this way (only from the design an exported file carries).
COMPOSITE = ("TransformerEncoderLayer", "MultiheadAttention")


@dataclass
class Group:
    node_id: str
    type: str
    params: dict[str, Any]
    sources: list[str]  # the design's input node ids, in port order
    members: list[int] = field(default_factory=list)  # ONNX node indices
    output: str = ""  # the one tensor the rest of the graph reads


def find_groups(graph, record: dict[str, Any] | None) -> dict[int, Group]:
    """``{index of the ONNX node that produces the group's output: group}``; empty without a
    design or when a group does not have exactly one output."""
    design = ((record or {}).get("project") or {}).get("graph") or {}
    nodes = {n.get("id"): n for n in design.get("nodes") or [] if isinstance(n, dict)}
    wanted = {i: n for i, n in nodes.items() if n.get("type") in COMPOSITE}
    if not wanted:
        return {}
    groups: dict[str, Group] = {}
    for index, node in enumerate(graph.node):
        for part in scope_parts(node.name):
            if part in wanted:
                if part not in groups:
                    edges = sorted((e for e in design.get("edges") or []
                                    if isinstance(e, dict) and e.get("target") == part),
                                   key=lambda e: e.get("target_port", 0))
                    groups[part] = Group(part, wanted[part]["type"], dict(wanted[part].get("params") or {}),
                                         [e.get("source") for e in edges])
                groups[part].members.append(index)
                break
    result = {}
    outputs = {o.name for o in graph.output}
    for group in groups.values():
        inside = set(group.members)
        produced = {name: i for i in group.members for name in graph.node[i].output if name}
        read_outside = {name for j, node in enumerate(graph.node) if j not in inside
                        for name in node.input if name in produced} | (outputs & set(produced))
        if len(read_outside) == 1:
            group.output = read_outside.pop()
            result[produced[group.output]] = group
    return result


def skipped(groups: dict[int, Group]) -> set[int]:
    """Every ONNX node inside a group except the one that produces its output."""
    return {i for at, group in groups.items() for i in group.members if i != at}


def build(group: Group, graph, ctx) -> Tensor:
    """The composite node: its design's type and params, its inputs, its weights from the group."""
    from core.layers import REGISTRY, BuildContext

    inputs = []
    for source in group.sources:
        found = next((v for v in ctx.values.values() if isinstance(v, Tensor) and v.node == source), None)
        if found is None:
            raise Unsupported(f"the design's node '{group.node_id}' takes '{source}', which the"
                              " file's operations do not make")
        inputs.append(found)
    made = ctx.draft.add(group.type, group.params, inputs, source=f"/net/{group.node_id}/",
                         node_id=ctx.draft.ids.claim(group.node_id))
    spec = REGISTRY.get(group.type)
    with _meta():
        module = spec.build([t.shape for t in inputs], spec.effective_params(group.params),
                            BuildContext(made.node))
    wanted = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    ctx.draft.nodes[made.node].weights = _weights(group, graph, ctx, wanted)
    return made


def _meta():
    import torch

    return torch.device("meta")


def _weights(group: Group, graph, ctx, wanted: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """Each wanted tensor from the group: by name, else by shape (or transposed) in use order,
    those read by an operation of the parameter's own module (``/encoder/linear1/MatMul`` for
    ``linear1.weight``) first: a 32-to-64 and a 64-to-32 Linear's weights, stored transposed
    for MatMul, have each other's shapes."""
    named = {}
    for name, value in ctx.values.items():
        key = _parameter_key(name, group.node_id)
        if key is not None and isinstance(value, Const):
            named[key] = value.value
    pool: list[tuple[str, np.ndarray, list[str]]] = []  # (name, value, the operations reading it)
    for index in group.members:
        node = graph.node[index]
        for name in node.input:
            value = ctx.values.get(name)
            if isinstance(value, Const) and value.value.ndim >= 1 and value.value.dtype.kind == "f" \
                    and _parameter_key(name, group.node_id) is None:
                entry = next((e for e in pool if e[0] == name), None)
                if entry is None:
                    pool.append((name, value.value, [node.name]))
                else:
                    entry[2].append(node.name)
    found: dict[str, np.ndarray] = {}
    for key, shape in wanted.items():
        if key in named and tuple(named[key].shape) == shape:
            found[key] = named[key]
            continue
        scope = "/" + key.rpartition(".")[0].replace(".", "/") + "/"
        fits = [i for i, (_, array, _) in enumerate(pool)
                if tuple(array.shape) == shape or (array.ndim == 2 and tuple(array.T.shape) == shape)]
        own = [i for i in fits if scope != "//" and any(scope in op for op in pool[i][2])]
        if not fits:
            raise Unsupported(f"the weight {key} {shape} of the design's '{group.node_id}' is not"
                              " among the file's tensors")
        _, array, _ = pool.pop((own or fits)[0])
        found[key] = array if tuple(array.shape) == shape else array.T
    return {k: np.ascontiguousarray(v, np.float32) for k, v in found.items()}


def _parameter_key(name: str, node_id: str) -> str | None:
    """``linear1.weight`` for a tensor the exporter named after the node's parameter
    (``net.encoder.linear1.weight``, or ``network.net.encoder.linear1.weight`` when the
    network was wrapped, as a text export's mask prelude does), else None."""
    marker = f"net.{node_id}."
    at = name.find(marker)
    while at > 0 and name[at - 1] != ".":
        at = name.find(marker, at + 1)
    return name[at + len(marker):] if at >= 0 else None
