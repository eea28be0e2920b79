"""Recurrent & Attention layers: RNN, LSTM, GRU, MultiheadAttention, TransformerEncoderLayer.

The layers made for padded text (pooling, last step, positions) are in :mod:`core.layers.sequence`.
"""

from __future__ import annotations

from core.errors import ShapeError
from core.layers.params import ParamSet
from core.layers.registry import LayerSpec, Shape, p, register
from core.layers.rules import show

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _need_sequence(shape: Shape) -> None:
    if len(shape) != 2:
        hint = ("add a Reshape before it, for example to"
                f" ({shape[0]}, 1) for {shape[0]} steps of one feature") if len(shape) == 1 else \
            "add a Reshape or Flatten so that each sample is (steps, features)"
        raise ShapeError(f"needs a sequence (steps, features) but receives {show(shape)}: {hint}")


def check_token_ids(inputs: list[Shape]) -> bool:
    """Whether a sequence layer got the token ids as its second input; raise a teaching error
    unless input 0 is a sequence (steps, features) and input 1, if any, one id per step."""
    if len(inputs) < 2:
        _need_sequence(inputs[0])
        return False
    sequence, tokens = inputs[0], inputs[1]
    if len(sequence) == 1 and len(tokens) == 2 and tokens[0] == sequence[0]:
        raise ShapeError(f"receives the token ids {show(sequence)} on its first input and the"
                         f" sequence {show(tokens)} on its second: swap the two wires (the"
                         " sequence goes first)")
    _need_sequence(sequence)
    if len(tokens) != 1:
        raise ShapeError(f"takes the token ids (N, {sequence[0]}) as its second input, to find"
                         f" the padding, but receives {show(tokens)} there: wire the text Input"
                         " (the ids before the Embedding) into its second input, and the"
                         " sequence into its first")
    if tokens[0] != sequence[0]:
        raise ShapeError(f"receives a sequence of {sequence[0]} steps {show(sequence)} but"
                         f" {tokens[0]} token ids {show(tokens)}: the second input must be the"
                         " token ids that made the sequence, one per step")
    return True


def _recurrent_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_sequence(shape)
    width = params["hidden_size"] * (2 if params["bidirectional"] else 1)
    return (shape[0], width) if params["return_sequences"] else (width,)


def _recurrent_counts(cell: str):
    gates = _GATES[cell]

    def layers(inputs, params):
        hidden = params["hidden_size"]
        directions = 2 if params["bidirectional"] else 1
        size = inputs[0][1]
        for _ in range(params["num_layers"]):
            yield size, hidden, directions
            size = hidden * directions

    def count_params(inputs, params, out) -> int:
        return sum(directions * gates * (size * hidden + hidden * hidden + 2 * hidden)
                   for size, hidden, directions in layers(inputs, params))

    def count_macs(inputs, params, out) -> int:
        steps = inputs[0][0]
        return sum(steps * directions * gates * (size * hidden + hidden * hidden)
                   for size, hidden, directions in layers(inputs, params))

    return count_params, count_macs


def _recurrent_builder(cell: str):
    def build(inputs, params, ctx):
        from core.layers.torch_modules import Recurrent

        extra = {"nonlinearity": params["nonlinearity"]} if cell == "RNN" else {}
        return Recurrent(cell, inputs[0][1], params["hidden_size"], params["num_layers"],
                         params["bidirectional"], params["dropout"], params["return_sequences"],
                         **extra)
    return build


def _recurrent_params(cell: str) -> ParamSet:
    items = [
        p("hidden_size", "int", 64, "Size of the hidden state (the layer's memory)", minimum=1,
          maximum=65536),
        p("num_layers", "int", 1, "Number of stacked recurrent layers", minimum=1, maximum=64),
        p("bidirectional", "bool", False, "Also read the sequence backwards and join both"),
        p("dropout", "float", 0.0, "Dropout between stacked layers (needs num_layers > 1)",
          minimum=0.0, maximum=0.99),
        p("return_sequences", "bool", False,
          "Output every step (on) or only the final state (off)"),
    ]
    if cell == "RNN":
        items.append(p("nonlinearity", "choice", "tanh", "Activation of the hidden state",
                       choices=("tanh", "relu")))
    return ParamSet(tuple(items))


_RECURRENT_TEXT = {
    "RNN": ("The simplest recurrent layer: a hidden state updated at every step.",
            "An RNN reads a sequence one step at a time and keeps a hidden state of"
            " hidden_size numbers, updated as h_t = tanh(W·x_t + U·h_(t−1) + b). The state"
            " carries information along the sequence, but plain RNNs forget quickly and"
            " struggle with long sequences; LSTM and GRU fix this with gates."),
    "LSTM": ("Long short-term memory: a gated recurrent layer that remembers over long sequences.",
             "An LSTM reads a sequence step by step and keeps both a hidden state and a cell"
             " state. Learned input, forget and output gates decide what to store, what to"
             " erase and what to show, which lets it remember patterns over hundreds of"
             " steps. With return_sequences off it outputs its final hidden state, a summary"
             " of the whole sequence, ready for a classifier; on, it outputs every step, for"
             " stacking another recurrent layer."),
    "GRU": ("Gated recurrent unit: a lighter LSTM with two gates.",
            "A GRU is a gated recurrent layer like the LSTM, with update and reset gates and"
            " a single state. It has three quarters of the LSTM's parameters and often"
            " learns just as well."),
}

