"""LSTM, GRU and RNN: ONNX's time-major recurrent operations as LayerForge's recurrent layers.

PyTorch exports a batch-first ``nn.LSTM`` as ``Transpose(1, 0, 2) -> LSTM`` with zero
initial states, then either takes the final hidden state (``Y_h``, and for two directions
both halves joined) or turns ``Y`` back into ``(N, steps, directions·hidden)``. The
layer's ``return_sequences`` follows from which of the two the graph uses; stacked layers
become one recurrent node each. Gate order differs: ONNX keeps LSTM gates as
input, output, forget, cell and GRU gates as update, reset, hidden, PyTorch as input,
forget, cell, output and reset, update, hidden, so the weight blocks are reordered.
"""

from __future__ import annotations

import numpy as np

from core.importers.draft import WeightMismatch
from core.importers.errors import Unsupported
from core.importers.ops import attr, is_marker, op, optional_const, const
from core.importers.values import Const, Marker

#: For each cell: the ONNX gate blocks in PyTorch's order, and the default activations.
_CELLS = {
    "LSTM": ([0, 2, 3, 1], ["Sigmoid", "Tanh", "Tanh"]),
    "GRU": ([1, 0, 2], ["Sigmoid", "Tanh"]),
    "RNN": ([0], ["Tanh"]),
}


def _reorder(block: np.ndarray, order: list[int], hidden: int) -> np.ndarray:
    return np.concatenate([block[i * hidden:(i + 1) * hidden] for i in order], axis=0)


def _zero_state(value) -> bool:
    if value is None:
        return True
    if is_marker(value, "fill"):
        return value.arg(0) == 0.0
    return isinstance(value, Const) and not np.any(value.value)


@op("LSTM", "GRU", "RNN")
def recurrent(node, args, ctx):
    cell = node.op_type
    order, defaults = _CELLS[cell]
    x_value = args[0]
    if is_marker(x_value, "time_major"):
        x = x_value.arg(0)
    elif is_marker(x_value, "time_major_seq"):
        x = ctx.recurrent_output(x_value.arg(0), "seq")
    else:
        raise Unsupported("its input is not a batch-first sequence turned time-major, the way"
                          " PyTorch exports a recurrent layer")
    if len(x.shape) != 2:
        raise Unsupported(f"its input {x.shape} is not a sequence (steps, features)")
    if attr(node, "layout", 0):
        raise Unsupported("it uses the batch-first layout attribute")
    if attr(node, "clip") is not None or attr(node, "input_forget", 0):
        raise Unsupported("it clips its cell or couples its gates, which PyTorch's layers do not")
    if cell == "GRU" and not attr(node, "linear_before_reset", 0):
        raise Unsupported("its reset gate acts before the linear transform (linear_before_reset"
                          " 0), unlike PyTorch's GRU")
    direction = attr(node, "direction", "forward")
    if direction not in ("forward", "bidirectional"):
        raise Unsupported(f"it reads the sequence in {direction} direction only")
    directions = 2 if direction == "bidirectional" else 1
    activations = attr(node, "activations")
    nonlinearity = "tanh"
    if activations:
        if cell == "RNN" and activations in (["Relu"] * directions,):
            nonlinearity = "relu"
        elif [a.lower() for a in activations] != [a.lower() for a in defaults * directions]:
            raise Unsupported(f"its activations {activations} are not PyTorch's")
    if len(args) > 4 and args[4] is not None:
        raise Unsupported("it is given the sequence lengths")
    for index in (5, 6):
        if len(args) > index and not _zero_state(args[index]):
            raise Unsupported("it starts from a given state instead of zeros")
    if cell == "LSTM" and len(args) > 7 and args[7] is not None:
        raise Unsupported("it has peephole weights, which PyTorch's LSTM does not")
    w = const(args[1], "its input weights")
    r = const(args[2], "its recurrent weights")
    b = optional_const(args[3] if len(args) > 3 else None, "its bias")
    hidden = int(attr(node, "hidden_size", r.shape[-1]))
    gates = len(order)
    if w.shape != (directions, gates * hidden, x.shape[1]):
        raise WeightMismatch(f"its input weights are {tuple(w.shape)}, not ({directions},"
                             f" {gates * hidden}, {x.shape[1]}) for its input and hidden size")
    if r.shape != (directions, gates * hidden, hidden):
        raise WeightMismatch(f"its recurrent weights are {tuple(r.shape)}, not ({directions},"
                             f" {gates * hidden}, {hidden})")
    if b is None:
        b = np.zeros((directions, 2 * gates * hidden), np.float32)
    if b.shape != (directions, 2 * gates * hidden):
        raise WeightMismatch(f"its bias is {tuple(b.shape)}, not ({directions}, {2 * gates * hidden})")
    weights = {}
    for d in range(directions):
        suffix = "_reverse" if d else ""
        weights[f"rnn.weight_ih_l0{suffix}"] = _reorder(w[d], order, hidden).astype(np.float32)
        weights[f"rnn.weight_hh_l0{suffix}"] = _reorder(r[d], order, hidden).astype(np.float32)
        weights[f"rnn.bias_ih_l0{suffix}"] = _reorder(b[d, :gates * hidden], order, hidden).astype(np.float32)
        weights[f"rnn.bias_hh_l0{suffix}"] = _reorder(b[d, gates * hidden:], order, hidden).astype(np.float32)
    params = {"hidden_size": hidden, "num_layers": 1, "bidirectional": directions == 2,
              "return_sequences": False}
    if cell == "RNN":
        params["nonlinearity"] = nonlinearity
    made = ctx.draft.add(cell, params, [x], source=node.name, weights=weights)
    outputs = [Marker("rec_y", node.name, (made.node,)), Marker("rec_h", node.name, (made.node,))]
    if cell == "LSTM":
        outputs.append(Marker("rec_c", node.name, (made.node,)))
    return outputs[:len(node.output)]
