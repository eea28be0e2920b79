"""Turning table columns into the encoded feature vector, fitted on training rows only.

Numeric columns are copied as they are (missing and infinite cells get the fitted fill
value). Categorical columns with at most :data:`~core.data.encoder.MAX_ONEHOT`
categories become one 0/1 column per category (``colour=red``); more categories become
one column of integer codes (alphabetical order). A category never seen in training
encodes as all zeros (one-hot) or as the fill category (codes). Text columns become
``max_length`` token ids from a tokenizer trained on the training rows
(:mod:`core.data.text`); each distinct text is tokenized once. The fitted encoder is a
JSON-able dict in ``preprocessing["table"]``, so prediction encodes new files exactly the
same way.

The rules themselves (width, categories, fill values) live in :mod:`core.data.encoder`,
which the standalone-code export copies; this module fits them and applies them to a
pyarrow-read :class:`RawTable` in place, a block of rows at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.data import encoder
from core.data.columns import CATEGORICAL, NUMERIC, TEXT
from core.data.csv_read import RawTable, TextColumn

_CHUNK = 1 << 15
MISSING_POLICIES = ("drop", "mean", "most_frequent")


@dataclass
class EncodedColumn:
    """How one source column becomes one or more features."""

    name: str
    type: str  # NUMERIC, CATEGORICAL or TEXT
    fill: float | str | None = None
    categories: list[str] | None = None
    #: A text column's whole preprocessing.json entry (tokenizer JSON, max_length, ...).
    text: dict[str, Any] | None = None
    #: A text column's token ids per distinct text of ``source`` (+ an all-padding row) and
    #: full token counts, kept from fitting or the last encode (not saved).
    tokens: np.ndarray | None = field(default=None, repr=False)
    lengths: np.ndarray | None = field(default=None, repr=False)
    source: TextColumn | None = field(default=None, repr=False)

    @property
    def onehot(self) -> bool:
        return encoder.is_onehot({"type": self.type, "categories": self.categories})

    @property
    def width(self) -> int:
        if self.type == TEXT:
            return encoder.width(self.text or {})
        return len(self.categories or []) if self.onehot else 1

    def feature_names(self) -> list[str]:
        if self.type == TEXT:
            return encoder.feature_names([self.text or {}])
        if self.onehot:
            return [f"{self.name}={c}" for c in self.categories or []]
        return [self.name]

    def to_dict(self) -> dict[str, Any]:
        if self.type == TEXT:
            return dict(self.text or {}, name=self.name, type=TEXT, fill=None)
        data: dict[str, Any] = {"name": self.name, "type": self.type, "fill": self.fill}
        if self.type == CATEGORICAL:
            data["encoding"] = "onehot" if self.onehot else "code"
            data["categories"] = list(self.categories or [])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EncodedColumn":
        if data.get("type") == TEXT:
            return cls(data["name"], TEXT, None, None, dict(data))
        return cls(data["name"], data["type"], data.get("fill"), data.get("categories"))


class TableEncoder:
    """The fitted column encodings, in feature order."""

    def __init__(self, columns: list[EncodedColumn]):
        self.columns = columns
        self.offsets = np.cumsum([0] + [c.width for c in columns]).tolist()
        #: Problems found while fitting that do not stop training (a one-word vocabulary).
        self.warnings: list[str] = []
        #: Text columns whose max_length was chosen from the training lengths.
        self.auto_length: set[str] = set()

    @property
    def width(self) -> int:
        return self.offsets[-1]

    @property
    def feature_names(self) -> list[str]:
        return [name for column in self.columns for name in column.feature_names()]

    def numeric_mask(self) -> np.ndarray:
        """True for features that are scaled (numbers and codes), False for one-hot columns
        and token ids."""
        mask = np.ones(self.width, bool)
        for column, start in zip(self.columns, self.offsets):
            if column.onehot or column.type == TEXT:
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
                       train_rows: np.ndarray, text_options=None) -> "TableEncoder":
        """Categories and their fill (most frequent) from the training rows, and the text
        columns' tokenizers (``text_options``: a :class:`core.data.text.TextOptions`);
        numeric fills later."""
        columns = []
        warnings: list[str] = []
        auto: set[str] = set()
        for name in features:
            if kinds[name] == TEXT:
                columns.append(_fit_text(raw, name, train_rows, text_options, warnings, auto))
                continue
            if kinds[name] != CATEGORICAL:
                columns.append(EncodedColumn(name, NUMERIC))
                continue
            text = raw.text[name]
            codes = text.codes[train_rows]
            counts = np.bincount(codes[codes >= 0], minlength=len(text.categories))
            present = [text.categories[i] for i in np.flatnonzero(counts)]
            fill = text.categories[int(np.argmax(counts))] if counts.sum() else None
            columns.append(EncodedColumn(name, CATEGORICAL, fill, sorted(present)))
        fitted = cls(columns)
        fitted.warnings, fitted.auto_length = warnings, auto
        return fitted

    def fit_numeric_fills(self, train: np.ndarray, policy: str) -> None:
        """Fill values of numeric columns from the (encoded, unscaled) training array."""
        flat = train.reshape(-1, train.shape[-1])
        numeric = [(column, start) for column, start in zip(self.columns, self.offsets)
                   if column.type == NUMERIC]
        if policy != "most_frequent":
            means = finite_means(flat)
            for column, start in numeric:
                column.fill = float(means[start]) if np.isfinite(means[start]) else 0.0
            return
        for column, start in numeric:
            values = flat[:, start]
            values = values[np.isfinite(values)]
            if len(values) == 0:
                column.fill = 0.0
            else:
                uniques, counts = np.unique(values, return_counts=True)
                column.fill = float(uniques[np.argmax(counts)])

    # ------------------------------------------------------------------ encoding
    def encode(self, raw: RawTable, parts: list[np.ndarray], release: bool = False) -> list[np.ndarray]:
        """One float32 array per index array in ``parts`` (rows of ``raw``, in that order).

        Numeric cells that are missing stay NaN (see :meth:`fill_missing`). With ``release``
        the table's float array is given up: when the features are exactly its columns,
        it is rearranged in place and the parts are views of it (no second copy).
        """
        pairs = [(raw.float_names.index(c.name), start) for c, start in zip(self.columns, self.offsets)
                 if c.type == NUMERIC and c.name in raw.float_names]
        sources = np.array([p[0] for p in pairs], np.int64)
        targets = np.array([p[1] for p in pairs], np.int64)
        identity = (len(pairs) == self.width == raw.floats.shape[1]
                    and np.array_equal(sources, targets) and np.array_equal(sources, np.arange(self.width)))
        if release and identity and all(_ascending(p) for p in parts[:1]):
            outs = _partition_in_place(raw.floats, parts)
            raw.release_floats()
            return outs
        outs = [np.zeros((len(p), self.width), np.float32) for p in parts]
        if len(pairs):
            for out, rows in zip(outs, parts):
                for first in range(0, len(rows), _CHUNK):
                    chunk = raw.floats[rows[first:first + _CHUNK]]
                    out[first:first + len(chunk), targets] = chunk[:, sources]
        if release:
            raw.release_floats()
        for column, start in zip(self.columns, self.offsets):
            if column.type == NUMERIC and column.name in raw.float_names:
                continue
            if column.type == NUMERIC:
                values = raw.values(column.name)
                for out, rows in zip(outs, parts):
                    out[:, start] = values[rows]
            elif column.type == TEXT:
                self._encode_text(raw, column, start, outs, parts)
            else:
                self._encode_categorical(raw, column, start, outs, parts)
        return outs

    def _encode_text(self, raw, column: EncodedColumn, start: int, outs, parts) -> None:
        """Token ids of every distinct text (once; kept from fitting when it is the same
        table), then each row's by its code (-1, missing, picks the all-padding row)."""
        text = raw.text[column.name]
        if column.source is not text or column.tokens is None:
            try:
                column.tokens, column.lengths = encoder.text_tokens(column.to_dict(), text.categories)
            except encoder.EncodingProblem as err:
                from core.errors import DataError

                raise DataError(str(err)) from None
            column.source = text
        for out, rows in zip(outs, parts):
            out[:, start:start + column.width] = column.tokens[text.codes[rows]]

    def _encode_categorical(self, raw, column: EncodedColumn, start: int, outs, parts) -> None:
        text = raw.text[column.name]
        spec = column.to_dict()
        codes = encoder.category_codes(spec, text.categories)[text.codes]  # -1 (missing) picks the fill
        for out, rows in zip(outs, parts):
            encoder.write_categorical(spec, codes[rows], out[:, start:start + column.width])

    def fill_missing(self, arrays: list[np.ndarray]) -> None:
        """Replace NaN and ±inf in numeric features by their fitted fill values, in place."""
        spec = self.to_list()
        for array in arrays:
            flat = array.reshape(-1, array.shape[-1])
            for first in range(0, len(flat), _CHUNK):
                encoder.fill_missing(spec, flat[first:first + _CHUNK])


