"""Why did the network decide that? Attributions of a trained run's predictions (no Qt).

::

    from core.explain import explain, validation_samples, file_samples, column_ranking
    from core.train import load_trained_model

    trained = load_trained_model(run_dir)
    samples = validation_samples(trained)            # or file_samples(trained, "new.csv")
    result = explain(trained, samples.take(range(8)), "integrated_gradients")
    result.heatmaps / result.column_values / result.texts

The methods (saliency, integrated gradients, SmoothGrad, Grad-CAM) are a registry,
:data:`METHODS` (:mod:`core.explain.registry`); they are computed with Captum, in the
calling thread (the designer's worker, the CLI). :mod:`core.explain.errors` lists the
samples the network gets wrong, most confident first. Importing this package imports
neither torch nor Captum.
"""

from __future__ import annotations

from core.explain.base import (IMAGE, SEQUENCE, TABLE, ColumnRanking, ExplainError, Explanation,
                               SpatialLayer, TextAttribution)
from core.explain.facts import ModelFacts, facts_from, run_facts
from core.explain.registry import METHODS, ExplainMethod, cli_names, method

__all__ = ["IMAGE", "SEQUENCE", "TABLE", "ColumnRanking", "ExplainError", "ExplainMethod", "Explanation",
           "METHODS", "ModelFacts", "SpatialLayer", "TextAttribution", "cli_names", "column_ranking",
           "explain", "facts_from", "file_samples", "method", "open_run", "run_facts",
           "validation_samples"]


def __getattr__(name: str):
    """The parts that need torch or the data loaders are imported on first use."""
    if name == "explain":
        from core.explain.compute import explain

        return explain
    if name in ("validation_samples", "file_samples", "predict"):
        from core.explain import samples

        return getattr(samples, name)
    if name == "column_ranking":
        from core.explain.ranking import column_ranking

        return column_ranking
    if name == "open_run":
        from core.export.source import open_run

        return open_run
    raise AttributeError(f"module 'core.explain' has no attribute {name!r}")
