"""The four attribution methods, computed with Captum (imported here, on first use).

Each function takes the :class:`~core.explain.target.Scores` model, the tuple of input
tensors Captum varies (the sample, or the non-token features and the embeddings), their
baselines, the additional (fixed) arguments, the explained output per sample and the
method's options; it returns one attribution tensor per input (Grad-CAM: one heat map
``(N, H, W)`` at the input's resolution).
"""

from __future__ import annotations

import os
from typing import Any

from core.explain.base import ExplainError

#: Samples Captum pushes through the network at once inside a method: bounds memory, and
#: sets how often a long method (many steps on one image) reports progress and sees Cancel.
INTERNAL_BATCH = 128


def captum_attr():
    """``captum.attr``, or one sentence saying how to install it."""
    # Captum imports matplotlib.pyplot: never let it pick a GUI backend (we only draw to files).
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import captum.attr as attr
    except ImportError:
        raise ExplainError("attributions need the captum package, which is not installed:"
                           " pip install 'captum>=0.8'") from None
    return attr


def saliency(model, inputs: tuple, baselines: tuple, extra: tuple, target, options: dict[str, Any]):
    attr = captum_attr()
    return _tuple(attr.Saliency(model).attribute(inputs, target=target, abs=True,
                                                 additional_forward_args=extra or None))


#: Above this many steps integrated gradients uses the trapezoid rule: Captum's default
#: Gauss-Legendre nodes cost O(steps³) before the first pass (minutes for 5,000 steps,
#: with no chance to cancel), and with that many steps the trapezoid rule is as exact.
GAUSS_LEGENDRE_MAX_STEPS = 256


def integrated_gradients(model, inputs: tuple, baselines: tuple, extra: tuple, target,
                         options: dict[str, Any]):
    attr = captum_attr()
    method = attr.IntegratedGradients(model)
    steps = int(options.get("steps", 32))
    rule = "gausslegendre" if steps <= GAUSS_LEGENDRE_MAX_STEPS else "riemann_trapezoid"
    return _tuple(method.attribute(inputs, baselines=baselines, target=target, n_steps=steps,
                                   method=rule, additional_forward_args=extra or None,
                                   internal_batch_size=INTERNAL_BATCH))


def smoothgrad(model, inputs: tuple, baselines: tuple, extra: tuple, target, options: dict[str, Any]):
    """SmoothGrad (Captum's NoiseTunnel over Saliency): Gaussian noise of ``noise`` times each
    input's range, ``samples`` copies per sample."""
    attr = captum_attr()
    stdevs = tuple(float(options.get("noise", 0.15)) * max(float(x.detach().max() - x.detach().min()), 1e-6)
                   for x in inputs)
    tunnel = attr.NoiseTunnel(attr.Saliency(model))
    return _tuple(tunnel.attribute(inputs, nt_type="smoothgrad", nt_samples=int(options.get("samples", 16)),
                                   nt_samples_batch_size=max(1, INTERNAL_BATCH // max(len(inputs[0]), 1)),
                                   stdevs=stdevs if len(stdevs) > 1 else stdevs[0], target=target,
                                   additional_forward_args=extra or None, abs=True))


def grad_cam(model, inputs: tuple, baselines: tuple, extra: tuple, target, options: dict[str, Any]):
    """Grad-CAM on ``options["layer"]`` (a module of the network), enlarged to the image."""
    attr = captum_attr()
    layer = options["layer"]
    cam = attr.LayerGradCam(model, layer).attribute(inputs, target=target, relu_attributions=True,
                                                    additional_forward_args=extra or None)
    size = tuple(inputs[0].shape[-2:])
    cam = attr.LayerAttribution.interpolate(cam, size, interpolate_mode="bilinear")
    return (cam.sum(1),)


def _tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)
