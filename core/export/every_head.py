"""A trained run as one model returning every head: what an "all heads" export holds.

:func:`every_head` gives a :class:`~core.train.load.TrainedModel` whose ``module`` is the
whole network and whose :meth:`inference_module` returns a tuple, one tensor per Output in
graph order (:mod:`core.export.heads`). Each output is what a person reads from that head:

* the primary head: exactly what the primary-only export gives (class probabilities,
  values in the target's units);
* another head that learns the data: the same post-processing, with its own loss's activation;
* a head that reconstructs the input: in the input's own units (the input scaling undone,
  as the Reconstructions view shows it), since the export takes unscaled inputs.
"""

from __future__ import annotations

import torch
from torch import nn

from core.errors import ExportError
from core.heads import heads_of
from core.train.head_losses import HeadObjectives
from core.train.inference import InferenceModule
from core.train.load import TrainedModel


class EveryHeadModel(TrainedModel):
    """``module`` is the whole network; :meth:`inference_module` returns every head."""

    exports_every_head = True  # read by core.export.heads.is_every_head

    def inference_module(self, raw_input: bool = True):
        return EveryHead(self, raw_input).eval()


def every_head(trained: TrainedModel) -> TrainedModel:
    """``trained`` as an every-head model; ``trained`` itself when it has one head (its
    export is the same). One :class:`ExportError` sentence when it cannot be."""
    from core.subnetworks import is_adversarial_graph

    graph = trained.project.graph
    if is_adversarial_graph(graph):
        raise ExportError(f"{trained.run_dir.name} is a GAN: export one of its parts with --part,"
                          " not --heads all")
    if len(heads_of(graph)) < 2:
        return trained
    if trained.network is None:
        raise ExportError(f"{trained.run_dir.name} holds only the primary head's weights: export"
                          " every head from the training run's folder")
    return EveryHeadModel(trained.network, trained.preprocessing, trained.info, trained.project,
                          trained.run, trained.run_dir, trained.spec)


class Unscale(nn.Module):
    """Model inputs (or reconstructions of them) back in the data's units: ``x * scale + mean``."""

    def __init__(self, mean: torch.Tensor, scale: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean.clone())
        self.register_buffer("scale", scale.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.mean


class EveryHead(nn.Module):
    """Input scaling, the whole network, then each head's own finish (module docstring)."""

    def __init__(self, trained: TrainedModel, raw_input: bool = True) -> None:
        super().__init__()
        heads = heads_of(trained.project.graph)
        objectives = HeadObjectives.create(heads, trained.info, trained.spec, trained.preprocessing)
        pre, task = trained.preprocessing, trained.info.task
        # the input scaling of InferenceModule, once in front of the whole network
        self.scaler = InferenceModule(nn.Identity(), pre, "none", task, raw_input=raw_input)
        unscale = InferenceModule(nn.Identity(), pre, "none", task, raw_input=True)
        self.net = trained.module
        finishes = []
        for i, (head, objective) in enumerate(zip(heads, objectives.objectives)):
            if i == objectives.primary:
                finish = InferenceModule(nn.Identity(), pre, trained.output_activation, task,
                                         raw_input=False)
            else:
                finish = InferenceModule(nn.Identity(), pre, objective.output_activation,
                                         objective.task, raw_input=False)
                if head.reconstructs and unscale.scale_input:
                    finish = nn.Sequential(finish, Unscale(unscale.input_mean, unscale.input_scale))
            finishes.append(finish)
        self.finishes = nn.ModuleList(finishes)

    def forward(self, x: torch.Tensor):
        outputs = self.net(self.scaler(x))
        return tuple(finish(out) for finish, out in zip(self.finishes, outputs))
