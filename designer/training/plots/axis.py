"""A value axis whose log-scale labels never overlap.

pyqtgraph labels a log axis at 1..9 × 10^k and thins the labels by how much of the whole
axis their text fills; within one decade 0.04 … 0.09 then sit on top of each other (log
spacing crowds them at the decade's end). :class:`ReadableAxis` keeps a tick only where
its label is at least a text line from the labels kept before it, trying the round
digits first (1, then 5, 2, 3, ...). When that leaves fewer than two labels (a loss that
moves within 0.61 … 0.70), it labels round linear values instead (0.62, 0.64, ...).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

#: The leading digits of log ticks, in the order they are given a label.
DIGIT_ORDER = (1, 5, 2, 3, 4, 6, 7, 8, 9)
#: Labels are at least this many text lines apart.
LINE_GAP = 1.4


class ReadableAxis(pg.AxisItem):
    """A left/bottom axis; in log mode its ticks are spaced for their labels to be read."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal or size <= 0:
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        gap = LINE_GAP * self._text_extent() * (maxVal - minVal) / size  # in log10 units
        # a label centred closer than half a line to the end would stick out: pyqtgraph drops it
        low, high = minVal + gap / 2, maxVal - gap / 2
        kept = spaced_log_ticks(low, high, gap) if low < high else []
        if len(kept) < 2:
            kept = linear_ticks_in_log(low, high, gap) if low < high else [(minVal + maxVal) / 2]
        return [(None, kept)]

    def logTickStrings(self, values, scale, spacing):
        return short_labels([10.0 ** v * scale for v in values])

    def _text_extent(self) -> float:
        """The size of one label along the axis (its height on a vertical axis)."""
        metrics = QFontMetricsF(self.style.get("tickFont") or self.font())
        return metrics.height() if self.orientation in ("left", "right") else metrics.horizontalAdvance("0.000")


def spaced_log_ticks(low: float, high: float, gap: float) -> list[float]:
    """log10 positions of d × 10^k in ``[low, high]``, at least ``gap`` apart, round digits first."""
    kept: list[float] = []
    for digit in DIGIT_ORDER:
        for power in range(math.floor(low), math.ceil(high) + 1):
            value = power + math.log10(digit)
            if low <= value <= high and all(abs(value - other) >= gap for other in kept):
                kept.append(value)
    return sorted(kept)


def linear_ticks_in_log(low: float, high: float, gap: float) -> list[float]:
    """log10 positions of round linear values (1, 2 or 5 × 10^k steps) in a narrow log range."""
    lo, hi = 10.0 ** low, 10.0 ** high
    finest = 10.0 ** (math.floor(math.log10(hi)) - 3)  # 4 significant digits tell them apart
    for count in (5, 4, 3, 2):
        step = _nice_step((hi - lo) / count)
        if step < finest:
            continue
        values = np.arange(math.ceil(lo / step) * step, hi + step * 1e-9, step)
        positions = [math.log10(v) for v in values if v > 0]
        if len(positions) >= 2 and min(np.diff(positions)) >= gap:
            return positions
    return [(low + high) / 2]  # too narrow for two labels (a constant learning rate): one


def _nice_step(raw: float) -> float:
    power = 10.0 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def short_labels(values: list[float]) -> list[str]:
    """The fewest significant digits (up to 4) that tell the values apart: 0.04, 0.62, 40, 1e-05."""
    for digits in range(1, 5):
        labels = [_number(v, digits) for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return labels


def _number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, written out (40, 0.0001) unless very large or small."""
    rounded = float(f"{value:.{digits}g}")
    plain = rounded == 0 or 1e-4 <= abs(rounded) < 1e5
    return f"{rounded:.12g}" if plain else f"{rounded:.{digits}g}"
