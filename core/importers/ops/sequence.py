"""Padding masks of token sequences: Equal, Not, Where, Greater, ReduceSum, ReduceMax.

LayerForge's SequencePool (mean or max over the steps, skipping padding id 0) exports as a
small graph around a mask ``tokens != 0``; this module recognises the two forms PyTorch
writes and turns them back into the one layer with two inputs (the sequence, the ids).
Without a mask, a mean or max over the steps is SequencePool with one input.
"""

from __future__ import annotations

import numpy as np

from core.importers.errors import Unsupported
from core.importers.ops import attr, axes_of, is_marker, op, tensor
from core.importers.values import Const, Marker, Tensor


@op("Equal")
def equal(node, args, ctx):
    ids, zero = args[0], args[1]
    if isinstance(ids, Const):
        ids, zero = zero, ids
    if isinstance(ids, Tensor) and isinstance(zero, Const) and np.all(zero.value == 0):
        return Marker("pad", node.name, (ids,))
    tensor(ids)
    raise Unsupported("it compares the data with something other than the padding id 0")


@op("Not")
def logical_not(node, args, ctx):
    value = args[0]
    if is_marker(value, "pad"):
        return Marker("keep", node.name, value.args)
    if is_marker(value, "keep_u"):
        return Marker("pad_u", node.name, value.args)
    tensor(value)
    raise Unsupported("it negates a condition LayerForge does not recognise")


@op("ReduceSum")
def reduce_sum(node, args, ctx):
    value = args[0]
    axes = axes_of(node, args, ctx.opset)
    if axes == [1] and not attr(node, "keepdims", 1):
        if is_marker(value, "mask"):
            return Marker("count", node.name, value.args)
        if is_marker(value, "masked"):
            return Marker("masked_sum", node.name, value.args)
    tensor(value)
    raise Unsupported("it sums over an axis, which no LayerForge layer does on its own")


@op("ReduceMax")
def reduce_max(node, args, ctx):
    value = args[0]
    axes = axes_of(node, args, ctx.opset)
    keep = bool(attr(node, "keepdims", 1))
    if is_marker(value, "max_masked") and axes == [1] and not keep:
        return Marker("masked_max", node.name, value.args)
    x = tensor(value)
    if len(x.shape) == 2 and axes is not None and [a % 3 for a in axes] == [1] and not keep:
        return ctx.draft.add("SequencePool", {"mode": "max"}, [x], source=node.name)
    raise Unsupported("it takes a maximum over an axis that is not the steps of a sequence")


@op("Greater")
def greater(node, args, ctx):
    if is_marker(args[0], "count") and isinstance(args[1], Const) and np.all(args[1].value == 0):
        return Marker("nonempty", node.name, args[0].args)
    tensor(args[0])
    raise Unsupported("it compares the data with a constant, and LayerForge has no layer that does")


@op("Where")
def where(node, args, ctx):
    condition, yes, no = args[0], args[1], args[2]
    if is_marker(condition, "pad_u") and isinstance(yes, Const) and np.all(np.isneginf(yes.value)) \
            and isinstance(no, Tensor) and condition.arg(0) is not None:
        return Marker("max_masked", node.name, (no, condition.arg(0)))
    if is_marker(condition, "nonempty") and is_marker(yes, "masked_max") and is_marker(no, "zeros_like"):
        x, ids = yes.arg(0), yes.arg(1)
        if condition.arg(0) != ids:
            raise Unsupported("it combines the masks of two different sequences")
        return ctx.draft.add("SequencePool", {"mode": "max"}, [x, ids], source=node.name)
    raise Unsupported("it chooses between values by a condition, which LayerForge's layers do"
                      " only inside SequencePool")
