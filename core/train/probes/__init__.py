"""Probes: what the GUI shows live, computed in the training thread, delivered as numpy data.

A probe is a :class:`~core.train.callbacks.Callback`. Give it a ``sink`` (any callable;
the GUI worker's emits a queued Qt signal) and pass it to the trainer with the other
callbacks. Every snapshot is a small dataclass of numpy arrays and Python numbers
with a ``kind`` field:

========================  ==========================================  =========================
``kind``                  class                                       from
========================  ==========================================  =========================
``"activations"``         :class:`ActivationSnapshot`                 :class:`ActivationProbe`
``"norms"``               :class:`NormSnapshot`                       :class:`NormProbe`
``"decision_boundary"``   :class:`DecisionBoundary`                   :class:`DecisionBoundaryProbe`
``"final_report"``        :class:`FinalReport`                        :class:`FinalReportProbe`
========================  ==========================================  =========================

Rates: each live probe runs every ``every_batches`` optimiser steps and/or every
``every_seconds`` of training, whichever comes first, and once at the end of every
epoch when ``at_epoch_end`` is set. ``enabled`` can be switched from any thread. The
defaults of :func:`standard_probes` cost less than 5% of training throughput
(``tests/bench/bench_trainer.py`` measures it).
"""

from __future__ import annotations

from core.train.probes.activations import ActivationProbe, ActivationSnapshot, LayerActivation
from core.train.probes.base import Probe
from core.train.probes.boundary import DecisionBoundary, DecisionBoundaryProbe
from core.train.probes.norms import NormProbe, NormSnapshot
from core.train.probes.report import FinalReport, FinalReportProbe, SamplePredictions

__all__ = ["ActivationProbe", "ActivationSnapshot", "DecisionBoundary", "DecisionBoundaryProbe",
           "FinalReport", "FinalReportProbe", "LayerActivation", "NormProbe", "NormSnapshot",
           "Probe", "SamplePredictions", "standard_probes"]


def standard_probes(sink, info) -> list[Probe]:
    """Every probe that applies to this data, at its default rate, all sending to ``sink``.

    The decision boundary is included only for 2-D inputs with classes.
    """
    probes: list[Probe] = [ActivationProbe(sink), NormProbe(sink), FinalReportProbe(sink)]
    if DecisionBoundaryProbe.applies(info):
        probes.insert(2, DecisionBoundaryProbe(sink))
    return probes
