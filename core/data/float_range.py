"""Numbers that are finite but too large for float32, the precision the network computes in.

Numeric cells are parsed as float64 and stored as float32. A value such as ``1e308`` is
finite as float64 but becomes ``inf`` as float32, and so looked like a missing cell: a
column of them was silently left out as "every cell is missing". Such a value is now
refused with its column, row and value, for features and regression targets alike.

Why refuse rather than let the scaler bring the column into range: prediction and the
exported models take the **encoded, unscaled** float32 array (see
:mod:`core.data.predict`), and the scaling constants themselves are float32 there, so a
value beyond ±3.4e38 cannot reach a trained model intact whatever the training-time
scaling did. The person rescales the column once (other units) or leaves it out.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from core.errors import DataError

FLOAT32_MAX = float(np.finfo(np.float32).max)


class Overflow(NamedTuple):
    """Cells beyond float32's range in one column: how many, the first's row index and value."""

    count: int
    first: int
    value: float

    def plus(self, other: "Overflow | None") -> "Overflow":
        """This overflow and a later one (``other``) together: the first stays the first."""
        if other is None:
            return self
        return Overflow(self.count + other.count, self.first, self.value)


def find(values: np.ndarray, offset: int = 0) -> Overflow | None:
    """The finite float64 ``values`` whose magnitude float32 cannot hold (None if none).

    One NaN-ignoring maximum decides; only columns that do overflow pay for the details.
    """
    if not len(values) or not np.fmax.reduce(np.abs(values)) > FLOAT32_MAX:
        return None
    big = np.flatnonzero((np.abs(values) > FLOAT32_MAX) & np.isfinite(values))
    if not len(big):
        return None
    return Overflow(len(big), int(big[0]) + offset, float(values[big[0]]))


def store(values: np.ndarray, out: np.ndarray) -> None:
    """Write float64 ``values`` into the float32 ``out``; overflowing cells become ±inf there
    (the caller has their :func:`find` record), without numpy's overflow warning."""
    with np.errstate(over="ignore"):
        out[...] = values


def check(raw: Any, names: list[str], fix: str, role: str = "column") -> None:
    """Refuse the first of ``names`` (columns of a :class:`~core.data.csv_read.RawTable`)
    that holds a value beyond float32's range, naming its row and value; ``fix`` says what to do."""
    for name in names:
        over = raw.beyond_float32(name)
        if over is None:
            continue
        more = f" (and {over.count - 1:,} more rows)" if over.count > 1 else ""
        raise DataError(f"{raw.name} {role} {name!r} holds {over.value:g} in row"
                        f" {int(raw.row_number(over.first))}{more}, beyond the ±{FLOAT32_MAX:.2g}"
                        f" that the network's 32-bit numbers hold: {fix}")
