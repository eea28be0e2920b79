"""The Explain window's work, run in a worker thread (no Qt here; torch only in these calls).

Each function takes ``progress(fraction, message)`` and ``cancel()`` (what
:class:`designer.data.tasks.BackgroundTask` hands over) and returns plain objects; the
trained network travels back to the GUI thread inside :class:`OpenRun` only to be handed
to the next job, never to be run there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.explain.facts import ModelFacts


@dataclass
class OpenRun:
    """A run ready to explain: its network, samples and what it predicts for them."""

    run_dir: Path
    trained: object  # core.train.load.TrainedModel
    facts: ModelFacts
    samples: object  # core.explain.samples.SampleSet
    predictions: object  # core.explain.samples.Predictions
    notes: list[str] = field(default_factory=list)


def open_run(run_dir: Path, progress, cancel) -> OpenRun:
    """Load the run and its validation samples, and predict them all."""
    from core.explain.facts import facts_from
    from core.explain.samples import predict, validation_samples
    from core.export.source import open_run as open_trained

    progress(0.0, f"Opening {run_dir.name}…")
    trained = open_trained(run_dir)
    progress(0.1, "Reading the validation data…")
    samples = validation_samples(trained, lambda f, m: progress(0.1 + 0.7 * f, m), cancel)
    progress(0.85, "Predicting the validation samples…")
    return OpenRun(run_dir, trained, facts_from(trained.run, trained.preprocessing), samples,
                   predict(trained, samples.x))


def open_file(opened: OpenRun, path: Path, progress, cancel) -> OpenRun:
    """The same run with the samples of a new CSV file, image folder or image instead."""
    from core.explain.samples import file_samples, predict

    progress(0.1, f"Reading {path.name}…")
    notes: list[str] = []
    samples = file_samples(opened.trained, path, notes)
    progress(0.7, "Predicting…")
    return OpenRun(opened.run_dir, opened.trained, opened.facts, samples,
                   predict(opened.trained, samples.x), notes)


def explain_rows(opened: OpenRun, rows: list[int], method: str, layer: str | None,
                 target: int | None, progress, cancel, options: dict | None = None):
    """An :class:`~core.explain.base.Explanation` of ``rows`` of the open samples
    (``options``: the method's, e.g. integrated gradients' ``steps``)."""
    from core.explain.compute import explain

    return explain(opened.trained, opened.samples.take(rows), method, layer=layer, target=target,
                   options=options, progress=progress, cancel=cancel, chunk=4)


def rank_columns(opened: OpenRun, progress, cancel):
    """The global column ranking over the open samples (the validation split)."""
    from core.explain.ranking import column_ranking

    return column_ranking(opened.trained, opened.samples, progress=progress, cancel=cancel)


def error_samples(run_dir: Path, per_group: int, progress, cancel):
    """Every validation sample's prediction, for the Results view's errors-first gallery.

    Returns a ``core.train.probes.report.SamplePredictions`` holding, to bound memory, only
    the samples a filter can show: classification keeps the ``per_group`` most confident
    samples of each confusion-matrix cell, regression the ``per_group`` largest errors.
    """
    import numpy as np

    from core.explain.errors import confusion_cell, largest_errors
    from core.train.probes.report import SamplePredictions

    opened = open_run(Path(run_dir), progress, cancel)
    samples, predictions = opened.samples, opened.predictions
    if samples.truth is None:
        from core.explain.base import ExplainError

        raise ExplainError("the run's validation samples have no targets to compare with")
    if predictions.task == "classification":
        k = predictions.probabilities.shape[1]
        keep = np.concatenate([confusion_cell(samples.truth, predictions.probabilities, t, p)[:per_group]
                               for t in range(k) for p in range(k)])
        keep = np.sort(keep)
        return SamplePredictions([samples.ids[i] for i in keep], samples.x[keep], samples.truth[keep],
                                 predictions.predicted[keep], predictions.probabilities[keep])
    keep = np.sort(largest_errors(samples.truth, predictions.values)[:per_group])
    return SamplePredictions([samples.ids[i] for i in keep], samples.x[keep], samples.truth[keep],
                             predictions.values[keep])
