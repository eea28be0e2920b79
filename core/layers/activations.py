"""Activation layers: element-wise non-linearities (shape in = shape out)."""

from __future__ import annotations

from core.layers.params import ParamSet
from core.layers.registry import LayerSpec, Shape, p, register
from core.layers.rules import normalize_dim

#: type -> (id prefix, summary, explanation, formula, params)
_ACTIVATIONS = {
    "ReLU": ("relu", "max(0, x): the default activation of hidden layers.",
             "The rectified linear unit passes positive values and zeroes negative ones. It"
             " is cheap, does not saturate for positive inputs, and is the default choice"
             " between layers. A unit whose input is always negative outputs zero and stops"
             " learning (a 'dead' ReLU); a lower learning rate or LeakyReLU helps.",
             "f(x) = max(0, x)", ()),
    "LeakyReLU": ("lrelu", "Like ReLU but lets a small slope through for negative inputs.",
                  "LeakyReLU multiplies negative inputs by a small negative_slope instead of"
                  " zeroing them, so units never die completely.",
                  "f(x) = x if x > 0 else negative_slope·x",
                  (p("negative_slope", "float", 0.01, "Slope for negative inputs", minimum=0.0,
                     maximum=1.0),)),
    "ELU": ("elu", "Exponential linear unit: smooth for negative inputs, saturating at −alpha.",
            "ELU is the identity for positive inputs and alpha·(eˣ − 1) for negative ones. Its"
            " mean output is closer to zero than ReLU's, which can speed up learning.",
            "f(x) = x if x > 0 else alpha·(exp(x) − 1)",
            (p("alpha", "float", 1.0, "Value approached for large negative inputs", minimum=0.0,
               maximum=100.0),)),
    "GELU": ("gelu", "Gaussian error linear unit: a smooth ReLU used in Transformers.",
             "GELU weights its input by the probability that a standard normal variable is"
             " below it, giving a smooth curve close to ReLU. BERT and GPT use it.",
             "f(x) = x·Φ(x)",
             (p("approximate", "choice", "none", "Exact, or the faster tanh approximation",
                choices=("none", "tanh")),)),
    "SiLU": ("silu", "Swish: x·sigmoid(x), a smooth non-monotonic activation.",
             "SiLU (also called Swish) multiplies the input by its own sigmoid. It is smooth,"
             " slightly negative for negative inputs, and works well in deep CNNs.",
             "f(x) = x·σ(x)", ()),
    "Tanh": ("tanh", "Squashes values into (−1, 1).",
             "The hyperbolic tangent maps any number into the range −1 to 1, centred at zero."
             " It saturates for large inputs, where its gradient vanishes, so deep stacks of"
             " tanh layers learn slowly. Recurrent layers use it inside.",
             "f(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)", ()),
    "Sigmoid": ("sigmoid", "Squashes values into (0, 1), like a probability.",
                "The logistic sigmoid maps any number into 0 to 1. It is used for gates and"
                " probabilities; as a hidden activation it saturates and slows learning."
                " Do not put it before the Output: the loss applies it for you.",
                "f(x) = 1/(1 + e⁻ˣ)", ()),
    "Softmax": ("softmax", "Turns scores into probabilities that sum to 1 along dim.",
                "Softmax exponentiates its inputs and divides by their sum, so the values"
                " along dim become positive and add up to one. The classification loss"
                " already applies it to the Output; use this layer inside a network, for"
                " example for attention weights.",
                "f(x)ᵢ = exp(xᵢ)/Σⱼ exp(xⱼ)",
                (p("dim", "int", -1, "Dimension that sums to 1 (-1 is the last)", minimum=-5,
                   maximum=5),)),
    "LogSoftmax": ("logsoftmax", "Logarithm of softmax, numerically stable.",
                   "LogSoftmax computes log(softmax(x)) without overflow. It is the first half"
                   " of the cross-entropy loss.",
                   "f(x)ᵢ = xᵢ − log Σⱼ exp(xⱼ)",
                   (p("dim", "int", -1, "Dimension to normalise (-1 is the last)", minimum=-5,
                      maximum=5),)),
    "Softplus": ("softplus", "A smooth ReLU: log(1 + eˣ), always positive.",
                 "Softplus is a smooth approximation of ReLU that is always positive, handy"
                 " for outputs that must be positive such as variances.",
                 "f(x) = (1/beta)·log(1 + exp(beta·x))",
                 (p("beta", "float", 1.0, "Sharpness of the curve", minimum=0.001, maximum=1000.0),
                  p("threshold", "float", 20.0, "Above beta·x > threshold the layer is linear",
                    minimum=0.0, maximum=1000.0))),
    "Mish": ("mish", "x·tanh(softplus(x)): a smooth, self-regularising activation.",
             "Mish is a smooth non-monotonic activation similar to SiLU, used in some modern"
             " CNNs such as YOLOv4.",
             "f(x) = x·tanh(ln(1 + eˣ))", ()),
}


def _same_shape(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    if "dim" in params:
        normalize_dim(params["dim"], len(shape) + 1, "dim", shape)
    return shape


def _builder(cls_name: str):
    def build(inputs, params, ctx):
        from torch import nn

        return getattr(nn, cls_name)(**params)
    return build


for _type, (_prefix, _summary, _explanation, _formula, _params) in _ACTIVATIONS.items():
    register(LayerSpec(
        type=_type, category="Activations", id_prefix=_prefix, summary=_summary,
        explanation=_explanation, params=ParamSet(tuple(_params)), infer=_same_shape,
        build=_builder(_type), shape_formula=f"{_formula}; output shape = input shape",
        when_to_use="Between layers, to make the network non-linear.",
    ))
