"""Turning table columns into the encoded feature vector, fitted on training rows only.

Numeric columns are copied as they are (missing and infinite cells get the fitted fill
value). Categorical columns with at most :data:`MAX_ONEHOT` categories become one 0/1
column per category (``colour=red``); more categories become one column of integer
codes (alphabetical order). A category never seen in training encodes as all zeros
(one-hot) or as the fill category (codes). The fitted encoder is a JSON-able dict in
``preprocessing["table"]``, so prediction encodes new files exactly the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.data.columns import CATEGORICAL, NUMERIC
from core.data.csv_read import RawTable

MAX_ONEHOT = 20
MISSING_POLICIES = ("drop", "mean", "most_frequent")


@dataclass
class EncodedColumn:
    """How one source column becomes one or more features."""

    name: str
    type: str  # NUMERIC or CATEGORICAL
    fill: float | str | None = None
    categories: list[str] | None = None

    @property
    def onehot(self) -> bool:
        return self.type == CATEGORICAL and len(self.categories or []) <= MAX_ONEHOT

    @property
    def width(self) -> int:
        return len(self.categories or []) if self.onehot else 1

    def feature_names(self) -> list[str]:
        if self.onehot:
            return [f"{self.name}={c}" for c in self.categories or []]
        return [self.name]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "type": self.type, "fill": self.fill}
        if self.type == CATEGORICAL:
            data["encoding"] = "onehot" if self.onehot else "code"
            data["categories"] = list(self.categories or [])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EncodedColumn":
        return cls(data["name"], data["type"], data.get("fill"), data.get("categories"))


class TableEncoder:
    """The fitted column encodings, in feature order."""

    def __init__(self, columns: list[EncodedColumn]):
        self.columns = columns
        self.offsets = np.cumsum([0] + [c.width for c in columns]).tolist()

    @property
    def width(self) -> int:
        return self.offsets[-1]

    @property
    def feature_names(self) -> list[str]:
        return [name for column in self.columns for name in column.feature_names()]

    def numeric_mask(self) -> np.ndarray:
        """True for features that are scaled (numbers and codes), False for one-hot columns."""
        mask = np.ones(self.width, bool)
        for column, start in zip(self.columns, self.offsets):
            if column.onehot:
                mask[start:start + column.width] = False
        return mask

    def to_list(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.columns]

    @classmethod
    def from_list(cls, data: list[dict[str, Any]]) -> "TableEncoder":
        return cls([EncodedColumn.from_dict(d) for d in data])

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit_categories(cls, raw: RawTable, kinds: dict[str, str], features: list[str],
                       train_rows: np.ndarray) -> "TableEncoder":
        """Categories and their fill (most frequent) from the training rows; numeric fills later."""
        columns = []
        for name in features:
            if kinds[name] != CATEGORICAL:
                columns.append(EncodedColumn(name, NUMERIC))
                continue
            text = raw.text[name]
            codes = text.codes[train_rows]
            counts = np.bincount(codes[codes >= 0], minlength=len(text.categories))
            present = [text.categories[i] for i in np.flatnonzero(counts)]
            fill = text.categories[int(np.argmax(counts))] if counts.sum() else None
            columns.append(EncodedColumn(name, CATEGORICAL, fill, sorted(present)))
        return cls(columns)

    def fit_numeric_fills(self, train: np.ndarray, policy: str) -> None:
        """Fill values of numeric columns from the (encoded, unscaled) training array."""
        flat = train.reshape(-1, train.shape[-1])
        for column, start in zip(self.columns, self.offsets):
            if column.type != NUMERIC:
                continue
            values = flat[:, start]
            values = values[np.isfinite(values)]
            if len(values) == 0:
                column.fill = 0.0
            elif policy == "most_frequent":
                uniques, counts = np.unique(values, return_counts=True)
                column.fill = float(uniques[np.argmax(counts)])
            else:
                column.fill = float(values.mean(dtype=np.float64))

    # ------------------------------------------------------------------ encoding
    def encode(self, raw: RawTable, parts: list[np.ndarray], release: bool = False) -> list[np.ndarray]:
        """One float32 array per index array in ``parts`` (rows of ``raw``, in that order).

        Numeric cells that are missing stay NaN (see :meth:`fill_missing`). With ``release``
        the table's float blocks are dropped as they are copied, to keep memory low.
        """
        outs = [np.zeros((len(p), self.width), np.float32) for p in parts]
        part_of = np.full(raw.n_rows, -1, np.int8)
        position = np.zeros(raw.n_rows, np.int64)
        for k, rows in enumerate(parts):
            part_of[rows] = k
            position[rows] = np.arange(len(rows))
        self._copy_blocks(raw, outs, part_of, position, release)
        for column, start in zip(self.columns, self.offsets):
            if column.type == NUMERIC and column.name in raw.float_names:
                continue
            if column.type == NUMERIC:
                values = raw.values(column.name)
                for out, rows in zip(outs, parts):
                    out[:, start] = values[rows]
            else:
                self._encode_categorical(raw, column, start, outs, parts)
        return outs

    def _copy_blocks(self, raw, outs, part_of, position, release) -> None:
        pairs = [(raw.float_names.index(c.name), start) for c, start in zip(self.columns, self.offsets)
                 if c.type == NUMERIC and c.name in raw.float_names]
        blocks = raw.blocks
        if release:
            raw.blocks = []  # ``blocks`` is emptied below, each block freed once copied
        if not pairs:
            if release:
                blocks.clear()
            return
        sources = np.array([p[0] for p in pairs])
        targets = np.array([p[1] for p in pairs])
        lo = int(targets[0])
        contiguous = (np.array_equal(sources, np.arange(len(raw.float_names)))
                      and np.array_equal(targets, np.arange(lo, lo + len(targets))))
        first = 0
        for i in range(len(blocks)):
            block = blocks[i]
            if release:
                blocks[i] = None
            here = part_of[first:first + len(block)]
            for k, out in enumerate(outs):
                selected = np.flatnonzero(here == k)
                if not len(selected):
                    continue
                where = position[first + selected]
                if contiguous:
                    out[where, lo:lo + len(targets)] = block[selected]
                else:
                    out[np.ix_(where, targets)] = block[np.ix_(selected, sources)]
            first += len(block)
            del block

    def _encode_categorical(self, raw, column: EncodedColumn, start: int, outs, parts) -> None:
        text = raw.text[column.name]
        index = {c: i for i, c in enumerate(column.categories or [])}
        fill = index.get(column.fill, -1) if column.fill is not None else -1
        remap = np.array([index.get(c, -1) for c in text.categories] + [fill], np.int64)
        codes = remap[text.codes]  # raw -1 (missing) picks the fill
        for out, rows in zip(outs, parts):
            encoded = codes[rows]
            if column.onehot:
                known = np.flatnonzero(encoded >= 0)
                out[known, start + encoded[known]] = 1.0
            else:
                out[:, start] = np.where(encoded >= 0, encoded, max(fill, 0))

    def fill_missing(self, arrays: list[np.ndarray]) -> None:
        """Replace NaN and ±inf in numeric features by their fitted fill values, in place."""
        for column, start in zip(self.columns, self.offsets):
            if column.type != NUMERIC:
                continue
            for array in arrays:
                values = array[..., start]
                bad = ~np.isfinite(values)
                if bad.any():
                    values[bad] = column.fill


def missing_rows(raw: RawTable, features: list[str], kinds: dict[str, str]) -> np.ndarray:
    """True for rows with a missing (or infinite) cell in any feature column."""
    missing = np.zeros(raw.n_rows, bool)
    block_columns = [raw.float_names.index(f) for f in features if f in raw.float_names]
    if block_columns:
        for first, block in raw.iter_blocks():
            part = block[:, block_columns]
            missing[first:first + len(block)] |= ~np.isfinite(part).all(axis=1)
    for name in features:
        if name in raw.float_names:
            continue
        if kinds[name] == NUMERIC:
            missing |= ~np.isfinite(raw.values(name))
        else:
            missing |= raw.text[name].codes < 0
    return missing
