"""Operations that move data around: Shape, Flatten, Reshape, (Un)Squeeze, Transpose,
Concat, Gather, Cast, ConstantOfShape.

The batch dimension is the first of every tensor, and LayerForge's layers never touch it:
a Reshape must keep it first, a Transpose must leave it in place (else it becomes
Permute of the other axes), Concat must join along another axis. The exceptions are the
patterns of recurrent layers (time-major input, ``(steps, directions, N, hidden)``
output) that :mod:`core.importers.ops.recurrent` completes.
"""

from __future__ import annotations

import math

import numpy as np

from core.importers.errors import Unsupported
from core.importers.ops import attr, axes_of, const, is_marker, op, tensor
from core.importers.values import BATCHES, Const, Marker, Sym, Tensor

_FLOATS = {1, 10, 11, 16}
_INTS = {2, 3, 4, 5, 6, 7, 12, 13}
_BOOL = 9


@op("Shape")
def shape(node, args, ctx):
    value = args[0]
    if is_marker(value, "masked_max"):
        return Marker("shape_of", node.name, (value,))
    x = tensor(value)
    start, end = attr(node, "start", 0), attr(node, "end")
    dims = [(BATCHES[0], BATCHES[1])] + [(s, s) for s in x.shape]
    picked = dims[start:end]
    return Sym(np.array([d[0] for d in picked], np.int64), np.array([d[1] for d in picked], np.int64))


@op("Flatten")
def flatten(node, args, ctx):
    x = tensor(args[0])
    axis = int(attr(node, "axis", 1)) % (len(x.shape) + 1)
    if axis != 1:
        raise Unsupported(f"it flattens from axis {axis}, which merges the batch with other"
                          " dimensions or keeps more than (N, features)")
    return ctx.draft.add("Flatten", {}, [x], source=node.name)


def _sample_shape(x_shape: tuple[int, ...], target, ctx, allowzero: bool) -> tuple[int, ...]:
    """The new shape of one sample for a Reshape of ``(N, *x_shape)`` to ``target``."""
    full = ["N", *x_shape]
    if isinstance(target, Sym):
        if target.depends_otherwise():
            raise Unsupported("its new shape depends on the batch size in a way LayerForge cannot keep")
        batch_at = target.batch_positions()
        entries = ["N" if i in batch_at else int(v) for i, v in enumerate(target.first.reshape(-1))]
    else:
        entries = [int(v) for v in np.asarray(target).reshape(-1)]
        if ctx.static_batch is not None and entries and entries[0] == ctx.static_batch:
            entries[0] = "N"
    resolved = []
    for i, entry in enumerate(entries):
        if entry == 0 and not allowzero:
            if i >= len(full):
                raise Unsupported("its new shape copies a dimension the input does not have")
            entry = full[i]
        resolved.append(entry)
    if resolved.count(-1) > 1:
        raise Unsupported("its new shape has several -1 sizes")
    if -1 in resolved:
        known = math.prod(e for e in resolved if e not in (-1, "N"))
        total = math.prod(x_shape)
        if "N" not in resolved and resolved.index(-1) == 0:
            resolved[0] = "N"  # (-1, rest...): the batch takes what is left
            known = math.prod(e for e in resolved if e != "N")
            if known != total:
                raise Unsupported("its new shape moves data between samples")
        else:
            if known == 0 or total % known:
                raise Unsupported("its new shape does not divide the data evenly")
            resolved[resolved.index(-1)] = total // known
    if not resolved or resolved[0] != "N" or resolved.count("N") != 1:
        raise Unsupported("its new shape does not keep the batch as the first dimension")
    sample = tuple(int(e) for e in resolved[1:])
    if math.prod(sample) != math.prod(x_shape):
        raise Unsupported(f"its new shape {sample} does not hold the {math.prod(x_shape)} values"
                          " of each sample")
    return sample


def reshaped(node, x: Tensor, sample: tuple[int, ...], ctx) -> Tensor:
    """``x`` given the shape ``sample``: nothing, a Flatten, or a Reshape layer."""
    if sample == x.shape:
        return x
    if len(sample) == 1 and len(x.shape) > 1:
        return ctx.draft.add("Flatten", {}, [x], source=node.name)
    return ctx.draft.add("Reshape", {"shape": list(sample)}, [x], source=node.name)


@op("Reshape")
def reshape(node, args, ctx):
    value, target = args[0], args[1]
    if isinstance(target, Const):
        target_value = target.value
    elif isinstance(target, Sym):
        target_value = target
    else:
        raise Unsupported("its new shape is computed from the data")
    if is_marker(value, "rec_y_stacked"):  # (steps, N, dirs, H) -> (steps, N, dirs*H)
        entries = np.asarray(target_value.first if isinstance(target_value, Sym) else target_value).reshape(-1)
        if len(entries) == 3 and entries[0] == 0 and entries[1] == 0 and entries[2] == -1:
            return Marker("time_major_seq", node.name, value.args)
        raise Unsupported("it reshapes a recurrent layer's output in a way LayerForge does not recognise")
    x = tensor(value)
    sample = _sample_shape(x.shape, target_value, ctx, bool(attr(node, "allowzero", 0)))
    return reshaped(node, x, sample, ctx)


