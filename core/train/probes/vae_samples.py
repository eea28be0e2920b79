"""What a variational autoencoder's decoder makes of codes it was never given, as it trains.

Two pictures from the decoder (the layers after the Sample layer, cut by
:func:`core.generate.sampler_network`, sharing the trained layers):

* *samples from the prior*: ``count`` codes drawn once from N(0, I) (seeded, from a
  generator of the probe's own, so training's random numbers are untouched) and decoded
  at each run. The same codes every time, so the grid shows the decoder learning, not new
  draws. Once the KL term has pulled the codes towards N(0, I) these look like the data.
* the *latent traversal*: :func:`core.generate.latent_walk`'s ``steps`` × ``steps`` grid of
  codes, two code numbers walking from -``span`` to ``span`` (columns, then rows) and the
  others held at 0, the prior's centre: how the decoder's output changes along two
  directions of the code. The two are the code numbers whose means vary most over a few
  validation samples at that moment (the KL term often leaves some numbers unused, and a
  walk along one of those shows nothing); on a tie, the first.

Image data only. Runs every ``every_batches`` steps (at most 1% of the time,
:mod:`.paced`) and at each epoch's end; runs without a Sample layer on the way to the
reconstruction get no snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.train.probes.autoencoder import autoencoder_parts, head_module
from core.train.probes.base import Sink, probe_rows, probe_split
from core.train.probes.paced import PacedProbe
from core.train.probes.registry import PROBES, ProbeSpec
from core.train.probes.sample_grid import fixed_noise, is_image_data, tile

#: Validation samples whose codes choose the two code numbers that walk.
WALK_CHOOSERS = 256
#: Prior samples (6 × 6), the walk's steps per side, how far it goes, and the codes' seed.
PRIOR_SAMPLES = 36
WALK_STEPS = 8
WALK_SPAN = 2.5
CODE_SEED = 4321


@dataclass
class VaeSamples:
    """The decoder's pictures of fixed prior codes and of a walk over two code numbers."""

    kind: str
    epoch: int
    batch: int | None  # None at the end of an epoch
    step: int
    sample_id: str  # the Sample layer the decoder starts after
    code_size: int
    prior: np.ndarray  # float32 (n, C, H, W) in the data's units
    prior_grid: np.ndarray  # uint8 (rows, columns[, 3]): the tiled prior samples
    prior_columns: int
    walk_grid: np.ndarray  # uint8: the traversal, ``walk_steps`` × ``walk_steps`` tiles
    walk_steps: int
    walk_span: float
    walk_dims: tuple[int, int] = (0, 1)  # the code numbers that walk (columns, rows)


class VaeSamplesProbe(PacedProbe):
    """A VAE's decoder on fixed prior codes and on a latent walk (see the module docstring)."""

    def __init__(self, sink: Sink, *, count: int = PRIOR_SAMPLES, steps: int = WALK_STEPS,
                 span: float = WALK_SPAN, every_batches: int | None = 50,
                 every_seconds: float | None = None, at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.count, self.steps, self.span = count, steps, span
        self._decoder = None

    def prepare(self, trainer) -> None:
        import torch

        from core.generate import GenerativeParts, encoder_network, latent_walk, sampler_network

        self._decoder = None
        parts = autoencoder_parts(trainer) if is_image_data(trainer.info) else None
        if parts is None or not parts.variational:
            self.enabled = False
            return
        _name, split = probe_split(trainer.dataset)
        one = torch.from_numpy(np.ascontiguousarray(split.x[:1], np.float32)).to(trainer.placement.device)
        with trainer.evaluating():
            latent_shape = tuple(encoder_network(head_module(trainer, parts.head_id), parts.code_id)(one).shape[1:])
        self._sample, self._size = parts.code_id, int(np.prod(latent_shape))
        self._decoder = sampler_network(trainer.module, GenerativeParts(parts.code_id, latent_shape,
                                                                        parts.head_id))
        device = trainer.placement.device
        self._prior = fixed_noise((self.count, *latent_shape), CODE_SEED, device)
        self._walk = latent_walk((self._size,), self.steps, self.span) if self._size >= 2 else None
        self._encoder = encoder_network(head_module(trainer, parts.head_id), parts.code_id)
        self._choosers = torch.from_numpy(np.ascontiguousarray(
            split.x[probe_rows(split, WALK_CHOOSERS, seed=9)], np.float32)).to(device)
        self._latent_shape = latent_shape

    def compute(self, trainer, epoch, batch, step) -> VaeSamples | None:
        from core.data.scaling import unscale_inputs

        if self._decoder is None:
            return None
        import torch

        dims = (0, 1)
        with trainer.evaluating():
            prior = self._decoder(self._prior).float().cpu().numpy()
            walk = None
            if self._walk is not None:
                means = self._encoder(self._choosers).float().reshape(len(self._choosers), -1)
                dims = walked_dims(means.var(0).cpu().numpy())
                codes = np.zeros_like(self._walk)
                codes[:, list(dims)] = self._walk[:, :2]
                codes = torch.from_numpy(codes.reshape(-1, *self._latent_shape)).to(self._prior.device)
                walk = self._decoder(codes).float().cpu().numpy()
        pre = trainer.dataset.preprocessing
        prior = unscale_inputs(pre, prior)
        if prior.ndim != 4 or prior.shape[1] not in (1, 3):
            return None
        prior_grid, columns = tile(prior)
        walk_grid = (tile(unscale_inputs(pre, walk), self.steps)[0] if walk is not None
                     else np.zeros((1, 1), np.uint8))
        return VaeSamples("vae_samples", epoch, batch, step, self._sample, self._size, prior,
                          prior_grid, columns, walk_grid, self.steps if walk is not None else 0,
                          self.span, dims)


def walked_dims(variances: np.ndarray) -> tuple[int, int]:
    """The two code numbers of largest variance (the larger first; the first on a tie)."""
    order = np.argsort(-np.asarray(variances, np.float64), kind="stable")
    return int(order[0]), int(order[1])


PROBES.register(ProbeSpec(
    name="vae_samples", title="VAE samples",
    doc="A variational autoencoder's decoder on fixed codes from the prior N(0, I), and on a"
        " walk over two code numbers (the others at 0).",
    make=VaeSamplesProbe, snapshot=VaeSamples, views=("vae_samples",), part="vae_samples",
    applies=is_image_data))
