"""Normalization & Regularization layers: BatchNorm1d, BatchNorm2d, LayerNorm, Dropout, Dropout2d."""

from __future__ import annotations

from core.errors import ShapeError
from core.layers.params import ParamSet
from core.layers.registry import LayerSpec, Shape, p, register
from core.layers.rules import show

_BN_PARAMS = ParamSet((
    p("eps", "float", 1e-5, "Small number added to the variance to avoid dividing by zero",
      minimum=1e-12, maximum=1.0),
    p("momentum", "float", 0.1, "How fast the running mean and variance follow the batches",
      minimum=0.0, maximum=1.0),
    p("affine", "bool", True, "Learn a scale and shift per feature"),
))


def _bn1d_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    if len(shape) not in (1, 2):
        raise ShapeError(f"needs (features,) or (channels, length) input but receives {show(shape)}:"
                         " use BatchNorm2d for images")
    return shape


def _bn2d_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    if len(shape) != 3:
        raise ShapeError(f"needs (channels, height, width) input but receives {show(shape)}:"
                         " use BatchNorm1d for flat features or sequences")
    return shape


def _bn_params(inputs, params, out) -> int:
    return 2 * inputs[0][0] if params["affine"] else 0


def _bn_builder(cls_name: str):
    def build(inputs, params, ctx):
        from torch import nn

        return getattr(nn, cls_name)(inputs[0][0], eps=params["eps"], momentum=params["momentum"],
                                     affine=params["affine"])
    return build


_BN_TEXT = (
    "Batch normalisation rescales each feature (or channel) to zero mean and unit variance"
    " over the current batch, then applies a learned scale and shift. It makes training"
    " faster and less sensitive to the learning rate and initialisation. During evaluation"
    " it uses running averages collected during training. num_features is taken from the"
    " input.")

register(LayerSpec(
    type="BatchNorm1d", category="Normalization & Regularization", id_prefix="bn",
    summary="Normalises each feature over the batch, for flat features or (channels, length).",
    explanation=_BN_TEXT, params=_BN_PARAMS, infer=_bn1d_infer, build=_bn_builder("BatchNorm1d"),
    count_params=_bn_params, shape_formula="output shape = input shape",
    when_to_use="Between a Linear or Conv1d layer and its activation, in deeper networks.",
))

register(LayerSpec(
    type="BatchNorm2d", category="Normalization & Regularization", id_prefix="bn",
    summary="Normalises each channel of an image over the batch.",
    explanation=_BN_TEXT, params=_BN_PARAMS, infer=_bn2d_infer, build=_bn_builder("BatchNorm2d"),
    count_params=_bn_params, shape_formula="output shape = input shape",
    when_to_use="Between a Conv2d and its activation; standard in modern CNNs.",
))


def _layernorm_infer(inputs, params, ctx) -> Shape:
    return inputs[0]


def _layernorm_params(inputs, params, out) -> int:
    if not params["elementwise_affine"]:
        return 0
    return inputs[0][-1] * (2 if params["bias"] else 1)


def _layernorm_build(inputs, params, ctx):
    from torch import nn

    return nn.LayerNorm(inputs[0][-1], eps=params["eps"],
                        elementwise_affine=params["elementwise_affine"], bias=params["bias"])


register(LayerSpec(
    type="LayerNorm", category="Normalization & Regularization", id_prefix="ln",
    summary="Normalises the features of each sample (or each step) on their own.",
    explanation=(
        "Layer normalisation rescales the last dimension of every sample to zero mean and"
        " unit variance, then applies a learned scale and shift. Unlike batch"
        " normalisation it does not depend on the other samples of the batch, so it works"
        " the same in training and evaluation and suits sequences and Transformers."),
    params=ParamSet((
        p("eps", "float", 1e-5, "Small number added to the variance", minimum=1e-12, maximum=1.0),
        p("elementwise_affine", "bool", True, "Learn a scale (and shift) per feature"),
        p("bias", "bool", True, "Learn the shift as well as the scale"),
    )),
    infer=_layernorm_infer, build=_layernorm_build, count_params=_layernorm_params,
    shape_formula="output shape = input shape (normalised over the last dimension)",
    when_to_use="Recurrent and attention networks; small batches.",
))


def _dropout_infer(inputs, params, ctx) -> Shape:
    return inputs[0]


def _dropout2d_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    if len(shape) != 3:
        raise ShapeError(f"needs (channels, height, width) input but receives {show(shape)}:"
                         " use Dropout for other shapes")
    return shape


def _dropout_builder(cls_name: str):
    def build(inputs, params, ctx):
        from torch import nn

        return getattr(nn, cls_name)(p=params["p"])
    return build


_DROPOUT_PARAMS = ParamSet((
    p("p", "float", 0.5, "Probability of zeroing each element during training", minimum=0.0,
      maximum=0.99),
))

register(LayerSpec(
    type="Dropout", category="Normalization & Regularization", id_prefix="drop",
    summary="Randomly zeroes a fraction p of values during training, against overfitting.",
    explanation=(
        "During training, Dropout sets each value to zero with probability p and scales the"
        " rest by 1/(1−p); during evaluation it does nothing. Because no unit can rely on"
        " any other being present, the network learns more robust features and overfits"
        " less. Typical values are 0.1 to 0.5."),
    params=_DROPOUT_PARAMS, infer=_dropout_infer, build=_dropout_builder("Dropout"),
    shape_formula="output shape = input shape",
    when_to_use="When the training accuracy is much higher than the validation accuracy.",
))

register(LayerSpec(
    type="Dropout2d", category="Normalization & Regularization", id_prefix="drop",
    summary="Randomly zeroes whole channels of an image during training.",
    explanation=(
        "Dropout2d drops entire feature maps (channels) at once with probability p during"
        " training. Neighbouring pixels of a feature map are strongly correlated, so"
        " dropping single values barely regularises a CNN; dropping whole channels does."),
    params=_DROPOUT_PARAMS, infer=_dropout2d_infer, build=_dropout_builder("Dropout2d"),
    shape_formula="output shape = input shape",
    when_to_use="Regularising convolutional layers.",
))
