"""The decision boundary of a classifier of 2-D points: class probabilities over a grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.data.dataset import CLASSIFICATION
from core.train.probes.base import Probe, Sink, probe_rows
from core.train.probes.registry import PROBES, ProbeSpec


@dataclass
class DecisionBoundary:
    """Class probabilities on a ``resolution × resolution`` grid, with the data points.

    ``probabilities[i, j, k]`` is class k's probability at ``x = xs[j]``, ``y = ys[i]``
    (row i is y: draw it as an image with its origin at the bottom left). Coordinates
    are in the data's original units (input scaling undone). ``points``/``labels`` are
    the same arrays in every snapshot of a run.
    """

    kind: str
    epoch: int
    batch: int | None
    step: int
    xs: np.ndarray  # float32 (R,)
    ys: np.ndarray  # float32 (R,)
    probabilities: np.ndarray  # float32 (R, R, K)
    points: np.ndarray  # float32 (M, 2) training points
    labels: np.ndarray  # int64 (M,)
    class_names: list[str]
    feature_names: list[str]


class DecisionBoundaryProbe(Probe):
    """For 2-D inputs with classes: the network's probabilities over a grid covering the data."""

    def __init__(self, sink: Sink, *, resolution: int = 64, max_points: int = 1000, margin: float = 0.1,
                 every_batches: int | None = None, every_seconds: float | None = 0.5,
                 at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.resolution, self.max_points, self.margin = resolution, max_points, margin
        self._grid = None

    @staticmethod
    def applies(info) -> bool:
        return info.task == CLASSIFICATION and tuple(info.input_shape) == (2,)

    def prepare(self, trainer) -> None:
        import torch

        if not self.applies(trainer.info):
            self.enabled = False
            return
        train = trainer.dataset.train
        rows = probe_rows(train, self.max_points, seed=1)
        x = np.asarray(train.x[rows], np.float32)
        axes, grid = plane_grid(x, self.resolution, self.margin)
        self._grid = torch.from_numpy(grid).to(trainer.placement.device)
        mean, scale = _scaling(trainer.dataset.preprocessing)
        self._xs, self._ys = axes[0] * scale[0] + mean[0], axes[1] * scale[1] + mean[1]
        self._points = (x * scale + mean).astype(np.float32)
        self._labels = np.asarray(train.y[rows], np.int64)
        info = trainer.info
        self._names = list(info.class_names or [])
        self._features = list(info.feature_names or ["x", "y"])

    def compute(self, trainer, epoch, batch, step) -> DecisionBoundary | None:
        import torch

        if self._grid is None:
            return None
        with trainer.evaluating() as module:
            out = module(self._grid).float()
            if out.shape[1] == 1:
                p = torch.sigmoid(out)
                probs = torch.cat([1 - p, p], 1)
            else:
                probs = torch.softmax(out, 1)
            probs = probs.cpu().numpy()
        r = self.resolution
        return DecisionBoundary("decision_boundary", epoch, batch, step, self._xs, self._ys,
                                probs.reshape(r, r, -1), self._points, self._labels, self._names,
                                self._features)


def plane_grid(x: np.ndarray, resolution: int, margin: float = 0.1) -> tuple[list[np.ndarray], np.ndarray]:
    """A ``resolution × resolution`` grid over the 2-D points ``x`` (model units), ``margin``
    of their range added on each side: the two axes, and the grid's points ``(R·R, 2)`` with
    row ``i`` of the picture at ``y = axes[1][i]`` (the neuron probe shares it)."""
    low, high = x.min(0), x.max(0)
    pad = (high - low) * margin + 1e-6
    low, high = low - pad, high + pad
    axes = [np.linspace(low[d], high[d], resolution, dtype=np.float32) for d in range(2)]
    gx, gy = np.meshgrid(axes[0], axes[1])
    return axes, np.stack([gx.ravel(), gy.ravel()], 1)


def _scaling(preprocessing: dict) -> tuple[np.ndarray, np.ndarray]:
    scaling = (preprocessing or {}).get("input_scaling")
    if not scaling:
        return np.zeros(2, np.float32), np.ones(2, np.float32)
    return (np.asarray(scaling["mean"], np.float32).reshape(-1)[:2],
            np.asarray(scaling["scale"], np.float32).reshape(-1)[:2])


PROBES.register(ProbeSpec(
    name="decision_boundary", title="Decision boundary",
    doc="For 2-D points with classes: the class probabilities over a grid covering the data.",
    make=DecisionBoundaryProbe, snapshot=DecisionBoundary, views=("boundary",), part="boundary",
    applies=DecisionBoundaryProbe.applies))
