"""Input/Output and Core layers: Input, Output, Linear, Flatten, Reshape, Identity, Embedding."""

from __future__ import annotations

from typing import Any

from core.errors import ShapeError
from core.layers.params import ParamSet
from core.layers.registry import BuildContext, LayerSpec, Shape, p, register
from core.layers.rules import normalize_dim, numel, show


def _flat_hint(shape: Shape) -> str:
    if len(shape) == 2:
        return ("add a Flatten before it, or make the recurrent layer before it return"
                " its last step (return_sequences off)")
    return "add a Flatten before it"


# --------------------------------------------------------------------------- Input
def _input_infer(inputs: list[Shape], params: dict[str, Any], ctx: BuildContext) -> Shape:
    if params.get("noise"):
        return _noise_shape(params)
    if params.get("label"):
        return _label_shape(params, ctx)
    data_shape = _data_view(params, ctx) if params.get("columns") else ctx.input_shape
    if params.get("shape"):
        shape = tuple(int(s) for s in params["shape"])
        if data_shape and shape != tuple(data_shape):
            raise ShapeError(f"is set to {show(shape)} but the data gives {show(data_shape)}:"
                             " clear its shape parameter so that it follows the data, or load"
                             " data of that shape")
        return shape
    if data_shape:
        return tuple(data_shape)
    raise ShapeError("has no shape yet: load data (Data menu or the project's data section),"
                     " or set its shape parameter to design without data")


def _noise_shape(params: dict[str, Any]) -> Shape:
    """A noise Input reads no data: its sample is ``noise`` random numbers (a GAN's code)."""
    if params.get("columns"):
        raise ShapeError("has both noise and columns: a noise Input reads no data, so clear"
                         " its columns (or clear noise to take those columns)")
    shape = (int(params["noise"]),)
    if params.get("shape") and tuple(int(s) for s in params["shape"]) != shape:
        raise ShapeError(f"is set to {show(tuple(params['shape']))} but draws {shape[0]} random"
                         " numbers (noise): clear its shape parameter")
    return shape


def _label_shape(params: dict[str, Any], ctx: BuildContext) -> Shape:
    """A label Input reads the sample's class, one-hot: (classes,) (a conditional GAN's label)."""
    if params.get("columns"):
        raise ShapeError("has both label and columns: a label Input reads the class, not table"
                         " columns, so clear its columns (or clear label)")
    classes = int(getattr(ctx.data, "class_count", 0) or 0)
    if ctx.input_shape is not None and classes < 2:
        raise ShapeError("reads the class label, but the data has no classes: load a folder of"
                         " class sub-folders (or a table with a class target), or clear label")
    if classes < 2:
        raise ShapeError("reads the class label and has no classes yet: load data with classes")
    shape = (classes,)
    if params.get("shape") and tuple(int(s) for s in params["shape"]) != shape:
        raise ShapeError(f"is set to {show(tuple(params['shape']))} but reads the class label of"
                         f" {classes} classes (one-hot): clear its shape parameter")
    return shape


def _data_view(params: dict[str, Any], ctx: BuildContext) -> Shape | None:
    """The shape of the features of the Input's ``columns`` (None without data)."""
    from core.heads import feature_indices

    if ctx.input_shape is None:
        return None
    available = tuple(getattr(ctx.data, "feature_columns", ()) or ())
    if not available:
        raise ShapeError("takes the columns " + ", ".join(repr(c) for c in params["columns"])
                         + f", but the data's samples {show(ctx.input_shape)} have no named"
                         " columns (only a table's rows do): clear its columns parameter")
    known = list(dict.fromkeys(available))
    missing = [c for c in params["columns"] if c not in known]
    if missing:
        raise ShapeError(f"takes the column {missing[0]!r}, which is not a feature of the data:"
                         " the feature columns are " + ", ".join(repr(c) for c in known[:12])
                         + (" ..." if len(known) > 12 else ""))
    return (len(feature_indices(available, params["columns"])),)


