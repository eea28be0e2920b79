"""Layers with weights or windows: Gemm, MatMul, Conv, ConvTranspose, BatchNormalization,
LayerNormalization, MaxPool, AveragePool, GlobalAveragePool, ReduceMean.

ONNX and PyTorch lay weights out alike for these (``Conv`` weights are
``(out, in/groups, k...)`` in both), so the conversion is mostly a matter of the
attributes: padding must be the same on both sides (LayerForge's layers pad
symmetrically), pooling windows may not round up (``ceil_mode``) unless that changes
nothing, and an average pool with padding must count the padding as PyTorch does.
"""

from __future__ import annotations

import math

import numpy as np

from core.importers.draft import WeightMismatch
from core.importers.errors import Unsupported
from core.importers.ops import attr, axes_of, const, op, optional_const, tensor


def _size(values: list[int]):
    """``[3, 3]`` -> ``3``; ``[3, 5]`` -> ``[3, 5]``; ``[3]`` -> ``3`` (the params' JSON form)."""
    values = [int(v) for v in values]
    if len(values) == 1 or len(set(values)) == 1:
        return values[0]
    return values


def _f32(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(array, np.float32))


# ----------------------------------------------------------------------------- Linear
@op("Gemm")
def gemm(node, args, ctx):
    x = tensor(args[0])
    b = const(args[1], "its weight")
    c = optional_const(args[2] if len(args) > 2 else None, "its bias")
    if attr(node, "transA", 0):
        raise Unsupported("it transposes its input (transA), which mixes the batch with the features")
    if len(x.shape) != 1 or b.ndim != 2:
        raise Unsupported(f"it multiplies a {len(x.shape) + 1}-D input, where LayerForge's Linear"
                          " after a Gemm needs (N, features)")
    weight = b if attr(node, "transB", 0) else b.T
    weight = weight * float(attr(node, "alpha", 1.0))
    out, inp = weight.shape
    if inp != x.shape[0]:
        raise WeightMismatch(f"its weight is {tuple(b.shape)}, which does not take the"
                             f" {x.shape[0]} features it receives")
    weights = {"weight": _f32(weight)}
    if c is not None:
        c = np.asarray(c) * float(attr(node, "beta", 1.0))
        if c.size == 1:
            c = np.full(out, float(c.reshape(-1)[0]))
        if c.size != out:
            raise WeightMismatch(f"its bias has {c.size} values for {out} outputs")
        weights["bias"] = _f32(c.reshape(out))
    return ctx.draft.add("Linear", {"out_features": int(out), "bias": c is not None}, [x],
                         source=node.name, weights=weights)


@op("MatMul")
def matmul(node, args, ctx):
    x = tensor(args[0])
    if not hasattr(args[1], "value"):
        tensor(args[1], "its second input")
        raise Unsupported("it multiplies two tensors computed from the input (attention, for"
                          " example), which no LayerForge layer does on its own")
    b = const(args[1], "its weight")
    if b.ndim != 2:
        raise Unsupported(f"its weight has {b.ndim} dimensions; a Linear layer's has 2")
    if b.shape[0] != x.shape[-1]:
        raise WeightMismatch(f"its weight is {tuple(b.shape)}, which does not take the"
                             f" {x.shape[-1]} features it receives")
    return ctx.draft.add("Linear", {"out_features": int(b.shape[1]), "bias": False}, [x],
                         source=node.name, weights={"weight": _f32(b.T)})