@op("Squeeze", "Unsqueeze")
def squeeze(node, args, ctx):
    value = args[0]
    axes = axes_of(node, args, ctx.opset)
    if node.op_type == "Unsqueeze" and is_marker(value, "keep") and axes in ([-1], [2]):
        return Marker("keep_u", node.name, value.args)
    if node.op_type == "Squeeze" and is_marker(value, "rec_y") and axes == [1]:
        return Marker("time_major_seq", node.name, value.args)  # one direction: (steps, N, H)
    x = tensor(value)
    rank = len(x.shape) + 1
    if node.op_type == "Squeeze":
        if axes is None:
            axes = [i for i, s in enumerate(x.shape, start=1) if s == 1]
        axes = sorted(a % rank for a in axes)
        if 0 in axes:
            raise Unsupported("it removes the batch dimension")
        sample = tuple(s for i, s in enumerate(x.shape, start=1) if i not in axes)
    else:
        out_rank = rank + len(axes)
        axes = sorted(a % out_rank for a in axes)
        if 0 in axes:
            raise Unsupported("it adds a dimension in front of the batch")
        sample, rest = [], list(x.shape)
        for i in range(1, out_rank):
            sample.append(1 if i in axes else rest.pop(0))
        sample = tuple(sample)
    return reshaped(node, x, sample, ctx)


@op("Transpose")
def transpose(node, args, ctx):
    value = args[0]
    perm = [int(p) for p in attr(node, "perm", [])]
    if is_marker(value, "rec_y") and perm == [0, 2, 1, 3]:
        return Marker("rec_y_stacked", node.name, value.args)
    if is_marker(value, "time_major_seq") and perm == [1, 0, 2]:
        return ctx.recurrent_output(value.arg(0), "seq")
    x = tensor(value)
    if not perm:
        perm = list(reversed(range(len(x.shape) + 1)))
    if perm == list(range(len(perm))):
        return x
    if len(perm) == 3 and perm == [1, 0, 2]:
        return Marker("time_major", node.name, (x,))
    if perm[0] != 0:
        raise Unsupported(f"it moves the batch dimension (perm {perm})")
    return ctx.draft.add("Permute", {"dims": perm[1:]}, [x], source=node.name)


@op("Concat")
def concat(node, args, ctx):
    axis = int(attr(node, "axis", 1))
    if len(args) == 2 and is_marker(args[0], "one_minus") and isinstance(args[1], Tensor) \
            and args[0].arg(0) == args[1] and axis in (1, -1) and args[1].shape == (1,):
        return Marker("binary_probs", node.name, (args[1],))
    if len(args) == 2 and all(is_marker(a, "rec_h_dir") for a in args) and axis in (1, -1):
        (node0, d0), (node1, d1) = args[0].args, args[1].args
        if node0 == node1 and (d0, d1) == (0, 1):
            return ctx.recurrent_output(node0, "last")
    inputs = [tensor(a, f"its input {i + 1}") for i, a in enumerate(args)]
    rank = len(inputs[0].shape) + 1
    if axis % rank == 0:
        raise Unsupported("it joins along the batch dimension")
    return ctx.draft.add("Concat", {"dim": axis}, inputs, source=node.name)


@op("Gather")
def gather(node, args, ctx):
    data, indices = args[0], args[1]
    axis = int(attr(node, "axis", 0))
    if is_marker(data, "rec_h") and axis == 0 and isinstance(indices, Const) and indices.value.ndim == 0:
        node_id = data.arg(0)
        directions = 2 if ctx.draft.nodes[node_id].params.get("bidirectional") else 1
        index = int(indices.value) % directions
        if directions == 1:
            return ctx.recurrent_output(node_id, "last")
        return Marker("rec_h_dir", node.name, (node_id, index))
    if isinstance(data, Const) and axis == 0 and (is_marker(indices, "int_ids") or (
            ctx.input_is_int and ctx.is_input(indices))):
        ids = indices.arg(0) if isinstance(indices, Marker) else indices
        table = data.value
        if table.ndim != 2:
            raise Unsupported("it looks values up in a table that is not (ids, features)")
        padding = 0 if table.shape[0] > 0 and not np.any(table[0]) else None
        return ctx.draft.add("Embedding", {"num_embeddings": int(table.shape[0]),
                                           "embedding_dim": int(table.shape[1]), "padding_idx": padding},
                             [ids], source=node.name,
                             weights={"embedding.weight": np.ascontiguousarray(table, np.float32)})
    x = tensor(data, "its data")
    index = const(indices, "its indices")
    rank = len(x.shape) + 1
    axis %= rank
    if axis == 0:
        raise Unsupported("it picks samples out of the batch")
    if ctx.is_input(x) and axis == 1 and index.ndim == 1 and len(x.shape) == 1:
        picked = [int(i) % x.shape[0] for i in index]
        return ctx.columns_input(picked, node.name)
    if index.ndim == 0 and axis == 1 and len(x.shape) == 2 and int(index) % x.shape[0] == x.shape[0] - 1:
        return ctx.draft.add("LastStep", {}, [x], source=node.name)
    raise Unsupported(f"it picks entries {index.reshape(-1)[:6].tolist()} along axis {axis}, which"
                      " is not an Input's columns or the last step of a sequence")


@op("Cast")
def cast(node, args, ctx):
    to = int(attr(node, "to", 1))
    value = args[0]
    if is_marker(value, "keep_u") and to in _FLOATS:
        return Marker("mask", node.name, value.args)
    if is_marker(value, "pad_u") and to == _BOOL:
        return value
    x = tensor(value)
    if to in _FLOATS:
        return x
    if to in _INTS:
        return Marker("int_ids", node.name, (x,))
    raise Unsupported(f"it converts the data to type {to}")


@op("ConstantOfShape")
def constant_of_shape(node, args, ctx):
    from onnx import numpy_helper

    value = attr(node, "value")
    fill = float(numpy_helper.to_array(value).reshape(-1)[0]) if value is not None else 0.0
    if is_marker(args[0], "shape_of") and fill == 0.0:
        return Marker("zeros_like", node.name, args[0].args)
    if isinstance(args[0], Sym):
        return Marker("fill", node.name, (fill,))
    raise Unsupported("its shape is computed from the data")