def _input_build(inputs, params, ctx):
    """None (the graph's input itself), the module that draws ``noise``, or the module that
    picks the ``columns``' features."""
    if params.get("noise"):
        from core.layers.torch_modules import Noise

        return Noise(int(params["noise"]))
    if params.get("label"):
        from core.layers.torch_modules import ClassLabel

        return ClassLabel(int(getattr(ctx.data, "class_count", 0) or 0))
    if not params.get("columns"):
        return None
    from core.heads import feature_indices
    from core.layers.torch_modules import Columns

    available = tuple(getattr(ctx.data, "feature_columns", ()) or ())
    if not available:
        raise ShapeError(f"Input '{ctx.node_id}' takes columns, and only data with named columns"
                         " can give them: load the table its columns name")
    return Columns(feature_indices(available, params["columns"]))


register(LayerSpec(
    type="Input", category="Input/Output", id_prefix="input",
    summary="Where samples enter the network; its shape comes from the data.",
    explanation=(
        "The Input node stands for one batch of samples from your data. Its shape is the"
        " shape of one sample: (features,) for a table, (channels, height, width) for"
        " images, (steps, features) for sequences. You normally leave its shape empty so"
        " that it follows the data you load; set it only to design a network before you"
        " have data. A network may have several Inputs: with columns, an Input takes only"
        " the features of those table columns, so that different columns can go through"
        " different layers (a 'wide and deep' model). With noise, the Input reads no data at"
        " all: it draws that many random numbers from N(0, 1) for every sample of every batch,"
        " the code a GAN's generator turns into a new sample. With label, the Input reads the"
        " sample's class as a one-hot vector: a conditional GAN's second Input, wired into both"
        " its generator and its discriminator, so that the generator learns to draw a chosen"
        " class."),
    params=ParamSet((
        p("shape", "int_list", None, "Shape of one sample, without the batch dimension",
          minimum=1, optional=True, none_means="from the data", list_length=(1, 4)),
        p("columns", "name_list", None, "The table columns this Input takes",
          optional=True, none_means="every feature", list_length=(1, 10000)),
        p("noise", "int", None, "A vector of this many random numbers from N(0, 1), drawn fresh"
          " for every batch (a GAN generator's input)", minimum=1, maximum=100_000,
          optional=True, none_means="the Input reads the data"),
        p("label", "bool", False, "Read the sample's class label as a one-hot vector instead of"
          " its features (a conditional GAN's second Input)"),
    )),
    infer=_input_infer, build=_input_build, min_inputs=0, max_inputs=0,
    shape_formula="output = the data's sample shape (or the chosen columns' features, (noise,), or (classes,) with label)",
    when_to_use="Every network has at least one Input; add more to give columns their own branch.",
))


# --------------------------------------------------------------------------- Output
def _target_shape(params: dict[str, Any], ctx: BuildContext) -> Shape:
    wanted = _head_target(params, ctx)
    if params.get("units"):
        units = (int(params["units"]),)
        if params.get("target") == "discriminator" and units != (1,):
            raise ShapeError(f"is set to {units[0]} units, but a discriminator gives one logit per"
                             " sample (real or generated): set units to 1, or clear it")
        if wanted and units != tuple(wanted):
            raise ShapeError(f"is set to {units[0]} units but the data needs {show(wanted)}"
                             f" ({_target_words(wanted)}): clear its units parameter so"
                             " that the data decides, or change it")
        return units
    if wanted:
        return tuple(wanted)
    raise ShapeError("does not know how many outputs to make yet: load data (it counts the"
                     " classes or targets), or set units")


