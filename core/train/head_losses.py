"""The training loss of a network with one or several heads (Output nodes).

Each head has an :class:`~core.train.objective.Objective` (its task, loss and targets);
the total loss is the sum of the heads' losses, each multiplied by its weight. The
*primary* head's objective is the run's: its predictions make the metrics, ``predict``
and the exports (see :mod:`core.heads`).

One head (every project made before several heads existed) keeps the fast path: the
split's targets are converted for the loss once, and the loss is called as before.
With several heads the batches carry the targets as the metrics read them (class
indices or values) and each head converts its batch on the device.

A GAN's two heads (targets ``generator`` and ``discriminator``) are not summed: the trainer
alternates their updates (:mod:`core.train.adversarial`), and its per-epoch columns are the
two losses (``loss_<output id>``) and the discriminator's mean output on real and generated
batches and the generated samples' diversity (:data:`ADVERSARIAL_COLUMNS`).

Layers may add a term of their own (a VAE's Sample adds the KL divergence): such a layer
has ``collect`` and ``aux_loss`` attributes (:func:`aux_loss_layers`); the trainer turns
``collect`` on, the term joins the total and gets its own ``loss_<node id>`` column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from core.data.dataset import RECONSTRUCTION, DataInfo
from core.heads import DISCRIMINATOR, GENERATOR, Head, head_metric_name, is_adversarial, primary_head
from core.train.losses import resolve
from core.train.objective import Objective
from core.train.spec import TrainSpec

#: A GAN's columns beyond its two losses: D(x), D(G(z)) (mean sigmoid of the discriminator on
#: real and generated batches) and the mean distance between generated samples.
ADVERSARIAL_COLUMNS = ("d_real", "d_fake", "diversity")


@dataclass
class HeadObjectives:
    """The heads of a run, in the module's output order, and which one is primary."""

    heads: list[Head]
    objectives: list[Objective]
    primary: int
    #: Node ids of the layers that add a loss term of their own (set by the trainer).
    aux: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, heads: list[Head] | None, info: DataInfo, spec: TrainSpec,
               preprocessing: dict[str, Any] | None = None) -> "HeadObjectives":
        base = Objective.create(info, spec, preprocessing)
        heads = list(heads or [Head("output")])
        main = primary_head(heads)
        objectives = [_objective(head, head == main, base, info) for head in heads]
        return cls(heads, objectives, heads.index(main))

    @property
    def single(self) -> bool:
        return len(self.heads) == 1

    @property
    def objective(self) -> Objective:
        """The primary head's objective: the run's task, loss and predictions."""
        return self.objectives[self.primary]

    @property
    def adversarial(self) -> bool:
        """A GAN: a generator and a discriminator head, trained by alternating updates."""
        return is_adversarial(self.heads)

    def adversarial_head(self, target: str) -> Head:
        """The GAN's ``generator`` or ``discriminator`` head."""
        return next(h for h in self.heads if h.target == target)

    @property
    def head_names(self) -> list[str]:
        """The metrics.csv names of the heads' own losses (none with one head), then of the
        layers' own loss terms; a GAN's: its generator's and discriminator's losses, then
        :data:`ADVERSARIAL_COLUMNS`."""
        if self.adversarial:
            return [head_metric_name(self.adversarial_head(GENERATOR)),
                    head_metric_name(self.adversarial_head(DISCRIMINATOR)), *ADVERSARIAL_COLUMNS]
        names = [] if self.single else [head_metric_name(h) for h in self.heads]
        return names + [f"loss_{node_id}" for node_id in self.aux]

    def batch_targets(self, y):
        """What the batches carry as ``y`` for a split's targets (a CPU tensor, or None)."""
        if self.adversarial:  # a GAN learns from the images; a conditional one from their classes too
            return class_indices(y)
        if self.single:
            return self.objective.loss_targets(y)
        if all(h.reconstructs for h in self.heads):
            return None
        return self.objective.metric_targets(y)

    def loss(self, aux_layers: list[Any] = ()) -> "TotalLoss":
        """The training loss; ``aux_layers`` (in :attr:`aux`'s order) add their own terms."""
        modules = [objective.loss_module() for objective in self.objectives]
        return TotalLoss(self, modules, list(aux_layers))

    def accumulator(self, size: int, device):
        if self.adversarial:  # the loss (both losses' sum) and the columns only: no predictions
            from core.train.metrics import Accumulator

            return Accumulator("input", size, device, heads=self.head_names)
        return self.objective.accumulator(size, device, heads=self.head_names)


def _objective(head: Head, is_primary: bool, base: Objective, info: DataInfo) -> Objective:
    """A head's objective: the run's for the primary head with the automatic loss."""
    if head.reconstructs:
        loss = resolve(head.loss, RECONSTRUCTION, 0)
        return Objective(RECONSTRUCTION, loss, 0, tuple(info.input_shape),
                         huber_delta=base.huber_delta,
                         reconstruction_errors=is_primary and base.reconstruction_errors)
    if head.loss == "auto":
        return base
    loss = resolve(head.loss, info.task, info.num_classes)
    return replace(base, loss_name=loss, output_shape=tuple(info.target_shape(loss)))


def aux_loss_layers(module) -> list[tuple[str, Any]]:
    """(node id, layer) of each layer of ``module`` that adds a loss term of its own."""
    return [(name, layer) for name, layer in module.named_modules()
            if name and hasattr(layer, "aux_loss") and hasattr(layer, "collect")]


class TotalLoss:
    """``loss(out, x, y)``: the weighted sum of the heads' losses plus the layers' own terms;
    ``parts`` keeps each one (None with one head and no such layer: the fast path).

    ``prediction(out)`` is the primary head's output (what the metrics read).
    """

    def __init__(self, heads: HeadObjectives, modules: list[Any], aux: list[Any] = ()):
        self.one_head = heads.single
        self.aux = list(aux)
        self.single = self.one_head and not self.aux
        self.primary = heads.primary
        self.parts = None
        self._heads = [(module, objective, head.weight, objective.task == RECONSTRUCTION)
                       for module, objective, head in zip(modules, heads.objectives, heads.heads)]
        self._one, _objective, _weight, self._one_reconstructs = self._heads[0]

    def __call__(self, out, x, y):
        if self.single:
            return self._one(out, x if self._one_reconstructs else y)
        import torch

        if self.one_head:  # the batches carry the loss's own targets, the weight is 1
            total = self._one(out, x if self._one_reconstructs else y)
            parts = []
        else:
            total, parts = None, []
            for value, (module, objective, weight, reconstructs) in zip(out, self._heads):
                part = module(value, x if reconstructs else objective.batch_targets(y))
                parts.append(part.detach().float())
                total = part * weight if total is None else total + part * weight
        for layer in self.aux:
            term = layer.aux_loss
            if term is None:
                term = total.new_zeros(())
            total = total + term.to(total.dtype)
            parts.append(term.detach().float())
        self.parts = torch.stack(parts)
        return total

    def prediction(self, out):
        return out if self.one_head else out[self.primary]


def class_indices(y):
    """A split's class labels as an int64 tensor (what a conditional GAN's label Input reads);
    None when the data has no class labels (or the labels are values, not classes)."""
    import numpy as np
    import torch

    if y is None:
        return None
    labels = np.asarray(y)
    if labels.dtype.kind not in "iu" or labels.ndim != 1:
        return None
    return torch.from_numpy(labels.astype(np.int64, copy=False))