for _cell, (_summary, _explanation) in _RECURRENT_TEXT.items():
    _count, _macs = _recurrent_counts(_cell)
    register(LayerSpec(
        type=_cell, category="Recurrent & Attention", id_prefix=_cell.lower(),
        summary=_summary, explanation=_explanation, params=_recurrent_params(_cell),
        infer=_recurrent_infer, build=_recurrent_builder(_cell),
        count_params=_count, count_macs=_macs,
        shape_formula="(N, steps, features) -> (N, hidden_size·directions), or (N, steps, hidden_size·directions) with return_sequences",
        when_to_use="Time series, text and other ordered sequences.",
    ))


# ----------------------------------------------------------------------------- attention
def _check_heads(shape: Shape, heads: int) -> None:
    if shape[1] % heads:
        raise ShapeError(f"has {heads} heads, which must divide its {shape[1]} input features:"
                         " choose a num_heads that divides the feature size, or change the"
                         " layer before it")


def _attention_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_sequence(shape)
    _check_heads(shape, params["num_heads"])
    return shape


def _attention_params(inputs, params, out) -> int:
    e = inputs[0][1]
    return 4 * e * e + (4 * e if params["bias"] else 0)


def _attention_macs(inputs, params, out) -> int:
    steps, e = inputs[0]
    return steps * 4 * e * e + 2 * steps * steps * e


def _attention_build(inputs, params, ctx):
    from core.layers.torch_modules import SelfAttention

    return SelfAttention(inputs[0][1], params["num_heads"], params["dropout"], params["bias"])


register(LayerSpec(
    type="MultiheadAttention", category="Recurrent & Attention", id_prefix="attn",
    summary="Self-attention: every step looks at every other step and mixes what it finds.",
    explanation=(
        "Self-attention lets every position of a sequence gather information from all"
        " other positions at once. Each position makes a query, a key and a value; the"
        " similarity of its query to every key decides how much of each value it takes."
        " num_heads attention patterns run in parallel on slices of the features. Unlike"
        " recurrent layers it sees the whole sequence in one step, which is why"
        " Transformers are built from it."),
    params=ParamSet((
        p("num_heads", "int", 4, "Number of parallel attention heads (must divide the features)",
          minimum=1, maximum=1024),
        p("dropout", "float", 0.0, "Dropout on the attention weights", minimum=0.0, maximum=0.99),
        p("bias", "bool", True, "Learn biases in the projections"),
    )),
    infer=_attention_infer, build=_attention_build,
    count_params=_attention_params, count_macs=_attention_macs,
    shape_formula="(N, steps, features) -> (N, steps, features)",
    when_to_use="Sequences where distant steps matter to each other.",
))


def _encoder_infer(inputs, params, ctx) -> Shape:
    shape = inputs[0]
    check_token_ids(inputs)
    if shape[1] % params["nhead"]:
        raise ShapeError(f"has nhead={params['nhead']}, which must divide its {shape[1]} input"
                         " features: choose an nhead that divides the feature size")
    return shape


def _encoder_params(inputs, params, out) -> int:
    e, f = inputs[0][1], params["dim_feedforward"]
    return (4 * e * e + 4 * e) + (e * f + f) + (f * e + e) + 4 * e


def _encoder_macs(inputs, params, out) -> int:
    steps, e = inputs[0]
    return steps * (4 * e * e + 2 * e * params["dim_feedforward"]) + 2 * steps * steps * e


def _encoder_build(inputs, params, ctx):
    from torch import nn

    from core.layers.torch_modules import PaddedTransformerEncoderLayer

    # One input: torch's own layer, as before; with the token ids: the same layer (same
    # weights) that hides the padding from attention.
    cls = PaddedTransformerEncoderLayer if len(inputs) > 1 else nn.TransformerEncoderLayer
    return cls(
        d_model=inputs[0][1], nhead=params["nhead"], dim_feedforward=params["dim_feedforward"],
        dropout=params["dropout"], activation=params["activation"], batch_first=True,
        norm_first=params["norm_first"])


register(LayerSpec(
    type="TransformerEncoderLayer", category="Recurrent & Attention", id_prefix="encoder",
    summary="One Transformer block: self-attention then a feed-forward network, with residuals.",
    explanation=(
        "A Transformer encoder layer is self-attention followed by a small two-layer"
        " feed-forward network, each wrapped in a residual connection and layer"
        " normalisation. Stacking a few of them is the core of BERT-style models. d_model"
        " (the feature size) is taken from the input. Attention has no sense of order: put a"
        " PositionalEncoding before the first block. For padded text, wire the token ids (the"
        " text Input) into its second input: padding steps (id 0) are then hidden from"
        " attention, so a short text reads the same however much padding follows it."),
    params=ParamSet((
        p("nhead", "int", 4, "Number of attention heads (must divide the features)", minimum=1,
          maximum=1024),
        p("dim_feedforward", "int", 256, "Width of the feed-forward network", minimum=1,
          maximum=1_000_000),
        p("dropout", "float", 0.1, "Dropout inside the block", minimum=0.0, maximum=0.99),
        p("activation", "choice", "relu", "Activation of the feed-forward network",
          choices=("relu", "gelu")),
        p("norm_first", "bool", False, "Normalise before (pre-norm) instead of after each part"),
    )),
    infer=_encoder_infer, build=_encoder_build,
    count_params=_encoder_params, count_macs=_encoder_macs, max_inputs=2,
    shape_formula="(N, steps, d_model) [+ token ids (N, steps)] -> (N, steps, d_model)",
    when_to_use="Sequence models that should attend over the whole input; text after an"
                " Embedding and a PositionalEncoding.",
))