def _head_target(params: dict[str, Any], ctx: BuildContext) -> Shape | None:
    """The shape this head must produce: the input's (reconstruction) or the data's target,
    sized for the head's own loss when it has one; None without data."""
    target = params.get("target")
    if target == "input":
        _check_head_loss(params, "reconstruction", ctx)
        return tuple(ctx.input_shape) if ctx.input_shape else None
    if target in ("generator", "discriminator"):
        if (params.get("loss") or "auto") != "auto":
            raise ShapeError(f"is a {target}, whose loss is the adversarial one"
                             " (training.adversarial.loss): set its loss to auto")
        if target == "discriminator":
            return (1,)
        return tuple(ctx.input_shape) if ctx.input_shape else None
    data = ctx.data
    task = getattr(data, "task", None)
    _check_head_loss(params, task, ctx)
    loss = params.get("loss") or "auto"
    if loss != "auto" and task == "classification" and getattr(data, "class_count", 0) == 2:
        return (2,) if loss == "cross_entropy" else (1,)
    return tuple(ctx.target_shape) if ctx.target_shape else None


def _check_head_loss(params: dict[str, Any], task: str | None, ctx: BuildContext) -> None:
    loss = params.get("loss") or "auto"
    if loss == "auto" or task is None:
        return
    from core.train.losses import LOSSES, choices

    fitting = choices(task)
    if loss not in fitting:
        raise ShapeError(f"has the loss {loss!r}, which does not fit its {task} target: choose "
                         + ", ".join(repr(c) for c in fitting))
    classes = getattr(ctx.data, "class_count", 0)
    if task == "classification" and LOSSES.get(loss).binary_only and classes != 2:
        raise ShapeError(f"has the loss {loss!r}, which needs exactly two classes, and the data"
                         f" has {classes}: choose 'cross_entropy' or 'auto'")


def _target_words(target: Shape) -> str:
    if len(target) > 1:
        return "the input's shape, to reconstruct it"
    if target[0] == 1:
        return "one output: a single logit for two classes, or one target"
    return f"{target[0]} outputs, one per class or target"


def _output_infer(inputs: list[Shape], params: dict[str, Any], ctx: BuildContext) -> Shape:
    (shape,) = inputs
    target = _target_shape(params, ctx)
    if params.get("target") == "generator":
        return _generator_output(shape, target, params)
    if params.get("target") == "discriminator" and params["head"] == "identity" and shape != target:
        raise ShapeError(f"passes its input through, but receives {show(shape)} while a"
                         " discriminator gives one logit per sample (N, 1): use the linear head,"
                         " or end the discriminator with a Linear of out_features 1")
    if params["head"] == "identity":
        if shape != target:
            raise ShapeError(f"passes its input through, but receives {show(shape)} while the"
                             f" targets are {show(target)}: change the layers before it, or use"
                             " the linear head")
        return shape
    if len(shape) != 1:
        raise ShapeError(f"needs a flat input but receives {show(shape)}: {_flat_hint(shape)}")
    return target


def _generator_output(shape: Shape, target: Shape, params: dict[str, Any]) -> Shape:
    """A generator's Output is a sample: the data's shape, made by the layers before it (identity
    head) or by its own Linear layer from a flat input (linear head)."""
    if params["head"] == "identity":
        if shape != target:
            raise ShapeError(f"passes its input through, but receives {show(shape)} while a"
                             f" generator's samples must have the data's shape {show(target)}:"
                             " end the generator with layers that make that shape (such as a"
                             " Reshape)")
        return shape
    if len(shape) != 1:
        raise ShapeError(f"receives {show(shape)}, and its linear head needs a flat input: set its"
                         " head to identity when the layers before it already make the sample")
    return target


def _output_params(inputs, params, out) -> int:
    if params["head"] == "identity":
        return 0
    return (inputs[0][0] + 1) * numel(out)


def _output_macs(inputs, params, out) -> int:
    return 0 if params["head"] == "identity" else inputs[0][0] * numel(out)


def _output_build(inputs, params, ctx):
    from torch import nn

    from core.layers.torch_modules import Head

    if params["head"] == "identity":
        return nn.Identity()
    target = _target_shape(params, ctx)
    if len(target) == 1:
        return nn.Linear(inputs[0][0], target[0])
    return Head(inputs[0][0], target)


