"""The guide's small plots: activation functions and losses computed with numpy formulas.

The designer draws these curves on the GUI thread, which must never run torch
kernels (GUIDE §4), so each function here is the textbook formula in numpy; a test
checks them against torch's own modules. Each plot is a :class:`Plot` of
:class:`Curve` s (x, y arrays), keyed like the guide pages: ``activation:ReLU``,
``loss:huber``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from core.layers import REGISTRY


@dataclass(frozen=True)
class Curve:
    label: str
    x: np.ndarray
    y: np.ndarray
    dashed: bool = False


@dataclass(frozen=True)
class Plot:
    x_label: str
    y_label: str
    curves: tuple[Curve, ...]
    note: str = ""


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + eˣ) without overflow."""
    return np.logaddexp(0.0, x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


_erf = np.vectorize(math.erf, otypes=[float])


def _softplus_layer(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    beta, threshold = float(p["beta"]), float(p["threshold"])
    return np.where(beta * x > threshold, x, softplus(beta * x) / beta)


def _gelu(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    if p.get("approximate") == "tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


#: f(x, params) for every activation layer of the registry, element-wise. Softmax and
#: LogSoftmax act on a vector: the curve is the first of two scores (x, 0).
ACTIVATIONS: dict[str, Callable[[np.ndarray, dict[str, Any]], np.ndarray]] = {
    "ReLU": lambda x, p: np.maximum(x, 0.0),
    "LeakyReLU": lambda x, p: np.where(x > 0, x, float(p["negative_slope"]) * x),
    "ELU": lambda x, p: np.where(x > 0, x, float(p["alpha"]) * np.expm1(np.minimum(x, 0.0))),
    "GELU": _gelu,
    "SiLU": lambda x, p: x * sigmoid(x),
    "Tanh": lambda x, p: np.tanh(x),
    "Sigmoid": lambda x, p: sigmoid(x),
    "Softmax": lambda x, p: sigmoid(x),
    "LogSoftmax": lambda x, p: -softplus(-x),
    "Softplus": _softplus_layer,
    "Mish": lambda x, p: x * np.tanh(softplus(x)),
}
_VECTOR_NOTE = ("Softmax works on a vector of scores; the curve shows the first of two scores"
                " (x, 0), so the other score is 0.")


def activation(type_name: str, x: np.ndarray, params: dict[str, Any] | None = None) -> np.ndarray:
    """The activation layer ``type_name`` applied to ``x`` (its default parameters unless given)."""
    spec = REGISTRY.get(type_name)
    return ACTIVATIONS[type_name](np.asarray(x, dtype=float), spec.effective_params(params or {}))


def activation_plot(type_name: str, params: dict[str, Any] | None = None, lo: float = -4.0,
                    hi: float = 4.0, points: int = 401) -> Plot:
    """The function and (dashed) its slope, the gradient that flows back through it."""
    x = np.linspace(lo, hi, points)
    y = activation(type_name, x, params)
    note = _VECTOR_NOTE if type_name in ("Softmax", "LogSoftmax") else ""
    return Plot("x", "f(x)", (Curve(f"{type_name}(x)", x, y), Curve("slope f′(x)", x, np.gradient(y, x), True)),
                note)


# ----------------------------------------------------------------------------- losses
def huber(e: np.ndarray, delta: float = 1.0) -> np.ndarray:
    a = np.abs(e)
    return np.where(a <= delta, 0.5 * e ** 2, delta * (a - 0.5 * delta))


def smooth_l1(e: np.ndarray, beta: float = 1.0) -> np.ndarray:
    a = np.abs(e)
    return np.where(a < beta, 0.5 * e ** 2 / beta, a - 0.5 * beta)


def cross_entropy_two(z: np.ndarray, smoothing: float = 0.0) -> np.ndarray:
    """Cross-entropy of two classes as a function of the margin z (true score − other score)."""
    return (1 - smoothing / 2) * softplus(-z) + (smoothing / 2) * softplus(z)


def _error_axis() -> np.ndarray:
    return np.linspace(-3.0, 3.0, 301)


def _logit_axis() -> np.ndarray:
    return np.linspace(-6.0, 6.0, 301)


def loss_plot(name: str, params: dict[str, Any] | None = None) -> Plot | None:
    """The loss of one sample, against the error (numbers) or the score (classes)."""
    p = params or {}
    if name in ("mse", "l1", "huber", "smooth_l1"):
        e = _error_axis()
        delta = float(p.get("huber_delta", 1.0))
        curves = {"mse": (Curve("(y − t)²", e, e ** 2),),
                  "l1": (Curve("|y − t|", e, np.abs(e)), Curve("(y − t)² for comparison", e, e ** 2, True)),
                  "huber": (Curve(f"Huber, δ = {delta:g}", e, huber(e, delta)),
                            Curve("½(y − t)² for comparison", e, 0.5 * e ** 2, True)),
                  "smooth_l1": (Curve(f"smooth L1, β = {delta:g}", e, smooth_l1(e, delta)),
                                Curve("|y − t| for comparison", e, np.abs(e), True))}[name]
        return Plot("error y − t (prediction − target)", "loss", curves)
    z = _logit_axis()
    if name == "bce":
        return Plot("output z (a logit; σ(z) is the probability)", "loss",
                    (Curve("target 1: −log σ(z)", z, softplus(-z)),
                     Curve("target 0: −log(1 − σ(z))", z, softplus(z), True)))
    if name == "cross_entropy":
        smoothing = float(p.get("label_smoothing", 0.0))
        shown = smoothing if smoothing > 0 else 0.1
        return Plot("margin: true class's score − other class's score", "loss",
                    (Curve("cross-entropy", z, cross_entropy_two(z)),
                     Curve(f"with label_smoothing {shown:g}", z, cross_entropy_two(z, shown), True)),
                    "Two classes; with more, the other scores combine in the same way.")
    if name == "hinge":
        m = np.linspace(-3.0, 3.0, 301)
        return Plot("margin y·z (target y = ±1 times the output)", "loss",
                    (Curve("hinge: max(0, 1 − y·z)", m, np.maximum(0.0, 1.0 - m)),
                     Curve("binary cross-entropy for comparison", m, softplus(-m), True)))
    return None


def plot_for(key: str | None, params: dict[str, Any] | None = None) -> Plot | None:
    """The plot of a guide page's ``plot`` key (``activation:ReLU``, ``loss:mse``), or ``None``."""
    if not key:
        return None
    kind, _, name = key.partition(":")
    if kind == "activation" and name in ACTIVATIONS:
        return activation_plot(name, params)
    if kind == "loss":
        return loss_plot(name, params)
    return None