def _fit_text(raw: RawTable, name: str, train_rows: np.ndarray, options, warnings: list[str],
              auto: set[str]) -> EncodedColumn:
    from core.data.text import TextOptions, fit_text_column

    text = raw.text[name]
    fitted = fit_text_column(name, text.categories, text.codes, train_rows, options or TextOptions(),
                             raw.name)
    warnings.extend(fitted.warnings)
    if fitted.auto_length:
        auto.add(name)
    return EncodedColumn(name, TEXT, None, None, fitted.column, fitted.tokens, fitted.lengths, text)


def missing_rows(raw: RawTable, features: list[str], kinds: dict[str, str]) -> np.ndarray:
    """True for rows with a missing (or infinite) cell in any feature column."""
    missing = np.zeros(raw.n_rows, bool)
    float_columns = [raw.float_names.index(f) for f in features if f in raw.float_names]
    if float_columns:
        for first in range(0, raw.n_rows, _CHUNK):
            part = raw.floats[first:first + _CHUNK][:, float_columns]
            missing[first:first + len(part)] |= ~np.isfinite(part).all(axis=1)
    for name in features:
        if name in raw.float_names:
            continue
        if kinds[name] == NUMERIC:
            missing |= ~np.isfinite(raw.values(name))
        else:
            missing |= raw.text[name].codes < 0
    return missing