register(LayerSpec(
    type="Output", category="Input/Output", id_prefix="output",
    summary="The network's head: a Linear layer sized to the data's classes or targets.",
    explanation=(
        "The Output node makes the network's prediction. With the linear head it is a"
        " Linear layer whose width follows from the data: one unit per class (one unit"
        " for two classes), or one per regression target. It outputs raw scores"
        " (logits); the loss function applies softmax or sigmoid, so do not add one"
        " yourself. The identity head passes its input through unchanged, for networks"
        " whose last layer already produces the target's shape, such as a convolutional"
        " autoencoder. A network may have several Outputs: each learns its target (the"
        " data's, or the input itself) with its own loss, and the training loss is their"
        " sum, each multiplied by its weight. The first Output that learns the data's"
        " target gives the predictions and the metrics. A generative adversarial network (GAN)"
        " has two Outputs instead: the generator's (target generator: a new sample of the"
        " data's shape, made from a noise Input) and the discriminator's (target"
        " discriminator: one logit saying real or generated); training alternates their"
        " updates."),
    params=ParamSet((
        p("units", "int", None, "Number of outputs", minimum=1, optional=True,
          none_means="from the data"),
        p("head", "choice", "linear", "linear: a Linear layer; identity: pass the input through",
          choices=("linear", "identity")),
        p("target", "choice", "data", "What this Output learns: data: the data's labels or"
          " values; input: to reproduce the network's input (an autoencoder); generator: a"
          " generated sample of the data's shape (GAN); discriminator: one logit, real or"
          " generated (GAN)", choices=("data", "input", "generator", "discriminator")),
        p("loss", "choice", "auto", "This Output's loss (auto: the training loss, or the usual"
          " one for its target)", choices_from="core.train.losses:choices",
          choices_in="core.train.head_loss_choices:head_losses"),
        p("weight", "float", 1.0, "This Output's share of the total loss (its loss is multiplied"
          " by it)", minimum=0.0, maximum=1e6),
    )),
    infer=_output_infer, build=_output_build, count_params=_output_params,
    count_macs=_output_macs,
    shape_formula="(N, in) -> (N, classes or targets)",
    when_to_use="Every network has at least one Output; add more for several targets or losses.",
))


# --------------------------------------------------------------------------- Linear
def _linear_infer(inputs: list[Shape], params: dict[str, Any], ctx: BuildContext) -> Shape:
    (shape,) = inputs
    if len(shape) not in (1, 2):
        raise ShapeError(f"needs a flat input but receives {show(shape)}: {_flat_hint(shape)}")
    return (*shape[:-1], params["out_features"])


def _linear_params(inputs, params, out) -> int:
    return inputs[0][-1] * params["out_features"] + (params["out_features"] if params["bias"] else 0)


def _linear_macs(inputs, params, out) -> int:
    return numel(inputs[0]) * params["out_features"]


def _linear_build(inputs, params, ctx):
    from torch import nn

    return nn.Linear(inputs[0][-1], params["out_features"], bias=params["bias"])


register(LayerSpec(
    type="Linear", category="Core", id_prefix="fc",
    summary="Fully connected layer: every output is a weighted sum of all inputs plus a bias.",
    explanation=(
        "A Linear (dense, fully connected) layer computes y = x·Wᵀ + b: each of its"
        " out_features outputs is a weighted sum of every input feature plus a bias. It is"
        " the workhorse of multilayer perceptrons. Two Linear layers in a row without an"
        " activation between them are equivalent to a single Linear layer, so put a"
        " non-linearity such as ReLU between them. It needs a flat input: use Flatten after"
        " convolutions. On a sequence (steps, features) it is applied to every step."),
    params=ParamSet((
        p("out_features", "int", 64, "Number of output features (neurons)", minimum=1,
          maximum=1_000_000),
        p("bias", "bool", True, "Learn an additive bias for every output"),
    )),
    infer=_linear_infer, build=_linear_build, count_params=_linear_params,
    count_macs=_linear_macs,
    shape_formula="(N, in_features) -> (N, out_features); parameters = in_features × out_features + out_features",
    when_to_use="Tabular data, the end of a CNN after Flatten, and anywhere features are mixed.",
))


