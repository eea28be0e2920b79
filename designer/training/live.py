"""What the plots draw: one run's live data in growing numpy buffers (no Qt, no torch).

The worker's messages (``designer.training.relay``) and the probes' snapshots
(``core.train.probes``) arrive in the GUI thread and are appended here in a few
microseconds each; the plots redraw from these arrays on a timer. Every part has a
version number that grows when it changes, so a plot redraws only what is new.

The x axis of every time series is in epochs: batch ``b`` of ``B`` in epoch ``e`` is
at ``e - 1 + b / B``; a snapshot taken at optimiser step ``s`` is at ``s / B``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.train.probes.registry import spec_of

QUANTILES = 7  # core.train.probes.activations.QUANTILE_LEVELS
#: The smoothed loss is computed in blocks this long (w^-k stays far from overflowing).
EMA_BLOCK = 128


class Growable:
    """A numpy array that grows by doubling; ``data`` is the filled part (a view)."""

    def __init__(self, width: int | None = None, dtype=np.float64, capacity: int = 256) -> None:
        shape = (capacity,) if width is None else (capacity, width)
        self._array = np.empty(shape, dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def data(self) -> np.ndarray:
        return self._array[: self._size]

    def extend(self, values) -> None:
        values = np.asarray(values, self._array.dtype)
        if values.ndim == self._array.ndim - 1:
            values = values[None]
        needed = self._size + len(values)
        if needed > len(self._array):
            capacity = max(needed, 2 * len(self._array))
            grown = np.empty((capacity, *self._array.shape[1:]), self._array.dtype)
            grown[: self._size] = self._array[: self._size]
            self._array = grown
        self._array[self._size: needed] = values
        self._size = needed


def smoothing_weight(batches_per_epoch: int) -> float:
    """The EMA weight of the smoothed loss: a time constant of about a fifth of an epoch."""
    span = min(max(batches_per_epoch / 5.0, 5.0), 200.0)
    return 1.0 - 1.0 / span


@dataclass
class LayerSeries:
    """One layer's activation statistics over time."""

    node_id: str
    layer_type: str
    shape: tuple[int, ...]
    x: Growable = field(default_factory=Growable)
    quantiles: Growable = field(default_factory=lambda: Growable(QUANTILES))
    mean: Growable = field(default_factory=Growable)
    std: Growable = field(default_factory=Growable)
    dead: Growable = field(default_factory=Growable)  # NaN for layers that are not ReLU-like


