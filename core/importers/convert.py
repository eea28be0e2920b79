"""ONNX graph -> LayerForge draft network: every node converted in order, failures collected.

Nodes whose inputs are all constants are computed on the spot with ONNX's reference
implementation (so a weight transposed or sliced in the file arrives as the plain array),
and batch-size arithmetic (``Shape -> Gather -> Concat`` before a ``Reshape``) is computed
for two batch sizes (:class:`~core.importers.values.Sym`). Every other node goes to its
converter (:mod:`core.importers.ops`). A node that does not map is remembered with its
name and the reason, its outputs become :class:`~core.importers.values.Unknown`, and the
walk goes on, so the person hears about every such node at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.importers import composite
from core.importers.context import Context
from core.importers.draft import Draft, WeightMismatch
from core.importers.errors import ImportModelError, Unsupported
from core.importers.ids import IdMaker
from core.importers.onnx_file import ModelFile
from core.importers.ops import OPS
from core.importers.values import Const, Marker, Sym, Tensor, Unknown

#: Operations never computed ahead even with constant inputs (random, or with subgraphs).
_NEVER_FOLD = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
               "Bernoulli", "Multinomial", "If", "Loop", "Scan", "ConstantOfShape_sym"}
#: Sizes of arrays computed from the batch size beyond which the import gives up.
_MAX_SYM_SIZE = 4_000_000
_LISTED = 6


@dataclass
class Hints:
    """What the file says beyond its operations (LayerForge's own exports say more)."""

    feature_columns: list[str]
    known_ids: set[str] = field(default_factory=set)
    input_id: str = "input"


@dataclass
class Conversion:
    draft: Draft
    output: Any
    context: Context


def _label(node, index: int) -> str:
    return node.name or f"{node.op_type} #{index + 1}"


def convert(model_file: ModelFile, hints: Hints) -> Conversion:
    """Convert every node; :class:`ImportModelError` listing each one that does not map."""
    from onnx import numpy_helper

    graph = model_file.model.graph
    draft = Draft(IdMaker(hints.known_ids))
    input_value = draft.add("Input", {"shape": list(model_file.input_shape)}, [],
                            source="", node_id=draft.ids.claim(hints.input_id))
    uses: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            if name:
                uses[name] = uses.get(name, 0) + 1
    for output in graph.output:
        uses[output.name] = uses.get(output.name, 0) + 1
    ctx = Context(draft, model_file.opset, input_value, hints.feature_columns, uses,
                  model_file.static_batch, model_file.input_is_int)
    values = ctx.values
    for init in graph.initializer:
        values[init.name] = Const(numpy_helper.to_array(init))
    values[model_file.input_name] = input_value
    unsupported: list[str] = []
    mismatched: list[str] = []
    for node in graph.node:
        _name_by_scope(node)
    groups = composite.find_groups(graph, model_file.record())
    inside = composite.skipped(groups)
    for index, node in enumerate(graph.node):
        if index in inside:
            continue
        label = _label(node, index)
        args = [values.get(name) if name else None for name in node.input]
        try:
            if index in groups:
                group = groups[index]
                label = f"/net/{group.node_id}/ ({group.type} of the design)"
                outputs = [composite.build(group, graph, ctx) if name == group.output else Unknown(label)
                           for name in node.output]
            elif any(isinstance(a, Unknown) for a in args):
                outputs = [Unknown(label)] * len(node.output)
            elif node.domain not in ("", "ai.onnx"):
                raise Unsupported(f"it is an operation of the {node.domain!r} domain, not standard ONNX")
            else:
                outputs = _convert_node(node, args, ctx)
        except Unsupported as err:
            unsupported.append(f"'{label}' ({node.op_type}: {err})")
            outputs = [Unknown(label)] * len(node.output)
        except WeightMismatch as err:
            mismatched.append(f"'{label}' ({node.op_type}: {err})")
            outputs = [Unknown(label)] * len(node.output)
        for name, value in zip(node.output, outputs):
            if name:
                values[name] = value
    shown = model_file.path.name
    if mismatched:
        what = "a node do" if len(mismatched) == 1 else f"{len(mismatched)} nodes do"
        raise ImportModelError(f"{shown} cannot be imported, because the weights of {what} not"
                               f" match their shapes: {_listing(mismatched)}; the file is damaged"
                               " or was edited, so nothing was written",
                               problems=mismatched + unsupported)
    if unsupported:
        count = len(unsupported)
        what = "an operation does" if count == 1 else f"{count} operations do"
        raise ImportModelError(f"{shown} cannot be imported, because {what} not map to a LayerForge"
                               f" layer: {_listing(unsupported)}; nothing was written",
                               problems=unsupported)
    return Conversion(draft, values.get(model_file.output_name), ctx)


def _name_by_scope(node) -> None:
    """Give a node of PyTorch's dynamo exporter (``node_conv2d``) a module-path name
    (``/net/conv1/node_conv2d``) from the name scopes it records, as the TorchScript-based
    exporter names its nodes, so that layers get their module's attribute name as id."""
    import ast

    if node.name.startswith("/"):
        return
    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            try:
                scopes = [s for s in ast.literal_eval(prop.value)[1:-1] if isinstance(s, str) and s]
            except (ValueError, SyntaxError):
                return
            if scopes:
                node.name = "/" + "/".join(scopes[-1].split(".")) + "/" + (node.name or node.op_type)
            return


def _listing(items: list[str]) -> str:
    shown = "; ".join(items[:_LISTED])
    if len(items) > _LISTED:
        shown += f"; and {len(items) - _LISTED} more"
    return shown


def _convert_node(node, args: list[Any], ctx: Context) -> list[Any]:
    known = [a for a in args if a is not None]
    if node.op_type not in _NEVER_FOLD and all(isinstance(a, Const) for a in known):
        return _evaluate(node, [None if a is None else a.value for a in args], ctx.opset)
    if node.op_type not in _NEVER_FOLD | {"ConstantOfShape"} and known and \
            all(isinstance(a, (Const, Sym)) for a in known) and any(isinstance(a, Sym) for a in known):
        first = _evaluate(node, [_pick(a, 0) for a in args], ctx.opset)
        second = _evaluate(node, [_pick(a, 1) for a in args], ctx.opset)
        result = []
        for a, b in zip(first, second):
            if a.value.size > _MAX_SYM_SIZE:
                raise Unsupported("it builds an array whose size depends on the batch size")
            same = a.value.shape == b.value.shape and np.array_equal(a.value, b.value)
            result.append(a if same else Sym(a.value, b.value))
        return result
    converter = OPS.get(node.op_type)
    if converter is None:
        raise Unsupported("LayerForge has no layer for this operation")
    outputs = converter(node, args, ctx)
    if not isinstance(outputs, list):
        outputs = [outputs] + [None] * (len(node.output) - 1)
    return outputs


def _pick(value, which: int):
    if value is None:
        return None
    if isinstance(value, Sym):
        return value.first if which == 0 else value.second
    return value.value


def _evaluate(node, arrays: list[np.ndarray | None], opset: int) -> list[Const]:
    """Run one node on known arrays with ONNX's reference implementation."""
    from onnx.reference import ReferenceEvaluator

    feeds = {name: np.asarray(value) for name, value in zip(node.input, arrays)
             if name and value is not None}
    try:
        results = ReferenceEvaluator(node, opsets={"": opset}).run(None, feeds)
    except Exception as err:  # noqa: BLE001 - the reference implementation raises many kinds
        text = str(err).strip().splitlines()
        raise Unsupported(f"its constant result could not be computed ({text[0][:120] if text else type(err).__name__})") from None
    return [Const(np.asarray(r)) for r in results]


def final_tensor(value: Any, shown: str) -> Tensor | Marker:
    if isinstance(value, (Tensor, Marker)):
        return value
    raise ImportModelError(f"{shown} cannot be imported: its output does not depend on its input")
