"""Time-series windows from table rows: sample ``i`` is rows ``i .. i+window-1``.

The rows are put in time order first (``order_by``: dates, numbers or text), the split
is chronological (train, then validation, then test; never shuffled), and the target of
a window is the target column ``horizon`` rows after the window's last row.
"""

from __future__ import annotations

import numpy as np

from core.data.csv_read import RawTable


def order_rows(raw: RawTable, rows: np.ndarray, order_by: str | None, notes: list[str]) -> np.ndarray:
    """``rows`` sorted by the ``order_by`` column (stable; file order without one)."""
    if not order_by:
        return rows
    key = _sort_key(raw, order_by, notes)
    key = key[rows]
    if np.issubdtype(key.dtype, np.floating) and np.isnan(key).any():
        notes.append(f"{int(np.isnan(key).sum())} rows without a value in {order_by!r} sort last")
    order = np.argsort(key, kind="stable")
    if not np.array_equal(order, np.arange(len(order))):
        notes.append(f"rows sorted by {order_by!r}")
    return rows[order]


def _sort_key(raw: RawTable, name: str, notes: list[str]) -> np.ndarray:
    if name not in raw.text:
        return raw.values(name)
    column = raw.text[name]
    try:
        stamps = np.array(column.categories, dtype="datetime64[s]").astype(np.float64)
    except ValueError:
        numbers = column.numbers(raw.format.decimal)
        if not np.isnan(numbers).any():
            return np.append(numbers, np.nan)[column.codes]
        notes.append(f"{name!r} holds text that is not a date: rows sorted alphabetically by it")
        ranks = np.argsort(np.argsort(np.array(column.categories, dtype=object), kind="stable"))
        return np.append(ranks.astype(np.float64), np.nan)[column.codes]
    return np.append(stamps, np.nan)[column.codes]


def windows(series: np.ndarray, window: int, count: int) -> np.ndarray:
    """A read-only view ``(count, window, features)`` of overlapping windows of ``series``."""
    from numpy.lib.stride_tricks import sliding_window_view

    view = sliding_window_view(series, window, axis=0)  # (n - window + 1, features, window)
    return view.transpose(0, 2, 1)[:count]
