"""Merge layers: Add, Multiply and Concat join several inputs into one."""

from __future__ import annotations

from core.errors import ShapeError
from core.layers.params import ParamSet
from core.layers.registry import LayerSpec, Shape, p, register
from core.layers.rules import normalize_dim, show


def _same_shapes(inputs: list[Shape], params, ctx) -> Shape:
    first = inputs[0]
    if any(shape != first for shape in inputs[1:]):
        shown = " and ".join(show(s) for s in inputs)
        raise ShapeError(f"receives {shown}: its inputs must have the same shape; change the"
                         " sizes of the layers that feed it")
    return first


def _concat_infer(inputs: list[Shape], params, ctx) -> Shape:
    first = inputs[0]
    if any(len(shape) != len(first) for shape in inputs[1:]):
        shown = " and ".join(show(s) for s in inputs)
        raise ShapeError(f"receives {shown}: its inputs must have the same number of dimensions")
    dim = normalize_dim(params["dim"], len(first) + 1, "dim", first)
    if dim == 0:
        raise ShapeError("cannot join along the batch dimension (dim 0): use dim 1 or more")
    axis = dim - 1
    for shape in inputs[1:]:
        if shape[:axis] + shape[axis + 1:] != first[:axis] + first[axis + 1:]:
            shown = " and ".join(show(s) for s in inputs)
            raise ShapeError(f"receives {shown}: all sizes except dimension {dim} must match")
    return (*first[:axis], sum(s[axis] for s in inputs), *first[axis + 1:])


def _module(cls_name: str):
    def build(inputs, params, ctx):
        from core.layers import torch_modules

        return getattr(torch_modules, cls_name)(**params)
    return build


register(LayerSpec(
    type="Add", category="Merge", id_prefix="add",
    summary="Adds its inputs element by element (residual connections).",
    explanation=(
        "Add sums two or more tensors of the same shape. Adding a block's input to its"
        " output (a residual or skip connection) lets gradients flow straight through deep"
        " networks; this is the idea behind ResNet."),
    infer=_same_shapes, build=_module("Add"), min_inputs=2, max_inputs=None,
    shape_formula="(N, *s) + (N, *s) -> (N, *s)",
    when_to_use="Residual connections around a block of layers.",
))

register(LayerSpec(
    type="Multiply", category="Merge", id_prefix="mul",
    summary="Multiplies its inputs element by element (gating).",
    explanation=(
        "Multiply takes the element-wise product of two or more tensors of the same shape."
        " Multiplying by a sigmoid output acts as a learned gate that lets some features"
        " through and blocks others."),
    infer=_same_shapes, build=_module("Multiply"), min_inputs=2, max_inputs=None,
    shape_formula="(N, *s) × (N, *s) -> (N, *s)",
    when_to_use="Gates and attention-like weighting.",
))

register(LayerSpec(
    type="Concat", category="Merge", id_prefix="cat",
    summary="Joins its inputs side by side along dim (1 = features or channels).",
    explanation=(
        "Concat places its inputs next to each other along one dimension: with dim 1, two"
        " (N, 32) inputs become (N, 64), and two 16-channel images become 32 channels. It"
        " joins branches that look at the data in different ways; ports order the inputs."),
    params=ParamSet((
        p("dim", "int", 1, "Dimension to join along, counted with the batch as 0", minimum=-5,
          maximum=5),
    )),
    infer=_concat_infer, build=_module("Concat"), min_inputs=2, max_inputs=None,
    shape_formula="(N, a, *s) ++ (N, b, *s) -> (N, a + b, *s)",
    when_to_use="Joining parallel branches (Inception-style blocks, multi-input networks).",
))