# ----------------------------------------------------------------------------- convolution
def _padding(node, x_shape, kernel, strides, dilations) -> list[int]:
    """Symmetric padding per spatial dimension, from ``pads`` or ``auto_pad``."""
    spatial = len(kernel)
    mode = attr(node, "auto_pad", "NOTSET")
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        pads = []
        for size, k, s, d in zip(x_shape[1:], kernel, strides, dilations):
            total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
            if total % 2:
                raise Unsupported(f"its {mode} padding is one larger on one side;"
                                  " LayerForge pads both sides alike")
            pads.append(total // 2)
        return pads
    if mode == "VALID":
        return [0] * spatial
    pads = [int(p) for p in attr(node, "pads", [0] * (2 * spatial))]
    begins, ends = pads[:spatial], pads[spatial:]
    if begins != ends:
        raise Unsupported(f"its padding {pads} differs between the two sides;"
                          " LayerForge pads both sides alike")
    return begins


@op("Conv")
def conv(node, args, ctx):
    x = tensor(args[0])
    weight = const(args[1], "its weight")
    bias = optional_const(args[2] if len(args) > 2 else None, "its bias")
    spatial = weight.ndim - 2
    if spatial not in (1, 2):
        raise Unsupported(f"it is a {spatial}-D convolution; LayerForge has Conv1d and Conv2d")
    if len(x.shape) != spatial + 1:
        raise Unsupported(f"its input {x.shape} does not fit a {spatial}-D convolution")
    kernel = [int(k) for k in attr(node, "kernel_shape", weight.shape[2:])]
    strides = [int(s) for s in attr(node, "strides", [1] * spatial)]
    dilations = [int(d) for d in attr(node, "dilations", [1] * spatial)]
    groups = int(attr(node, "group", 1))
    if weight.shape[1] * groups != x.shape[0]:
        raise WeightMismatch(f"its weight {tuple(weight.shape)} with {groups} group(s) takes"
                             f" {weight.shape[1] * groups} channels, but it receives {x.shape[0]}")
    if list(weight.shape[2:]) != kernel:
        raise WeightMismatch(f"its weight {tuple(weight.shape)} does not have its kernel_shape {kernel}")
    padding = _padding(node, x.shape, kernel, strides, dilations)
    out = int(weight.shape[0])
    weights = {"weight": _f32(weight)}
    if bias is not None:
        if bias.size != out:
            raise WeightMismatch(f"its bias has {bias.size} values for {out} filters")
        weights["bias"] = _f32(bias.reshape(out))
    params = {"out_channels": out, "kernel_size": _size(kernel), "stride": _size(strides),
              "padding": _size(padding), "dilation": _size(dilations), "groups": groups,
              "bias": bias is not None}
    return ctx.draft.add("Conv2d" if spatial == 2 else "Conv1d", params, [x], source=node.name,
                         weights=weights)


@op("ConvTranspose")
def conv_transpose(node, args, ctx):
    x = tensor(args[0])
    weight = const(args[1], "its weight")
    bias = optional_const(args[2] if len(args) > 2 else None, "its bias")
    if weight.ndim != 4:
        raise Unsupported("LayerForge has a 2-D transposed convolution only")
    if attr(node, "output_shape") is not None:
        raise Unsupported("it is given an output_shape, which LayerForge's ConvTranspose2d does not take")
    groups = int(attr(node, "group", 1))
    if weight.shape[0] != x.shape[0]:
        raise WeightMismatch(f"its weight {tuple(weight.shape)} takes {weight.shape[0]} channels,"
                             f" but it receives {x.shape[0]}")
    kernel = [int(k) for k in attr(node, "kernel_shape", weight.shape[2:])]
    strides = [int(s) for s in attr(node, "strides", [1, 1])]
    dilations = [int(d) for d in attr(node, "dilations", [1, 1])]
    if attr(node, "auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise Unsupported("its automatic padding is not one LayerForge's ConvTranspose2d has")
    pads = [int(p) for p in attr(node, "pads", [0, 0, 0, 0])]
    if pads[:2] != pads[2:]:
        raise Unsupported(f"its padding {pads} differs between the two sides")
    out = int(weight.shape[1] * groups)
    weights = {"weight": _f32(weight)}
    if bias is not None:
        weights["bias"] = _f32(bias.reshape(out))
    params = {"out_channels": out, "kernel_size": _size(kernel), "stride": _size(strides),
              "padding": _size(pads[:2]),
              "output_padding": _size(attr(node, "output_padding", [0, 0])),
              "dilation": _size(dilations), "groups": groups, "bias": bias is not None}
    return ctx.draft.add("ConvTranspose2d", params, [x], source=node.name, weights=weights)


# ----------------------------------------------------------------------------- normalisation
@op("BatchNormalization")
def batch_norm(node, args, ctx):
    x = tensor(args[0])
    if attr(node, "training_mode", 0) or any(ctx.uses.get(name) for name in node.output[1:] if name):
        raise Unsupported("it normalises with the batch's own statistics (training mode)")
    scale, shift, mean, var = (const(args[i], what) for i, what in
                               ((1, "its scale"), (2, "its shift"), (3, "its mean"), (4, "its variance")))
    channels = x.shape[0]
    for array, what in ((scale, "scale"), (shift, "shift"), (mean, "mean"), (var, "variance")):
        if array.size != channels:
            raise WeightMismatch(f"its {what} has {array.size} values for {channels} channels")
    kind = {1: "BatchNorm1d", 2: "BatchNorm1d", 3: "BatchNorm2d"}.get(len(x.shape))
    if kind is None:
        raise Unsupported(f"it normalises a {len(x.shape) + 1}-D tensor")
    momentum = 1.0 - float(attr(node, "momentum", 0.9))
    params = {"eps": float(attr(node, "epsilon", 1e-5)), "momentum": round(min(max(momentum, 0.0), 1.0), 6)}
    weights = {"weight": _f32(scale.reshape(-1)), "bias": _f32(shift.reshape(-1)),
               "running_mean": _f32(mean.reshape(-1)), "running_var": _f32(var.reshape(-1)),
               "num_batches_tracked": np.asarray(0, np.int64)}
    return [ctx.draft.add(kind, params, [x], source=node.name, weights=weights)] + [None] * (
        len(node.output) - 1)


@op("LayerNormalization")
def layer_norm(node, args, ctx):
    x = tensor(args[0])
    axis = int(attr(node, "axis", -1))
    if axis % (len(x.shape) + 1) != len(x.shape):
        raise Unsupported("it normalises over more than the last dimension; LayerForge's"
                          " LayerNorm normalises the last one")
    scale = const(args[1], "its scale")
    shift = optional_const(args[2] if len(args) > 2 else None, "its shift")
    width = x.shape[-1]
    if scale.size != width or (shift is not None and shift.size != width):
        raise WeightMismatch(f"its scale or shift does not have the {width} values of the last dimension")
    weights = {"weight": _f32(scale.reshape(-1))}
    if shift is not None:
        weights["bias"] = _f32(shift.reshape(-1))
    params = {"eps": float(attr(node, "epsilon", 1e-5)), "elementwise_affine": True,
              "bias": shift is not None}
    return [ctx.draft.add("LayerNorm", params, [x], source=node.name, weights=weights)] + [None] * (
        len(node.output) - 1)


# ----------------------------------------------------------------------------- pooling
def _pool_length(size, k, s, pad, ceil):
    value = (size + 2 * pad - k) / s + 1
    return math.ceil(value) if ceil else math.floor(value)


@op("MaxPool", "AveragePool")
def pool(node, args, ctx):
    x = tensor(args[0])
    if len(node.output) > 1 and node.output[1] and ctx.uses.get(node.output[1]):
        raise Unsupported("its indices output is used")
    kernel = [int(k) for k in attr(node, "kernel_shape", [])]
    spatial = len(kernel)
    if spatial not in (1, 2) or len(x.shape) != spatial + 1:
        raise Unsupported(f"it pools {spatial} dimensions of a {x.shape} input; LayerForge pools"
                          " (channels, length) and (channels, height, width)")
    strides = [int(s) for s in attr(node, "strides", [1] * spatial)]
    if any(d != 1 for d in attr(node, "dilations", [1] * spatial)):
        raise Unsupported("its window is dilated, which LayerForge's pooling is not")
    padding = _padding(node, x.shape, kernel, strides, [1] * spatial)
    if attr(node, "ceil_mode", 0):
        for size, k, s, pad in zip(x.shape[1:], kernel, strides, padding):
            if _pool_length(size, k, s, pad, True) != _pool_length(size, k, s, pad, False):
                raise Unsupported("it rounds the number of windows up (ceil_mode), which"
                                  " LayerForge's pooling does not")
    average = node.op_type == "AveragePool"
    if average and any(padding) and not attr(node, "count_include_pad", 0):
        raise Unsupported("it averages without counting the padding, while LayerForge's"
                          " AvgPool counts it")
    kind = ("AvgPool" if average else "MaxPool") + f"{spatial}d"
    params = {"kernel_size": _size(kernel), "stride": None if strides == kernel else _size(strides),
              "padding": _size(padding)}
    return [ctx.draft.add(kind, params, [x], source=node.name)] + [None] * (len(node.output) - 1)


@op("GlobalAveragePool")
def global_average_pool(node, args, ctx):
    x = tensor(args[0])
    if len(x.shape) != 3:
        raise Unsupported("LayerForge averages whole feature maps of images (channels, height,"
                          " width) only")
    return ctx.draft.add("AdaptiveAvgPool2d", {"output_size": 1}, [x], source=node.name)


@op("ReduceMean")
def reduce_mean(node, args, ctx):
    x = tensor(args[0])
    rank = len(x.shape) + 1
    axes = sorted(a % rank for a in (axes_of(node, args, ctx.opset) or range(rank)))
    keep = bool(attr(node, "keepdims", 1))
    if len(x.shape) == 3 and axes == [2, 3]:
        pooled = ctx.draft.add("AdaptiveAvgPool2d", {"output_size": 1}, [x], source=node.name)
        return pooled if keep else ctx.draft.add("Flatten", {}, [pooled], source=node.name)
    if len(x.shape) == 2 and axes == [1] and not keep:
        return ctx.draft.add("SequencePool", {"mode": "mean"}, [x], source=node.name)
    raise Unsupported(f"it averages over the axes {axes} of {tuple(x.shape)} (counted with the"
                      " batch), which is neither global pooling of an image nor pooling over steps")