# --------------------------------------------------------------------------- Flatten
def _flatten_infer(inputs: list[Shape], params: dict[str, Any], ctx: BuildContext) -> Shape:
    (shape,) = inputs
    full = (0, *shape)  # 0 stands for the batch dimension
    rank = len(full)
    start = normalize_dim(params["start_dim"], rank, "start_dim", shape)
    end = normalize_dim(params["end_dim"], rank, "end_dim", shape)
    if start == 0:
        raise ShapeError("cannot flatten the batch dimension: set start_dim to 1")
    if end < start:
        raise ShapeError(f"has end_dim {params['end_dim']} before start_dim {params['start_dim']}:"
                         " end_dim must come after start_dim")
    merged = numel(full[start:end + 1])
    return (*full[1:start], merged, *full[end + 1:])


def _flatten_build(inputs, params, ctx):
    from torch import nn

    return nn.Flatten(params["start_dim"], params["end_dim"])


register(LayerSpec(
    type="Flatten", category="Core",
    summary="Flattens each sample into one long vector, e.g. 16×5×5 -> 400.",
    explanation=(
        "Flatten turns each sample's multi-dimensional tensor into a flat vector without"
        " changing any value: a 16×5×5 feature map becomes 400 numbers. It sits between the"
        " convolutional part of a network and its Linear layers. start_dim and end_dim"
        " choose which dimensions to merge, counted with the batch as dimension 0."),
    params=ParamSet((
        p("start_dim", "int", 1, "First dimension to merge (0 is the batch)", minimum=-5, maximum=5),
        p("end_dim", "int", -1, "Last dimension to merge (-1 is the last)", minimum=-5, maximum=5),
    )),
    infer=_flatten_infer, build=_flatten_build,
    shape_formula="(N, C, H, W) -> (N, C·H·W)",
    when_to_use="Before the first Linear layer after convolutions or pooling.",
))


# --------------------------------------------------------------------------- Reshape
def _reshape_infer(inputs: list[Shape], params: dict[str, Any], ctx: BuildContext) -> Shape:
    (shape,) = inputs
    target = [int(s) for s in params["shape"]]
    if any(s == 0 or s < -1 for s in target):
        raise ShapeError("has a size of 0 or below -1 in its shape: every size must be at"
                         " least 1, with at most one -1 for 'the rest'")
    total = numel(shape)
    if target.count(-1) > 1:
        raise ShapeError("has more than one -1 in its shape: only one size can be inferred")
    if -1 in target:
        known = numel([s for s in target if s != -1])
        if total % known:
            raise ShapeError(f"cannot reshape {show(shape)} ({total} numbers) into"
                             f" {show(tuple(target))}: {total} is not divisible by {known}")
        target[target.index(-1)] = total // known
    elif numel(target) != total:
        raise ShapeError(f"cannot reshape {show(shape)} into {show(tuple(target))}: the input"
                         f" holds {total} numbers per sample and the shape {numel(target)}")
    return tuple(target)


def _reshape_build(inputs, params, ctx):
    from core.layers.torch_modules import Reshape

    return Reshape(params["shape"])


register(LayerSpec(
    type="Reshape", category="Core",
    summary="Gives each sample a new shape holding the same numbers, e.g. 784 -> 1×28×28.",
    explanation=(
        "Reshape rearranges each sample into a new shape with the same number of values,"
        " for example a flat 784-vector into a 1×28×28 image so that convolutions can"
        " follow, or a vector into (steps, features) for a recurrent layer. One size may be"
        " -1, meaning 'whatever is left'. The batch dimension is never written."),
    params=ParamSet((
        p("shape", "int_list", [1, -1], "New shape of one sample (one size may be -1)",
          minimum=-1, list_length=(1, 4)),
    )),
    infer=_reshape_infer, build=_reshape_build,
    shape_formula="(N, *in) -> (N, *shape), with the same number of values",
    when_to_use="To turn a table row into an image or a sequence, or back.",
))


