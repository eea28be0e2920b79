"""Sanity experiments with a verdict: quick, real trainings that answer one question each.

- ``lr_range`` (:mod:`.lr_range`): which learning rate? The rate grows exponentially over a
  few hundred steps; the loss-vs-rate curve and a suggested rate with the reason.
- ``overfit`` (:mod:`.overfit`): can the network learn at all? It must memorise 32
  samples; if it cannot, the problem is in the design or the loss, not the data.
- ``data_size`` (:mod:`.data_size`): more data or a bigger network? Training on 10%, 30%
  and 100% of the training rows with the same settings.

Each returns a :class:`~core.diagnose.base.Diagnosis` (a verdict sentence, its curves as
numbers, pass/warn) and is an entry of :data:`DIAGNOSES`, which the CLI
(``layerforge diagnose``) and the designer (Train ▸ Diagnose…) list. Every experiment
trains with LayerForge's own trainer on the project's own data, without a run folder.
"""

from __future__ import annotations

from core.diagnose.base import DIAGNOSES, Diagnosis, DiagnosisSpec, run_all
from core.diagnose import lr_range, overfit, data_size  # noqa: F401,E402,I001 - the order they run in

__all__ = ["DIAGNOSES", "Diagnosis", "DiagnosisSpec", "run_all"]
