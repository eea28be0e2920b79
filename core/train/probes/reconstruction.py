"""What an autoencoder rebuilds: a few fixed validation samples and their reconstructions, or,
for tables, the reconstruction error of each feature over the validation split.

The network's reconstruction head and what counts as one: :mod:`core.train.probes.autoencoder`.
On images the probe picks ``count`` samples once (seeded, from the validation split if any)
and every ``every_batches`` steps (no more than 1% of the time, :mod:`.paced`) and at each
epoch's end sends them with the head's output, both in the data's units, tiled into one
picture: a row of inputs over a row of their reconstructions, in bands of ``columns``. On
tables it sends, at each epoch's end, the mean squared error of every feature (in the
network's scaled units, so features of different ranges compare) over at most
``max_rows`` validation rows. Runs with no reconstruction head get no snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.train.probes.autoencoder import autoencoder_parts, head_module
from core.train.probes.base import Sink, probe_rows, probe_split
from core.train.probes.sample_grid import GAP_GREY, is_image_data
from core.train.probes.paced import PacedProbe
from core.train.probes.registry import PROBES, ProbeSpec
from core.tasks import RECONSTRUCTION

#: Samples shown, and how many pairs one band of the picture holds.
SAMPLES = 16
COLUMNS = 8
#: Validation rows whose per-feature error is measured on tables.
MAX_ROWS = 2000


@dataclass
class Reconstructions:
    """The reconstruction head ``head_id`` on fixed validation samples (images) or its error
    per feature over the validation split (tables).

    Images: ``inputs`` and ``outputs`` are ``(n, C, H, W)`` in the data's units (pixels in
    [0, 1]); ``grid`` tiles them: bands of ``columns`` inputs above their reconstructions.
    Tables: ``feature_errors[i]`` is feature ``feature_names[i]``'s mean squared error (scaled
    units) over ``rows`` validation rows; ``inputs``/``outputs`` are then empty.
    """

    kind: str
    epoch: int
    batch: int | None  # None at the end of an epoch
    step: int
    head_id: str
    split: str  # "validation" or "train"
    is_image: bool
    inputs: np.ndarray
    outputs: np.ndarray
    grid: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), np.uint8))  # uint8 (H, W[, 3])
    columns: int = COLUMNS
    sample_errors: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # (n,) MSE
    feature_names: list[str] = field(default_factory=list)
    feature_errors: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # (F,)
    rows: int = 0

    @property
    def error(self) -> float:
        """The mean squared error over what was measured (scaled units)."""
        values = self.sample_errors if self.is_image else self.feature_errors
        return float(np.mean(values)) if len(values) else float("nan")


def applies(info) -> bool:
    """Reconstruction data, or images (an image network may rebuild its input beside another head)."""
    return info.task == RECONSTRUCTION or is_image_data(info)


def paired_rows(inputs: np.ndarray, outputs: np.ndarray, columns: int) -> np.ndarray:
    """``(n, C, H, W)`` inputs and outputs -> ``(2·bands·columns, C, H, W)``: each band a row of
    ``columns`` inputs, then the row of their reconstructions (blank tiles fill the last band)."""
    n = len(inputs)
    bands = max(1, -(-n // columns))
    blank = np.full((bands * columns - n, *inputs.shape[1:]), GAP_GREY / 255.0, np.float32)
    ins = np.concatenate([inputs, blank]).reshape(bands, columns, *inputs.shape[1:])
    outs = np.concatenate([outputs, blank]).reshape(bands, columns, *inputs.shape[1:])
    return np.stack([ins, outs], 1).reshape(bands * 2 * columns, *inputs.shape[1:])


class ReconstructionProbe(PacedProbe):
    """Fixed validation samples through the reconstruction head (see the module docstring)."""

    def __init__(self, sink: Sink, *, count: int = SAMPLES, columns: int = COLUMNS,
                 max_rows: int = MAX_ROWS, every_batches: int | None = 50,
                 every_seconds: float | None = None, at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.count, self.columns, self.max_rows = count, columns, max_rows
        self._network = None
        self._inputs = None
        self._head = ""
        self._split = ""
        self.is_image = False

    def prepare(self, trainer) -> None:
        import torch

        self._network = None
        parts = autoencoder_parts(trainer) if applies(trainer.info) else None
        if parts is None:
            self.enabled = False
            return
        self._head = parts.head_id
        self._network = head_module(trainer, parts.head_id)
        self._split, split = probe_split(trainer.dataset)
        self.is_image = is_image_data(trainer.info)
        if not self.is_image:  # the error per feature: once an epoch is enough
            self.every_batches = self.every_seconds = None
        rows = probe_rows(split, self.count if self.is_image else self.max_rows, seed=5)
        self._inputs = torch.from_numpy(np.ascontiguousarray(split.x[rows], np.float32)).to(
            trainer.placement.device)
        self._names = list(trainer.info.feature_names or [])

    def compute(self, trainer, epoch, batch, step) -> Reconstructions | None:
        if self._network is None:
            return None
        with trainer.evaluating():
            outputs = self._network(self._inputs).float().cpu().numpy()
        inputs = self._inputs.float().cpu().numpy()
        if outputs.shape != inputs.shape:  # a head whose shape is not the input's: nothing to compare
            return None
        squared = (outputs - inputs) ** 2
        if not self.is_image:
            flat = squared.reshape(len(squared), -1)
            names = self._names if len(self._names) == flat.shape[1] else \
                [f"feature {i}" for i in range(flat.shape[1])]
            empty = np.zeros((0, *inputs.shape[1:]), np.float32)
            return Reconstructions("reconstructions", epoch, batch, step, self._head, self._split, False,
                                   empty, empty, feature_names=names,
                                   feature_errors=flat.mean(0).astype(np.float32), rows=len(flat))
        return self._images(trainer, epoch, batch, step, inputs, outputs, squared)

    def _images(self, trainer, epoch, batch, step, inputs, outputs, squared) -> Reconstructions:
        from core.data.scaling import unscale_inputs
        from core.generate import grid_image

        pre = trainer.dataset.preprocessing
        shown_in = unscale_inputs(pre, inputs)
        shown_out = unscale_inputs(pre, outputs)
        columns = min(self.columns, len(inputs))
        grid = np.asarray(grid_image(paired_rows(shown_in, shown_out, columns), columns, fill=GAP_GREY))
        errors = squared.reshape(len(squared), -1).mean(1).astype(np.float32)
        return Reconstructions("reconstructions", epoch, batch, step, self._head, self._split, True,
                               shown_in, shown_out, grid, columns, errors, rows=len(inputs))


PROBES.register(ProbeSpec(
    name="reconstructions", title="Reconstructions",
    doc="An autoencoder's reconstructions: fixed validation images beside what the network"
        " rebuilds, or each table feature's reconstruction error.",
    make=ReconstructionProbe, snapshot=Reconstructions, views=("reconstructions",),
    part="reconstructions", applies=applies))
