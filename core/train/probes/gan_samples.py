"""What a GAN's generator makes as it trains: the same noise decoded every few batches.

The probe draws one fixed batch of noise when training starts (seeded, from a generator of
its own, so training's random numbers are untouched) and, every ``every_batches`` steps and
at the end of each epoch, runs it through the generator in eval mode. The same noise every
time means the grid shows how the generator's pictures change, not new draws; samples that
come to look alike are mode collapse (the diversity number falls). It sends the images and
their tiling into one grey or RGB picture, as numpy arrays. A conditional GAN's grid has a
column per class (each column asks for one class, top to bottom). Runs of other networks get
no snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.train.probes.base import Probe, Sink
from core.train.probes.registry import PROBES, ProbeSpec
from core.train.probes.sample_grid import fixed_noise, is_image_data, tile

#: Samples in the grid (6 × 6) and the noise's seed.
GRID_SAMPLES = 36
NOISE_SEED = 1234


@dataclass
class GanSamples:
    """The generator's pictures of the probe's fixed noise at ``step``."""

    kind: str
    epoch: int
    batch: int | None  # None at the end of an epoch
    step: int
    images: np.ndarray  # float32 (n, C, H, W) in the data's units (pixels in [0, 1])
    grid: np.ndarray  # uint8 (rows, columns) grey or (rows, columns, 3) RGB: the tiled images
    columns: int  # images per row of the grid
    diversity: float  # the mean distance between the samples, per value (0: all alike)


class GanSamplesProbe(Probe):
    """Decodes a fixed noise batch through a GAN's generator (see the module docstring)."""

    def __init__(self, sink: Sink, *, count: int = GRID_SAMPLES, every_batches: int | None = 50,
                 every_seconds: float | None = None, at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.count = count
        self._noise = None
        self._labels = None  # a conditional GAN's classes, one-hot: a column per class
        self._columns = 0

    def prepare(self, trainer) -> None:
        adversarial = getattr(trainer, "adversarial", None)
        if adversarial is None or adversarial.generator is None:
            self.enabled = False  # not a GAN: nothing to show
            return
        classes = adversarial.classes
        count = classes * max(1, round(self.count / classes)) if classes else self.count
        self._noise = fixed_noise((count, adversarial.noise_size), NOISE_SEED, trainer.placement.device)
        self._columns = classes or 0
        if classes:
            self._labels = adversarial.fixed_labels(0, count, self._noise)

    def compute(self, trainer, epoch, batch, step) -> GanSamples | None:
        from core.data.scaling import unscale_inputs
        from core.train.adversarial import diversity

        if self._noise is None:
            return None
        with trainer.evaluating():
            images = trainer.adversarial.generate(self._noise, self._labels)
            spread = float(diversity(images))
            images = images.float().cpu().numpy()
        images = unscale_inputs(trainer.dataset.preprocessing, images).astype(np.float32)
        grid, columns = tile(images, self._columns or None)
        return GanSamples("gan_samples", epoch, batch, step, images, grid, columns, spread)


PROBES.register(ProbeSpec(
    name="gan_samples", title="Samples",
    doc="A GAN's generator on the same noise every few batches: how its pictures change, and"
        " whether they stay different from one another.",
    make=GanSamplesProbe, snapshot=GanSamples, views=("gan_samples", "discriminator"),
    part="gan_samples", applies=is_image_data))
