"""Activations and element-wise arithmetic: Relu ... Softmax, Add, Sub, Mul, Div, Clip, Dropout.

Arithmetic with a constant has no layer of its own in LayerForge, so it maps only where it
is part of something LayerForge has: the bias of a Linear or convolution written as a
separate Add, the input scaling ``(x - mean) / scale`` at the start of the network (it
becomes the run's preprocessing), the ``out * scale + mean`` of a regression's units at
its end, a learned or sinusoidal position table added to a sequence, the ``1 - p`` of a
two-class sigmoid, and the padding masks of sequence pooling.
"""

from __future__ import annotations

import numpy as np

from core.importers.errors import Unsupported
from core.importers.ops import attr, const, is_marker, op, tensor
from core.importers.values import Const, Marker, Tensor

_SIMPLE = {"Relu": "ReLU", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Mish": "Mish"}


@op(*_SIMPLE)
def activation(node, args, ctx):
    return ctx.draft.add(_SIMPLE[node.op_type], {}, [tensor(args[0])], source=node.name)


@op("LeakyRelu")
def leaky_relu(node, args, ctx):
    return ctx.draft.add("LeakyReLU", {"negative_slope": float(attr(node, "alpha", 0.01))},
                         [tensor(args[0])], source=node.name)


@op("Elu")
def elu(node, args, ctx):
    return ctx.draft.add("ELU", {"alpha": float(attr(node, "alpha", 1.0))}, [tensor(args[0])],
                         source=node.name)


@op("Gelu")
def gelu(node, args, ctx):
    return ctx.draft.add("GELU", {"approximate": attr(node, "approximate", "none")},
                         [tensor(args[0])], source=node.name)


@op("Softplus")
def softplus(node, args, ctx):
    return ctx.draft.add("Softplus", {}, [tensor(args[0])], source=node.name)


@op("Softmax", "LogSoftmax")
def softmax(node, args, ctx):
    x = tensor(args[0])
    rank = len(x.shape) + 1
    axis = int(attr(node, "axis", -1 if ctx.opset >= 13 else 1))
    if axis % rank == 0:
        raise Unsupported("it normalises over the batch")
    if ctx.opset < 13 and axis % rank != rank - 1:
        raise Unsupported(f"before opset 13 {node.op_type} flattens the dimensions after its axis,"
                          " which LayerForge's layer does not do")
    kind = "Softmax" if node.op_type == "Softmax" else "LogSoftmax"
    return ctx.draft.add(kind, {"dim": axis}, [x], source=node.name)


@op("Identity")
def identity(node, args, ctx):
    return args[0]


@op("Dropout")
def dropout(node, args, ctx):
    x = tensor(args[0])
    if len(node.output) > 1 and node.output[1] and ctx.uses.get(node.output[1]):
        raise Unsupported("its dropout mask is used")
    if len(args) > 2 and args[2] is not None and bool(np.asarray(const(args[2], "training_mode"))):
        raise Unsupported("it drops values at inference time (training_mode is on)")
    ratio = attr(node, "ratio", 0.5)
    if len(args) > 1 and args[1] is not None:
        ratio = float(np.asarray(const(args[1], "its ratio")))
    return [ctx.draft.add("Dropout", {"p": round(float(ratio), 6)}, [x], source=node.name)] + [None] * (
        len(node.output) - 1)


@op("Clip")
def clip(node, args, ctx):
    lo = attr(node, "min")
    hi = attr(node, "max")
    if len(args) > 1 and args[1] is not None:
        lo = float(np.asarray(const(args[1], "its minimum")))
    if len(args) > 2 and args[2] is not None:
        hi = float(np.asarray(const(args[2], "its maximum")))
    if is_marker(args[0], "count") and lo == 1.0 and hi is None:
        return Marker("count_clamped", node.name, args[0].args)
    x = tensor(args[0])
    if lo == 0.0 and hi is None:
        return ctx.draft.add("ReLU", {}, [x], source=node.name)
    raise Unsupported(f"it clips to [{lo}, {hi}], and LayerForge has no clipping layer")


# ----------------------------------------------------------------------------- Add
def _bias_shape_fits(bias: np.ndarray, node_type: str, shape: tuple[int, ...], out: int) -> bool:
    """Whether a constant added after a bias-free layer is one number per output channel."""
    if bias.size != out:
        return False
    squeezed = [s for s in bias.shape if s != 1]
    if squeezed != [out]:
        return False
    if node_type == "Linear":
        return bias.shape[-1] == out
    # convolutions: (C, 1, 1), (1, C, 1, 1), (C, 1) ... : the channel axis is the first of the sample
    spatial = len(shape) - 1
    return len(bias.shape) >= spatial + 1 and bias.shape[-(spatial + 1)] == out


def _sinusoids(steps: int, width: int) -> np.ndarray:
    """LayerForge's own sine table (the layer's, so both always agree)."""
    from core.layers.torch_modules import PositionalEncoding

    return PositionalEncoding.sinusoids(steps, width).numpy()


def _positions(node, x: Tensor, table: np.ndarray, ctx) -> Tensor | None:
    """A (steps, D) constant added to a sequence: LayerForge's PositionalEncoding."""
    if len(x.shape) != 2:
        return None
    steps, width = x.shape
    squeezed = table.reshape(table.shape[-2:]) if table.ndim >= 2 and table.size == steps * width else None
    if squeezed is None or squeezed.shape != (steps, width):
        return None
    if np.allclose(squeezed, _sinusoids(steps, width), atol=1e-5):
        return ctx.draft.add("PositionalEncoding", {"kind": "sinusoidal", "max_len": steps}, [x],
                             source=node.name)
    return ctx.draft.add("PositionalEncoding", {"kind": "learned", "max_len": steps}, [x],
                         source=node.name, weights={"position": squeezed.astype(np.float32)})


@op("Add")
def add(node, args, ctx):
    a, b = args[0], args[1]
    if isinstance(a, Const) and not isinstance(b, Const):
        a, b = b, a
        names = [node.input[1], node.input[0]]
    else:
        names = list(node.input[:2])
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.shape != b.shape:
            raise Unsupported(f"it adds tensors of different shapes {a.shape} and {b.shape}"
                              " (broadcasting), which LayerForge's Add does not do")
        return ctx.draft.add("Add", {}, [a, b], source=node.name)
    if is_marker(a, "scaled_out") and isinstance(b, Const):
        return Marker("affine_out", node.name, (a.arg(0), a.arg(1), b.value))
    if isinstance(a, Tensor) and isinstance(b, Const):
        producer = ctx.node(a)
        out = producer.params.get("out_features") or producer.params.get("out_channels")
        if (producer.type in ("Linear", "Conv1d", "Conv2d", "ConvTranspose2d")
                and producer.params.get("bias") is False and ctx.used_once(names[0])
                and _bias_shape_fits(b.value, producer.type, a.shape, out)):
            producer.params["bias"] = True
            producer.weights["bias"] = b.value.reshape(out).astype(np.float32)
            return a
        positions = _positions(node, a, b.value, ctx)
        if positions is not None:
            return positions
        raise Unsupported("it adds a fixed constant to the data, and LayerForge has no layer"
                          " that does")
    tensor(a, "its first input")
    return tensor(b, "its second input")


# ----------------------------------------------------------------------------- Sub, Div
def _per_axis(values: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    """Input scaling as one number per feature (last axis) or per channel (images)."""
    values = np.asarray(values, np.float64)
    if values.size == 1:
        count = shape[0] if len(shape) == 3 else shape[-1]
        return np.full(count, float(values.reshape(-1)[0]))
    squeezed = values.reshape(-1)
    if len(shape) == 3 and values.size == shape[0] and (values.ndim < 3 or values.shape[-3] == shape[0]):
        return squeezed
    if len(shape) != 3 and values.shape[-1] == shape[-1] and values.size == shape[-1]:
        return squeezed
    raise Unsupported(f"it scales the input with a {what} of shape {values.shape}, not one number"
                      " per feature or per channel")


@op("Sub")
def sub(node, args, ctx):
    a, b = args[0], args[1]
    if ctx.is_input(a) and isinstance(b, Const):
        if ctx.uses.get(node.input[0], 0) != 1:
            raise Unsupported("it subtracts a constant from the input on one branch only")
        return Marker("input_minus", node.name, (_per_axis(b.value, a.shape, "mean"),))
    if isinstance(a, Const) and isinstance(b, Tensor) and np.allclose(a.value, 1.0) \
            and ctx.node(b).type == "Sigmoid":
        return Marker("one_minus", node.name, (b,))
    tensor(a, "its first input")
    tensor(b, "its second input")
    raise Unsupported("it subtracts one tensor from another, and LayerForge has no Subtract layer")


@op("Div")
def div(node, args, ctx):
    a, b = args[0], args[1]
    if is_marker(a, "input_minus") and isinstance(b, Const):
        ctx.scaling = (a.arg(0), _per_axis(b.value, ctx.input_tensor.shape, "scale"))
        return ctx.input_tensor
    if ctx.is_input(a) and isinstance(b, Const) and ctx.uses.get(node.input[0], 0) == 1:
        scale = _per_axis(b.value, a.shape, "scale")
        ctx.scaling = (np.zeros_like(scale), scale)
        return ctx.input_tensor
    if is_marker(a, "masked_sum") and is_marker(b, "count_clamped"):
        x, ids = a.arg(0), a.arg(1)
        if b.arg(0) != ids:
            raise Unsupported("it divides a masked sum by the count of another mask")
        return ctx.draft.add("SequencePool", {"mode": "mean"}, [x, ids], source=node.name)
    tensor(a, "its first input")
    tensor(b, "its second input")
    raise Unsupported("it divides tensors, and LayerForge has no layer that does")


@op("Mul")
def mul(node, args, ctx):
    a, b = args[0], args[1]
    if isinstance(a, Const) or is_marker(a, "mask"):
        a, b = b, a
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        for x, gate in ((a, b), (b, a)):
            producer = ctx.node(gate)
            if producer.type == "Sigmoid" and producer.inputs == [x.node] and \
                    len(ctx.draft.consumers(gate.node)) == 0 and _read_once(ctx, node, gate):
                producer.type = "SiLU"  # x * sigmoid(x)
                return gate
        if a.shape != b.shape:
            raise Unsupported(f"it multiplies tensors of different shapes {a.shape} and {b.shape}"
                              " (broadcasting), which LayerForge's Multiply does not do")
        return ctx.draft.add("Multiply", {}, [a, b], source=node.name)
    if isinstance(a, Tensor) and is_marker(b, "mask"):
        return Marker("masked", node.name, (a, b.arg(0)))
    if isinstance(a, Tensor) and isinstance(b, Const):
        return Marker("scaled_out", node.name, (a, b.value))
    tensor(a, "its first input")
    return tensor(b, "its second input")


def _read_once(ctx, node, value: Tensor) -> bool:
    """Whether the ONNX tensor holding ``value`` in this node is read by this node only."""
    for name in node.input:
        if ctx.values.get(name) == value:
            return ctx.used_once(name)
    return False