# --------------------------------------------------------------------------- Identity
def _identity_infer(inputs, params, ctx) -> Shape:
    return inputs[0]


def _identity_build(inputs, params, ctx):
    from torch import nn

    return nn.Identity()


register(LayerSpec(
    type="Identity", category="Core",
    summary="Passes its input through unchanged; a placeholder or a named junction.",
    explanation=(
        "Identity returns its input unchanged. It is useful as a named point in the graph"
        " (a skip connection's start, a layer you plan to replace) and costs nothing."),
    infer=_identity_infer, build=_identity_build,
    shape_formula="output shape = input shape",
    when_to_use="As a placeholder while designing.",
))


# --------------------------------------------------------------------------- Embedding
def embedding_rows(params: dict[str, Any], ctx: BuildContext | None) -> int:
    """The number of vectors in the table: num_embeddings, or the data's vocabulary when it is
    empty. A table smaller than the data's vocabulary is an error (its ids would crash)."""
    vocab = int(getattr(getattr(ctx, "data", None), "vocab_size", 0) or 0)
    rows = params.get("num_embeddings")
    if rows is None:
        if vocab < 1:
            raise ShapeError("takes its number of embeddings from the data's vocabulary, and no"
                             " text is loaded: load data with a text column, or set"
                             " num_embeddings")
        return vocab
    if vocab > rows:
        raise ShapeError(f"has num_embeddings {rows}, but the data's vocabulary has {vocab} token"
                         f" ids (0 to {vocab - 1}), and an id beyond the table would stop"
                         f" training: set num_embeddings to at least {vocab}, or clear it to"
                         " follow the data")
    return int(rows)


def _embedding_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    if len(shape) != 1:
        raise ShapeError(f"needs a sequence of token indices (steps,) but receives {show(shape)}:"
                         " feed it integer token ids, one per step")
    rows = embedding_rows(params, ctx)
    # The counts see this call's params, not the node's: give them the table's real size.
    params["num_embeddings"] = rows
    pad = params.get("padding_idx")
    if pad is not None and pad >= rows:
        raise ShapeError(f"has padding_idx {pad}, but only {rows} embeddings:"
                         " padding_idx must be below num_embeddings")
    return (shape[0], params["embedding_dim"])


def _embedding_build(inputs, params, ctx):
    from core.layers.torch_modules import TokenEmbedding

    return TokenEmbedding(embedding_rows(params, ctx), params["embedding_dim"], params["padding_idx"])


def _embedding_params(inputs, params, out) -> int:
    return (params["num_embeddings"] or 0) * params["embedding_dim"]


register(LayerSpec(
    type="Embedding", category="Core", id_prefix="embed",
    summary="Looks up a learned vector for each integer token id.",
    explanation=(
        "An Embedding layer is a table of num_embeddings learned vectors of length"
        " embedding_dim. Each integer in the input (a word or category id from 0 to"
        " num_embeddings-1) is replaced by its vector, so a sequence of ids becomes a"
        " sequence of feature vectors that recurrent or attention layers can read. Left"
        " empty, num_embeddings follows the data: the table gets one row per token id of the"
        " loaded text's vocabulary (id 0 is the padding, id 1 an unknown word). Similar"
        " words end up with similar vectors because the training moves them together."),
    params=ParamSet((
        p("num_embeddings", "int", None, "Number of distinct token ids (vocabulary size)",
          minimum=1, maximum=10_000_000, optional=True, none_means="the data's vocabulary"),
        p("embedding_dim", "int", 32, "Length of each learned vector", minimum=1, maximum=65536),
        p("padding_idx", "int", None, "A token id whose vector stays zero (0 for text data)",
          minimum=0, optional=True, none_means="no padding token"),
    )),
    infer=_embedding_infer, build=_embedding_build,
    count_params=_embedding_params, reads_data=True,
    shape_formula="(N, steps) -> (N, steps, embedding_dim); parameters = num_embeddings × embedding_dim",
    when_to_use="Text or categorical sequences given as integer ids: the first layer after a text Input.",
))
