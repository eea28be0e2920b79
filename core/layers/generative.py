"""Layers for generative models: Sample, the variational autoencoder's reparameterisation.

A VAE's encoder ends in two Linear layers of the latent size, the mean and the log of the
variance of each latent feature. Sample draws ``z = mean + sigma * noise`` from them while
training and adds the KL divergence from the unit Gaussian to the loss (the term that
makes the latent space smooth enough to sample from); the decoder takes ``z``.
"""

from __future__ import annotations

import math

from core.errors import ShapeError
from core.layers.params import ParamSet
from core.layers.registry import LayerSpec, Shape, p, register
from core.layers.rules import show


def _sample_infer(inputs: list[Shape], params, ctx) -> Shape:
    if len(inputs) < 2:
        raise ShapeError("needs two inputs: the mean on input 0 and the log-variance on input 1"
                         " (two Linear layers of the latent size, both fed by the encoder)")
    mean, log_var = inputs[0], inputs[1]
    if mean != log_var:
        raise ShapeError(f"receives the mean {show(mean)} and the log-variance {show(log_var)}:"
                         " they must have the same shape; give both Linear layers the same"
                         " out_features")
    return mean


def kl_weight(params, ctx) -> float:
    """The KL term's weight: the parameter, or 1 / the data's input size when it is empty."""
    if params["kl_weight"] is not None:
        return float(params["kl_weight"])
    shape = getattr(getattr(ctx, "data", None), "input_shape", None) or ctx.input_shape
    return 1.0 / math.prod(shape) if shape else 1.0


def _sample_build(inputs, params, ctx):
    from core.layers.torch_modules import Sample

    return Sample(kl_weight(params, ctx), params["warmup_epochs"])


register(LayerSpec(
    type="Sample", category="Generative", id_prefix="sample",
    summary="Draws a latent vector from a mean and a log-variance; adds the KL term (VAE).",
    explanation=(
        "Sample is the heart of a variational autoencoder. Its first input is the mean and its"
        " second the log-variance of each latent feature, both computed by the encoder. While"
        " training it draws z = mean + exp(log_var / 2) × noise, so the decoder learns to"
        " rebuild the input from any point near the mean (the 'reparameterisation trick' keeps"
        " this differentiable). It also adds kl_weight × the KL divergence between that"
        " Gaussian and the unit Gaussian to the loss: the term pulls every code towards 0 with"
        " a spread of 1, so that new samples can later be drawn from random noise. The curve"
        " 'loss of sample' shows it. For predictions and exports z is the mean. Left empty,"
        " kl_weight is 1 / the number of input features, which balances a mean-squared"
        " reconstruction loss as the textbook's sums do; warmup_epochs raises the weight from 0"
        " over the first epochs, so the decoder learns to reconstruct before the codes are"
        " squeezed together."),
    params=ParamSet((
        p("kl_weight", "float", None, "Weight of the KL term in the loss", minimum=0.0,
          maximum=1e6, optional=True, none_means="1 / the input's number of features"),
        p("warmup_epochs", "int", 0, "Epochs over which the KL weight rises from 0 to kl_weight"
          " (0: full weight from the start)", minimum=0, maximum=100_000),
    )),
    infer=_sample_infer, build=_sample_build, min_inputs=2, max_inputs=2,
    shape_formula="mean (N, *s) + log-variance (N, *s) -> (N, *s)",
    when_to_use="Between the encoder and the decoder of a variational autoencoder; give it"
                " two Linear layers of the latent size (2 to draw the latent space).",
))
