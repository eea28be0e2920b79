"""Probes: what the GUI shows live, computed in the training thread, delivered as numpy data.

A probe is a :class:`~core.train.callbacks.Callback`. Give it a ``sink`` (any callable;
the GUI worker's emits a queued Qt signal) and pass it to the trainer with the other
callbacks. Every snapshot is a small dataclass of numpy arrays and Python numbers
with a ``kind`` field, the name of its probe in the registry :data:`PROBES`
(:mod:`core.train.probes.registry`):

========================  ==========================================  =========================
``kind``                  class                                       from
========================  ==========================================  =========================
``"activations"``         :class:`ActivationSnapshot`                 :class:`ActivationProbe`
``"norms"``               :class:`NormSnapshot`                       :class:`NormProbe`
``"decision_boundary"``   :class:`DecisionBoundary`                   :class:`DecisionBoundaryProbe`
``"neuron_maps"``         :class:`NeuronMaps`                         :class:`NeuronMapProbe`
``"embedding_map"``       :class:`EmbeddingMap`                       :class:`EmbeddingMapProbe`
``"attention"``           :class:`AttentionSnapshot`                  :class:`AttentionProbe`
``"gan_samples"``         :class:`GanSamples`                         :class:`GanSamplesProbe`
``"reconstructions"``     :class:`Reconstructions`                    :class:`ReconstructionProbe`
``"latent_space"``        :class:`LatentSpace`                        :class:`LatentProbe`
``"vae_samples"``         :class:`VaeSamples`                         :class:`VaeSamplesProbe`
``"final_report"``        :class:`FinalReport`                        :class:`FinalReportProbe`
========================  ==========================================  =========================

Rates: each live probe runs every ``every_batches`` optimiser steps and/or every
``every_seconds`` of training, whichever comes first, and once at the end of every
epoch when ``at_epoch_end`` is set. ``enabled`` can be switched from any thread. The
defaults of :func:`standard_probes` cost less than 5% of training throughput
(``tests/bench/bench_trainer.py`` measures it).
"""

from __future__ import annotations

# Registration order is the order of the designer's tabs: activations, norms, boundary,
# neurons, embeddings, attention, GAN samples, reconstructions, latent space, VAE samples,
# report.
from core.train.probes.activations import ActivationProbe, ActivationSnapshot, LayerActivation
from core.train.probes.norms import NormProbe, NormSnapshot  # noqa: I001
from core.train.probes.boundary import DecisionBoundary, DecisionBoundaryProbe
from core.train.probes.neurons import NeuronMapProbe, NeuronMaps  # noqa: F401 (registers it)
from core.train.probes.embedding_map import EmbeddingMap, EmbeddingMapProbe
from core.train.probes.attention import AttentionProbe, AttentionSnapshot, LayerAttention
from core.train.probes.gan_samples import GanSamples, GanSamplesProbe  # noqa: F401 (registers it)
from core.train.probes.reconstruction import Reconstructions, ReconstructionProbe  # noqa: F401
from core.train.probes.latent import LatentProbe, LatentSpace  # noqa: F401 (registers it)
from core.train.probes.vae_samples import VaeSamples, VaeSamplesProbe  # noqa: F401 (registers it)
from core.train.probes.report import FinalReport, FinalReportProbe, SamplePredictions
from core.train.probes.base import Probe
from core.train.probes.registry import PROBES, ProbeSpec, probes_for

__all__ = ["PROBES", "ActivationProbe", "ActivationSnapshot", "AttentionProbe", "AttentionSnapshot",
           "DecisionBoundary", "DecisionBoundaryProbe", "EmbeddingMap", "EmbeddingMapProbe",
           "FinalReport", "FinalReportProbe", "LayerActivation", "LayerAttention",
           "NormProbe", "NormSnapshot", "Probe", "ProbeSpec", "SamplePredictions", "probes_for",
           "standard_probes"]


def standard_probes(sink, info) -> list[Probe]:
    """Every registered probe that applies to this data, at its default rate, all sending to
    ``sink`` (the decision boundary, for instance, only for 2-D inputs with classes)."""
    return [spec.make(sink) for spec in probes_for(info)]