class LiveRun:
    """Everything one run has reported so far; ``versions[part]`` grows on each change.

    Parts: ``batches``, ``epochs``, ``activations``, ``norms``, ``boundary``, ``neuron_maps``,
    ``embedding_map``, ``attention``, ``report``, ``progress``.
    """

    def __init__(self) -> None:
        self.versions: Counter[str] = Counter()
        self.batches_per_epoch = 1
        self.epochs = 0
        self.run_dir = None
        self.task: str | None = None
        self.class_names: list[str] | None = None
        # per batch
        self.batch_x = Growable()
        self.batch_loss = Growable()
        self.batch_smooth = Growable()
        self._ema = 0.0
        self._ema_count = 0
        self._ema_weight = smoothing_weight(1)
        self.lr_x = Growable()
        self.lr = Growable()
        # per epoch
        self.rows: list[dict[str, float]] = []
        self.best_epoch = 0
        self.confusion: np.ndarray | None = None
        # probes
        self.layers: dict[str, LayerSeries] = {}
        self.activations = None  # the latest ActivationSnapshot
        self.norm_layers: list[str] = []
        self.norm_x = Growable()
        self.weight_norm: Growable | None = None
        self.grad_norm: Growable | None = None
        self.boundary = None  # the latest DecisionBoundary
        self.neuron_maps = None  # the latest NeuronMaps (2-D inputs: every unit over the plane)
        self.embedding_map = None  # the latest EmbeddingMap (text with an Embedding)
        self.attention = None  # the latest AttentionSnapshot (networks with attention layers)
        self.gan_samples = None  # the latest GanSamples (a GAN's generator on fixed noise)
        self.reconstructions = None  # the latest Reconstructions (an autoencoder's outputs)
        self.latent_space = None  # the latest LatentSpace (the validation set's codes)
        self.vae_samples = None  # the latest VaeSamples (prior samples and a latent walk)
        self.report = None  # the FinalReport
        # progress (the latest BatchUpdate / EpochUpdate numbers)
        self.progress: dict[str, Any] = {}

    # ------------------------------------------------------------------ starting
    def start(self, batches_per_epoch: int, epochs: int, history: list[dict[str, float]] = (),
              task: str | None = None, class_names: list[str] | None = None, run_dir=None) -> None:
        self.batches_per_epoch = max(1, int(batches_per_epoch))
        self.epochs = epochs
        self.task, self.class_names, self.run_dir = task, class_names, run_dir
        self._ema_weight = smoothing_weight(self.batches_per_epoch)
        for row in history:  # a continued run shows its earlier epochs too
            self.add_epoch(row)
        self.versions["progress"] += 1

    def x_of_step(self, step) -> np.ndarray:
        return np.asarray(step, np.float64) / self.batches_per_epoch

    # ------------------------------------------------------------------ batches and epochs
    def add_batches(self, steps: np.ndarray, losses: np.ndarray, learning_rate: float | None) -> None:
        """Losses of consecutive optimiser steps; the smoothed curve follows them."""
        if len(steps) == 0:
            return
        losses = np.asarray(losses, np.float64)
        smooth = np.empty_like(losses)
        for start in range(0, len(losses), EMA_BLOCK):
            smooth[start:start + EMA_BLOCK] = self._smooth(losses[start:start + EMA_BLOCK])
        x = self.x_of_step(steps)
        self.batch_x.extend(x)
        self.batch_loss.extend(losses)
        self.batch_smooth.extend(smooth)
        if learning_rate is not None:
            self.lr_x.extend(x[-1:])
            self.lr.extend([learning_rate])
        self.versions["batches"] += 1

    def _smooth(self, values: np.ndarray) -> np.ndarray:
        """The debiased exponential average after each of ``values``, vectorised:
        ema_k = w^k ema_0 + (1 - w) sum_{j<=k} w^(k - j) x_j."""
        if not np.isfinite(values).all():  # rare (a NaN loss stops training): skip them one by one
            return self._smooth_loop(values)
        w = self._ema_weight
        k = np.arange(1, len(values) + 1, dtype=np.float64)
        ema = self._ema * w ** k + (1 - w) * np.cumsum(values * w ** -k) * w ** k
        counts = self._ema_count + k
        self._ema, self._ema_count = float(ema[-1]), int(counts[-1])
        return ema / (1 - w ** counts)

    def _smooth_loop(self, values: np.ndarray) -> np.ndarray:
        out = np.empty_like(values)
        w, ema, count = self._ema_weight, self._ema, self._ema_count
        for i, value in enumerate(values):
            if np.isfinite(value):
                ema = w * ema + (1 - w) * value
                count += 1
            out[i] = ema / (1 - w ** count) if count else np.nan
        self._ema, self._ema_count = ema, count
        return out

    def add_epoch(self, row: dict[str, float], best_epoch: int | None = None,
                  confusion: np.ndarray | None = None) -> None:
        self.rows = [r for r in self.rows if r.get("epoch") != row.get("epoch")] + [dict(row)]
        if best_epoch is not None:
            self.best_epoch = best_epoch
        if confusion is not None:
            self.confusion = np.asarray(confusion)
        self.versions["epochs"] += 1

    def column(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of one metrics.csv column over the epochs that have it."""
        pairs = [(r["epoch"], r[name]) for r in self.rows if r.get(name) is not None]
        if not pairs:
            return np.zeros(0), np.zeros(0)
        data = np.asarray(pairs, np.float64)
        return data[:, 0], data[:, 1]

    def head_names(self) -> list[str]:
        """The Outputs with a loss of their own (``train_loss_<id>``/``val_loss_<id>`` columns,
        written when the network has several Outputs), in the order the rows name them."""
        names: list[str] = []
        for row in self.rows:
            for key in row:
                for prefix in ("train_loss_", "val_loss_"):
                    if key.startswith(prefix) and key[len(prefix):] and key[len(prefix):] not in names:
                        names.append(key[len(prefix):])
        return names

    def metric_names(self) -> list[str]:
        """Metric names (``accuracy``, ``rmse``...) present as train_/val_ columns, in order;
        only registered metrics (``core.train.metric_specs``: not ``train_samples_per_second``)."""
        from core.train.metric_specs import METRICS

        names: list[str] = []
        for row in self.rows[:1]:
            for key in row:
                for prefix in ("val_", "train_"):
                    base = key[len(prefix):]
                    if key.startswith(prefix) and base in METRICS and base not in names:
                        names.append(base)
        return names

    # ------------------------------------------------------------------ probes
    def add_snapshot(self, snapshot: Any) -> None:
        """File a probe's snapshot under its probe's ``part`` (``core.train.probes.PROBES``):
        through ``_add_<part>`` when the part keeps a series, else as the latest one."""
        spec = spec_of(snapshot)
        if spec is None:
            return
        add = getattr(self, f"_add_{spec.part}", None)
        if add is not None:
            add(snapshot)
            return
        setattr(self, spec.part, snapshot)
        self.versions[spec.part] += 1

    def _add_activations(self, snapshot) -> None:
        x = float(self.x_of_step(snapshot.step))
        for layer in snapshot.layers:
            series = self.layers.get(layer.node_id)
            if series is None:
                series = self.layers[layer.node_id] = LayerSeries(layer.node_id, layer.layer_type,
                                                                  tuple(layer.shape))
            series.x.extend([x])
            series.quantiles.extend(np.asarray(layer.quantiles, np.float64)[:QUANTILES])
            series.mean.extend([layer.mean])
            series.std.extend([layer.std])
            series.dead.extend([np.nan if layer.dead_fraction is None else layer.dead_fraction])
        self.activations = snapshot
        self.versions["activations"] += 1

    def _add_norms(self, snapshot) -> None:
        layers = list(snapshot.layers)
        if layers != self.norm_layers or self.weight_norm is None:
            self.norm_layers = layers
            self.norm_x = Growable()
            self.weight_norm = Growable(len(layers))
            self.grad_norm = Growable(len(layers))
        self.norm_x.extend([float(self.x_of_step(snapshot.step))])
        self.weight_norm.extend(np.asarray(snapshot.weight_norm, np.float64))
        self.grad_norm.extend(np.asarray(snapshot.grad_norm, np.float64))
        self.versions["norms"] += 1

    # ------------------------------------------------------------------ progress
    def set_progress(self, **values: Any) -> None:
        self.progress.update(values)
        self.versions["progress"] += 1
