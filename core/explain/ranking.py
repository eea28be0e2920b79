"""Which columns matter overall: mean |attribution| per CSV column over the validation split.

Each sample is explained for its own predicted class, so a column that decides between
any two classes ranks high; columns are named as in the CSV (one-hot features and a text
column's tokens summed into their column first).
"""

from __future__ import annotations

import numpy as np

from core.explain.base import IMAGE, ColumnRanking, ExplainError

#: Samples the ranking averages over at most (evenly spread over the split).
MAX_SAMPLES = 1000


def column_ranking(trained, samples, method: str = "integrated_gradients", *,
                   max_samples: int = MAX_SAMPLES, progress=None, cancel=None) -> ColumnRanking:
    """The columns of a table run, largest mean |attribution| over ``samples`` first."""
    from core.explain.compute import explain
    from core.explain.facts import facts_from

    if facts_from(trained.run, trained.preprocessing).kind == IMAGE:
        raise ExplainError("a column ranking is for tables: this run takes images, whose"
                           " attributions are shown as heat maps")
    if not len(samples):
        raise ExplainError("there are no samples to rank the columns over")
    rows = np.unique(np.linspace(0, len(samples) - 1, min(max_samples, len(samples))).astype(np.int64))
    result = explain(trained, samples.take(rows), method, progress=progress, cancel=cancel)
    mean_abs = np.abs(np.asarray(result.column_values, np.float64)).mean(0)
    order = np.argsort(-mean_abs, kind="stable")
    return ColumnRanking(result.method, [result.columns[i] for i in order], mean_abs[order],
                         len(rows), samples.source)
