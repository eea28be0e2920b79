"""Layers for sequences of padded text: SequencePool, LastStep, PositionalEncoding, and Permute.

Text reaches the network as one float tensor of token ids per sample, ``(steps,)``, with
id 0 for padding. An Embedding turns it into a sequence ``(steps, features)``. The layers
here take that sequence as input 0 and, optionally, the token ids as input 1, so that
padding steps do not count: wire the text Input into the second input.
"""

from __future__ import annotations

from core.errors import ShapeError
from core.layers.params import ParamSet
from core.layers.recurrent import _need_sequence, check_token_ids
from core.layers.registry import LayerSpec, Shape, p, register
from core.layers.rules import show

_TOKENS_WORDS = (
    " Wire the sequence into its first input and the token ids (the text Input, before the"
    " Embedding) into its second: then padding steps (id 0) are ignored. With one input"
    " every step counts.")


# --------------------------------------------------------------------------- SequencePool
def _pool_infer(inputs, params, ctx) -> Shape:
    check_token_ids(inputs)
    return (inputs[0][1],)


def _pool_build(inputs, params, ctx):
    from core.layers.torch_modules import SequencePool

    return SequencePool(params["mode"])


register(LayerSpec(
    type="SequencePool", category="Recurrent & Attention", id_prefix="seqpool",
    summary="Mean or max of a sequence over its steps, skipping padding: (steps, D) -> (D,).",
    explanation=(
        "SequencePool turns a sequence of step vectors into one vector per sample, so that a"
        " Linear layer or the Output can follow. mean averages the steps: every word"
        " contributes a little, the classic 'bag of embeddings' text classifier. max keeps,"
        " for each feature, its largest value over the steps: it reacts to the strongest"
        " single clue anywhere in the text. Texts are padded to one length with id 0, and"
        " without care the padding would dilute the mean or win the max." + _TOKENS_WORDS
        + " A text that is all padding gives zeros."),
    params=ParamSet((
        p("mode", "choice", "mean", "mean: average of the steps; max: largest value of each"
          " feature over the steps", choices=("mean", "max")),
    )),
    infer=_pool_infer, build=_pool_build, max_inputs=2,
    shape_formula="(N, steps, D) [+ token ids (N, steps)] -> (N, D)",
    when_to_use="After an Embedding, a recurrent layer with return_sequences, or a Transformer"
                " block, to get one vector per text for the Output.",
))


# --------------------------------------------------------------------------- LastStep
def _last_build(inputs, params, ctx):
    from core.layers.torch_modules import LastStep

    return LastStep()


register(LayerSpec(
    type="LastStep", category="Recurrent & Attention", id_prefix="last",
    summary="The vector at each sample's last real (non-padding) step: (steps, D) -> (D,).",
    explanation=(
        "LastStep picks one step of a sequence per sample: the last one that holds a real"
        " token. After a recurrent layer with return_sequences on, that step has read the"
        " whole text, so it summarises it. Without the token ids it is simply the last step;"
        " for a short text padded at the end, the recurrent layer has then also read all the"
        " padding, which blurs what it remembered. Wire the sequence into its first input and"
        " the token ids (the text Input, before the Embedding) into its second: the step it"
        " picks is then the last one whose id is not 0. A text that is all padding gives its"
        " first step."),
    infer=_pool_infer, build=_last_build, max_inputs=2,
    shape_formula="(N, steps, D) [+ token ids (N, steps)] -> (N, D)",
    when_to_use="After an RNN, LSTM or GRU with return_sequences on, reading padded text.",
))


# --------------------------------------------------------------------------- PositionalEncoding
def _max_len(inputs, params) -> int:
    return params["max_len"] if params["max_len"] is not None else inputs[0][0]


def _position_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_sequence(shape)
    if shape[0] > _max_len(inputs, params):
        raise ShapeError(f"has max_len {params['max_len']} but receives {shape[0]} steps"
                         f" {show(shape)}: set max_len to at least {shape[0]}, or clear it to"
                         " follow the sequence")
    if params["kind"] == "sinusoidal" and shape[1] < 2:
        raise ShapeError(f"receives {show(shape)}, one feature per step, too few for sines and"
                         " cosines: give the Embedding before it more dimensions")
    return shape


def _position_params(inputs, params, out) -> int:
    return _max_len(inputs, params) * inputs[0][1] if params["kind"] == "learned" else 0


def _position_build(inputs, params, ctx):
    from core.layers.torch_modules import PositionalEncoding

    return PositionalEncoding(inputs[0][1], _max_len(inputs, params), params["kind"],
                              params["dropout"])


register(LayerSpec(
    type="PositionalEncoding", category="Recurrent & Attention", id_prefix="pos",
    summary="Adds each step's position to its vector, so attention can tell word order.",
    explanation=(
        "Self-attention and pooling treat a sequence as a set: shuffle the words and they"
        " see the same thing. PositionalEncoding adds a vector that depends only on the"
        " position to each step. sinusoidal uses fixed sine and cosine waves of many"
        " wavelengths (no weights; nearby positions get similar vectors), as in the original"
        " Transformer. learned trains one vector per position, a table of max_len × features"
        " weights, as BERT does; it cannot handle sequences longer than max_len. Put it right"
        " after the Embedding, before the first TransformerEncoderLayer."),
    params=ParamSet((
        p("kind", "choice", "sinusoidal", "sinusoidal: fixed sine waves, no weights; learned:"
          " one trained vector per position", choices=("sinusoidal", "learned")),
        p("max_len", "int", None, "The longest sequence it accepts (rows of the position table)",
          minimum=1, maximum=1_000_000, optional=True, none_means="the input's number of steps"),
        p("dropout", "float", 0.0, "Dropout after adding the positions", minimum=0.0,
          maximum=0.99),
    )),
    infer=_position_infer, build=_position_build, count_params=_position_params,
    shape_formula="(N, steps, D) -> (N, steps, D); learned: max_len × D parameters",
    when_to_use="Before Transformer blocks (and attention), which do not know word order.",
))


# --------------------------------------------------------------------------- Permute
def _permute_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    dims = [int(d) for d in params["dims"]]
    rank = len(shape)
    if sorted(dims) != list(range(1, rank + 1)):
        example = list(range(rank, 0, -1))
        raise ShapeError(f"has dims {dims} but receives {show(shape)}, which has {rank} axes"
                         f" after the batch: dims must list each of 1 to {rank} once (the batch,"
                         f" 0, stays first), for example {example}")
    return tuple(shape[d - 1] for d in dims)


def _permute_build(inputs, params, ctx):
    from core.layers.torch_modules import Permute

    return Permute(params["dims"])


register(LayerSpec(
    type="Permute", category="Core", id_prefix="permute",
    summary="Reorders the axes of each sample, e.g. (steps, D) -> (D, steps).",
    explanation=(
        "Permute swaps the axes of each sample without changing any value, unlike Reshape,"
        " which keeps the order of the numbers and only regroups them. dims lists the input's"
        " axes in their new order, counted from 1 (the batch, axis 0, stays in front): [2, 1]"
        " turns a sequence (steps, features) into (features, steps), the (channels, length)"
        " layout Conv1d and the 1-d pooling layers expect, and back again afterwards."),
    params=ParamSet((
        p("dims", "int_list", [2, 1], "The input's axes in their new order, counted from 1",
          minimum=1, maximum=4, list_length=(1, 4)),
    )),
    infer=_permute_infer, build=_permute_build,
    shape_formula="(N, a, b) with dims [2, 1] -> (N, b, a)",
    when_to_use="Between an Embedding or recurrent layer and a Conv1d over time, and back.",
))