def finite_means(flat: np.ndarray) -> np.ndarray:
    """Per column of a 2-D float32 array: the mean of its finite cells (NaN if none)."""
    total = np.zeros(flat.shape[1])
    count = np.zeros(flat.shape[1])
    for first in range(0, len(flat), _CHUNK):
        block = flat[first:first + _CHUNK]
        finite = np.isfinite(block)
        if finite.all():
            total += block.sum(axis=0, dtype=np.float64)
            count += len(block)
            continue
        total += np.where(finite, block, np.float32(0)).sum(axis=0, dtype=np.float64)
        count += finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def _ascending(rows: np.ndarray) -> bool:
    return len(rows) < 2 or bool(np.all(rows[1:] > rows[:-1]))


def _partition_in_place(floats: np.ndarray, parts: list[np.ndarray]) -> list[np.ndarray]:
    """Rearrange ``floats`` so that ``parts`` (rows) follow each other; return views of them.

    The later parts are copied out first; the first part (ascending rows) then moves
    forward block by block — each row moves to a position at or before its own, so no
    row is overwritten before it is read — and the copies are written after it.
    """
    later = [floats[rows] for rows in parts[1:]]
    first = parts[0]
    for start in range(0, len(first), _CHUNK):
        rows = first[start:start + _CHUNK]
        floats[start:start + len(rows)] = floats[rows]
    views, position = [floats[:len(first)]], len(first)
    for copy in later:
        floats[position:position + len(copy)] = copy
        views.append(floats[position:position + len(copy)])
        position += len(copy)
    return views
