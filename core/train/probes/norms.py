"""Per-layer weight and gradient norms, so vanishing or exploding gradients are visible."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.train.probes.base import Probe, Sink
from core.train.probes.registry import PROBES, ProbeSpec


@dataclass
class NormSnapshot:
    kind: str
    epoch: int
    batch: int | None
    step: int
    layers: list[str]  # node ids that have weights, in network order
    weight_norm: np.ndarray  # float64 (L,): L2 norm of all the layer's parameters
    grad_norm: np.ndarray  # float64 (L,): L2 norm of their gradients of the last step; NaN if none


class NormProbe(Probe):
    """L2 norms of each layer's weights and of their last gradients (one device transfer)."""

    def __init__(self, sink: Sink, *, every_batches: int | None = None,
                 every_seconds: float | None = 0.25, at_epoch_end: bool = False):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self._groups: list[tuple[str, list]] = []

    def prepare(self, trainer) -> None:
        self._groups = [(name, list(sub.parameters()))
                        for name, sub in trainer.module.named_children()]
        self._groups = [(name, params) for name, params in self._groups if params]

    def compute(self, trainer, epoch, batch, step) -> NormSnapshot:
        import torch

        params = [p for _name, group in self._groups for p in group]
        grads = [p.grad if p.grad is not None else p.new_full((1,), float("nan"))
                 for p in params]
        with torch.no_grad():
            values = torch.stack(torch._foreach_norm([p.detach() for p in params])
                                 + torch._foreach_norm(grads)).double().cpu().numpy()
        n = len(params)
        weights, gradients = values[:n], values[n:]
        if trainer.scaler is not None and trainer.spec.gradient_clip is None:
            gradients = gradients / float(trainer.scaler.get_scale())
        names, weight_norm, grad_norm = [], [], []
        start = 0
        for name, group in self._groups:
            stop = start + len(group)
            names.append(name)
            weight_norm.append(np.sqrt(np.sum(weights[start:stop] ** 2)))
            grad_norm.append(np.sqrt(np.sum(gradients[start:stop] ** 2)))
            start = stop
        return NormSnapshot("norms", epoch, batch, step, names, np.array(weight_norm),
                            np.array(grad_norm))


PROBES.register(ProbeSpec(
    name="norms", title="Gradients",
    doc="Each layer's weight norm and the norm of its last gradient: vanishing or exploding gradients.",
    make=NormProbe, snapshot=NormSnapshot, views=("norms",), part="norms"))
