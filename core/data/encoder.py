"""The one encoder: raw table columns -> the model's encoded features, as preprocessing.json says.

``preprocessing["table"]["columns"]`` lists the feature columns in feature order. A
``numeric`` column is one feature; a missing, non-numeric or infinite cell gets the
column's ``fill``. A ``text`` column is ``max_length`` features holding token ids (as
floats): its trained tokenizer (``tokenizer_json``, the Hugging Face ``tokenizers`` JSON)
splits the cell, the ids are cut to ``max_length`` and padded with :data:`PAD_ID`; a
missing cell is all padding, a word never seen in training is :data:`UNK_ID`. A
``categorical`` column with at most :data:`MAX_ONEHOT` categories is one 0/1 feature per
category (``colour=red``), with more it is one feature holding the category's index in
``categories``. A missing cell counts as the ``fill`` category; a
category never seen in training is all zeros (one-hot) or the fill category's index
(codes). Text cells are compared after stripping surrounding whitespace, and the cells
in :data:`NULL_VALUES` are missing.

This file imports numpy and the standard library only, and nothing from LayerForge, on
purpose: the standalone-code export copies it as it is into its folder (``encoder.py``,
used by ``predict.py`` and ``train.py`` there); the ``tokenizers`` package is imported only
when a model reads text columns. LayerForge's own path reads the CSV with pyarrow
(:mod:`core.data.table_encode`) and hands this module category lists and codes; the
standalone ``predict.py`` hands it text cells. Either way the decisions are made here.
"""

from __future__ import annotations

import json
import re
from itertools import chain
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

NUMERIC, CATEGORICAL, TEXT = "numeric", "categorical", "text"
#: Token ids of a text column: 0 pads a text to ``max_length`` (the padding mask is
#: ``tokens != PAD_ID``), 1 is a word the tokenizer did not learn in training.
PAD_ID, UNK_ID = 0, 1
PAD_TOKEN, UNK_TOKEN = "[PAD]", "[UNK]"
#: A text cell is cut to this many characters before it is tokenized, so that one huge
#: cell (a 20 MB paste) costs no more time or memory than this.
MAX_TEXT_CHARS = 100_000
#: Texts tokenized per ``encode_batch`` call (bounds the memory of the encodings).
_TEXT_BATCH = 1 << 15
#: Rows of token ids padded per step (bounds the index arrays).
_PAD_ROWS = 1 << 16
#: A categorical column with more categories than this is one column of codes.
MAX_ONEHOT = 20
#: Cells read as missing (pyarrow's defaults plus "?", common in UCI data sets); compared
#: after stripping whitespace.
NULL_VALUES = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
               "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?")
_NULLS = frozenset(NULL_VALUES)
#: A text cell that is a number (LayerForge's rule; ``1,5`` with a decimal comma).
NUMBER = {".": re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|infinity)\s*$", re.I),
          ",": re.compile(r"^\s*[+-]?(\d+,?\d*|,\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|infinity)\s*$", re.I)}


class EncodingProblem(ValueError):
    """Data that cannot be encoded for this model; the message says what to fix."""


def load_preprocessing(folder: str | Path) -> dict[str, Any]:
    """``preprocessing.json`` from ``folder``."""
    return json.loads((Path(folder) / "preprocessing.json").read_text(encoding="utf-8"))


def is_image_model(pre: Mapping[str, Any]) -> bool:
    """Images in, ``(N, C, H, W)``: image folders and the built-in image sets."""
    return pre.get("kind") == "image" or (pre.get("kind") == "builtin"
                                          and len(pre.get("input_shape") or []) == 3)


def table_settings(pre: Mapping[str, Any]) -> dict[str, Any]:
    """The ``table`` part of preprocessing.json; built-in 2-D point sets read columns x and y."""
    if pre.get("kind") in ("table", "sequence"):
        return dict(pre.get("table") or {})
    if pre.get("kind") == "builtin" and len(pre.get("input_shape") or []) == 1:
        names = pre.get("feature_names") or ["x", "y"]
        return {"csv": {"header": True}, "source_columns": list(names),
                "columns": [{"name": n, "type": NUMERIC, "fill": 0.0} for n in names]}
    raise EncodingProblem(f"a model trained on {pre.get('kind')!r} data takes no table: predict"
                          " from a CSV file or an image folder like the training data")


# ---------------------------------------------------------------------- columns
def is_onehot(column: Mapping[str, Any]) -> bool:
    """One 0/1 feature per category (else one feature of codes). Decided by the number of
    categories, as training decided it; the file's ``encoding`` says the same for people."""
    return column.get("type") == CATEGORICAL and len(column.get("categories") or []) <= MAX_ONEHOT


def is_text(column: Mapping[str, Any]) -> bool:
    """A column of text, given to the network as ``max_length`` token ids."""
    return column.get("type") == TEXT


def width(column: Mapping[str, Any]) -> int:
    if is_text(column):
        return int(column["max_length"])
    return len(column.get("categories") or []) if is_onehot(column) else 1


def feature_names(columns: Sequence[Mapping[str, Any]]) -> list[str]:
    """``a``, ``colour=red``, ``review[0]``, ... in feature order."""
    names = []
    for column in columns:
        if is_text(column):
            names += [f"{column['name']}[{i}]" for i in range(width(column))]
        elif is_onehot(column):
            names += [f"{column['name']}={c}" for c in column.get("categories") or []]
        else:
            names.append(column["name"])
    return names


def fill_vector(columns: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Per feature: the fill value of numeric columns, 0 for categorical and text ones (float32)."""
    values = []
    for column in columns:
        fill = column.get("fill") if column.get("type") == NUMERIC else None
        values += [float(fill) if fill is not None else 0.0] * width(column)
    return np.array(values, np.float32)


def fill_code(column: Mapping[str, Any]) -> int:
    """The fill category's index in ``categories`` (-1 when there is none)."""
    fill = column.get("fill")
    categories = list(column.get("categories") or [])
    return categories.index(fill) if fill is not None and fill in categories else -1


def category_codes(column: Mapping[str, Any], seen: Sequence[str]) -> np.ndarray:
    """int64 remap table: for each text value in ``seen`` (stripped) its index in the
    column's ``categories`` (-1: unseen in training), then one more entry for a missing
    cell (code -1), which is the fill category's index. ``table[codes]`` applies it."""
    index = {c: i for i, c in enumerate(column.get("categories") or [])}
    return np.array([index.get(c, -1) for c in seen] + [fill_code(column)], np.int64)


def write_categorical(column: Mapping[str, Any], codes: np.ndarray, out: np.ndarray) -> None:
    """Write a categorical column's features for ``codes`` (index in ``categories``, -1
    unseen) into ``out``, its ``(n, width)`` slice of a zero-filled array."""
    if is_onehot(column):
        known = np.flatnonzero(codes >= 0)
        out[known, codes[known]] = 1.0  # an unseen category stays all zeros
    else:
        out[:, 0] = np.where(codes >= 0, codes, max(fill_code(column), 0))


def unseen_categories(column: Mapping[str, Any], seen: Sequence[str], codes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The values of a categorical column that training never saw (in order of first
    appearance) and the positions in ``codes`` (each cell's index in ``seen``, -1 missing)
    of the cells holding one: predictions for those rows are made on a guess."""
    unknown = category_codes(column, seen)[:-1] < 0
    if not unknown.any():
        return [], np.zeros(0, np.int64)
    at = np.flatnonzero((codes >= 0) & unknown[np.maximum(codes, 0)])
    order = dict.fromkeys(int(c) for c in codes[at])
    return [seen[c] for c in order], at


def unseen_sentence(column: Mapping[str, Any], values: Sequence[str], cells: int, total: int,
                    first_row: str) -> str:
    """What a prediction does with values of a categorical column never seen in training."""
    shown = ", ".join(repr(v) for v in values[:3]) + (f" and {len(values) - 3} more" if len(values) > 3 else "")
    fill = column.get("fill")
    read_as = ("no known category (all its one-hot features 0)" if is_onehot(column)
               else f"the category {fill!r}" if fill_code(column) >= 0 else "the first category")
    return (f"column {column['name']!r} holds {len(values)} value{'s' if len(values) > 1 else ''} the model"
            f" never saw in training ({shown}) in {cells} of {total} rows, the first in row {first_row}:"
            f" the model reads {'them' if len(values) > 1 else 'it'} as {read_as}, so those predictions"
            " are guesses; check the spelling, or train again on data that has them")


def fill_missing(columns: Sequence[Mapping[str, Any]], array: np.ndarray) -> np.ndarray:
    """Replace NaN and ±inf by the fill values, in place (the last axis is the features)."""
    fills = fill_vector(columns)
    bad = ~np.isfinite(array)
    if bad.any():
        array[bad] = np.broadcast_to(fills, array.shape)[bad]
    return array


# ---------------------------------------------------------------------- text cells
def text_codes(cells: Sequence[Any]) -> tuple[np.ndarray, list[str]]:
    """Text cells as ``(codes, categories)``: stripped values in first-seen order, code -1
    for a missing cell (empty, or one of :data:`NULL_VALUES`)."""
    lookup: dict[str, int] = {}
    codes = np.empty(len(cells), np.int64)
    for i, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        codes[i] = -1 if text in _NULLS else lookup.setdefault(text, len(lookup))
    return codes, list(lookup)


# ---------------------------------------------------------------------- text
_TOKENIZERS: dict[int, tuple[Any, Any]] = {}


def _tokenizer_class():
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise EncodingProblem("this model reads text columns, which needs the tokenizers package:"
                              " pip install tokenizers") from None
    return Tokenizer


def text_tokenizer(column: Mapping[str, Any]):
    """The text column's trained tokenizer (a ``tokenizers.Tokenizer``), built from the JSON
    stored in preprocessing.json (remembered per column dict)."""
    saved = column.get("tokenizer_json")
    if not isinstance(saved, Mapping):
        raise EncodingProblem(f"text column {column.get('name')!r} has no tokenizer in"
                              " preprocessing.json: train the model again")
    known = _TOKENIZERS.get(id(saved))
    if known is not None and known[0] is saved:
        return known[1]
    try:
        tokenizer = _tokenizer_class().from_str(json.dumps(saved))
    except EncodingProblem:
        raise
    except Exception as err:  # noqa: BLE001 - tokenizers raises plain Exceptions
        raise EncodingProblem(f"the tokenizer of text column {column.get('name')!r} in"
                              f" preprocessing.json cannot be read ({err}): train the model again") from None
    if len(_TOKENIZERS) >= 16:
        _TOKENIZERS.clear()
    _TOKENIZERS[id(saved)] = (saved, tokenizer)
    return tokenizer


def cap_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` cut to its first ``limit`` characters."""
    return text if len(text) <= limit else text[:limit]


def tokenize(tokenizer, texts: Sequence[str], limit: int = MAX_TEXT_CHARS) -> tuple[np.ndarray, np.ndarray]:
    """Every token id of each text (cut to ``limit`` characters first), not truncated:
    ``(ids, lengths)``, ids int32 one after the other, lengths int64 per text. Texts go to
    the tokenizer's ``encode_batch`` (parallel, in Rust) a batch at a time."""
    encode = getattr(tokenizer, "encode_batch_fast", None) or tokenizer.encode_batch
    id_parts, length_parts = [], []
    for start in range(0, len(texts), _TEXT_BATCH):
        batch = [cap_text(t, limit) for t in texts[start:start + _TEXT_BATCH]]
        ids = [e.ids for e in encode(batch, add_special_tokens=False)]
        lengths = np.fromiter(map(len, ids), np.int64, len(ids))
        id_parts.append(np.fromiter(chain.from_iterable(ids), np.int32, int(lengths.sum())))
        length_parts.append(lengths)
    if not id_parts:
        return np.zeros(0, np.int32), np.zeros(0, np.int64)
    return np.concatenate(id_parts), np.concatenate(length_parts)


def pad_tokens(ids: np.ndarray, lengths: np.ndarray, max_length: int,
               dtype: Any = np.float32) -> np.ndarray:
    """``(len(lengths), max_length)``: each text's first ``max_length`` ids, right-padded
    with :data:`PAD_ID` (``ids`` and ``lengths`` as :func:`tokenize` returns them)."""
    out = np.full((len(lengths), max_length), PAD_ID, dtype)
    starts = np.cumsum(lengths) - lengths
    steps = np.arange(max_length)
    for first in range(0, len(lengths), _PAD_ROWS):
        keep = np.minimum(lengths[first:first + _PAD_ROWS], max_length)
        mask = steps < keep[:, None]
        where = (starts[first:first + _PAD_ROWS, None] + steps)[mask]
        out[first:first + _PAD_ROWS][mask] = ids[where]
    return out


def text_tokens(column: Mapping[str, Any], texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct texts of a text column -> ``(tokens, lengths)``: float32 ``(n + 1,
    max_length)`` token ids with an all-padding last row for missing cells (code -1), and
    each text's full token count (0 for the missing row)."""
    limit = int(column.get("max_chars") or MAX_TEXT_CHARS)
    ids, lengths = tokenize(text_tokenizer(column), list(texts), limit)
    lengths = np.append(lengths, 0)
    return pad_tokens(ids, lengths, width(column)), lengths


def encode_text(column: Mapping[str, Any], cells: Sequence[Any]) -> np.ndarray:
    """Text cells -> float32 ``(n, max_length)`` token ids; a missing cell is all padding.
    Each distinct (stripped) text is tokenized once."""
    codes, seen = text_codes(cells)
    tokens, _lengths = text_tokens(column, seen)
    return tokens[codes]


def to_number(text: str, decimal: str = ".") -> float:
    """A stripped, non-missing text cell as a number (NaN when it is not one)."""
    if not NUMBER[decimal].match(text):
        return float("nan")
    try:
        return float(text.strip().replace(",", ".") if decimal == "," else text.strip())
    except ValueError:
        return float("nan")


def parse_numbers(cells: Sequence[Any], decimal: str = ".") -> np.ndarray:
    """Text cells as float64: NaN where missing or not a number (text cells in a numeric
    column count as missing)."""
    codes, seen = text_codes(cells)
    table = np.array([to_number(c, decimal) for c in seen] + [np.nan], np.float64)
    return table[codes]


def encode_table(columns: Sequence[Mapping[str, Any]], cells: Mapping[str, Sequence[Any]],
                 decimal: str = ".") -> np.ndarray:
    """Text cells (one sequence per column name) -> the encoded, unscaled float32 features
    ``(n, F)``, missing cells filled. Every column of ``columns`` must be in ``cells``."""
    for column in columns:
        if column["name"] not in cells:
            raise EncodingProblem(f"no column {column['name']!r}, which the model was trained on")
    rows = len(cells[columns[0]["name"]]) if columns else 0
    out = np.zeros((rows, sum(width(c) for c in columns)), np.float32)
    start = 0
    for column in columns:
        part = out[:, start:start + width(column)]
        values = cells[column["name"]]
        if column.get("type") == NUMERIC:
            part[:, 0] = parse_numbers(values, decimal)
        elif is_text(column):
            part[:] = encode_text(column, values)
        else:
            codes, seen = text_codes(values)
            write_categorical(column, category_codes(column, seen)[codes], part)
        start += width(column)
    return fill_missing(columns, out)


def order_key(seen: Sequence[str], decimal: str = ".") -> np.ndarray:
    """A float64 sort key per text value of a time column: dates, else numbers (when every
    value is one), else alphabetical rank. Missing rows get NaN (sorted last) by the caller."""
    try:
        return np.array(list(seen), dtype="datetime64[s]").astype(np.float64)
    except ValueError:
        numbers = np.array([to_number(c, decimal) for c in seen], np.float64)
        if not np.isnan(numbers).any():
            return numbers
        ranks = np.argsort(np.argsort(np.array(list(seen), dtype=object), kind="stable"))
        return ranks.astype(np.float64)


def time_order(cells: Sequence[Any], decimal: str = ".") -> np.ndarray:
    """Row positions sorted by a time column (stable; rows without a value last)."""
    codes, seen = text_codes(cells)
    key = np.append(order_key(seen, decimal), np.nan)[codes]
    return np.argsort(key, kind="stable")


def windows(series: np.ndarray, window: int, count: int) -> np.ndarray:
    """``(count, window, features)``: sample ``i`` is rows ``i .. i + window - 1`` (a copy)."""
    from numpy.lib.stride_tricks import sliding_window_view

    view = sliding_window_view(series, window, axis=0)  # (n - window + 1, features, window)
    return np.ascontiguousarray(view.transpose(0, 2, 1)[:count])


def to_unit(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels as float32 in [0, 1]."""
    return np.divide(pixels, np.float32(255), dtype=np.float32)


# ---------------------------------------------------------------------- scaling
_BLOCK = 1 << 16


def scaling_axis(pre: Mapping[str, Any]) -> int:
    """The axis ``input_scaling`` runs along: channels for images ``(N, C, H, W)``, else the
    last (features)."""
    return 1 if pre.get("kind") == "image" else -1


def _broadcast(scaling: Mapping[str, Any], ndim: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
    shape = [1] * ndim
    shape[axis] = -1
    return (np.asarray(scaling["mean"], np.float32).reshape(shape),
            np.asarray(scaling["scale"], np.float32).reshape(shape))


def scale_inplace(x: np.ndarray, scaling: Mapping[str, Any] | None, axis: int = -1) -> np.ndarray:
    """``x = (x - mean) / scale`` along ``axis``, in blocks of rows (no copy of ``x``)."""
    if not scaling:
        return x
    mean, scale = _broadcast(scaling, x.ndim, axis)
    for start in range(0, len(x), _BLOCK):
        part = x[start:start + _BLOCK]
        part -= mean
        part /= scale
    return x


def unscale_targets(pre: Mapping[str, Any], outputs: np.ndarray) -> np.ndarray:
    """Regression outputs in the target's own units: ``out * scale + mean`` (float32 copy)."""
    scaling = pre.get("target_scaling")
    out = np.array(outputs, dtype=np.float32, copy=True)
    if not scaling:
        return out
    mean, scale = _broadcast(scaling, out.ndim, -1)
    return out * scale + mean


# ---------------------------------------------------------------------- outputs
def number(value: float) -> str:
    """A prediction as text: 9 significant digits (a float32 read back exactly)."""
    return f"{float(value):.9g}"


def prediction_table(outputs: np.ndarray, ids: Sequence[str], id_name: str,
                     pre: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The header and rows: identifier, ``prediction`` (class name, labels or value), then
    ``prob_<class>`` per class (classification, multilabel) or one column per target."""
    task = pre.get("task")
    classes = list(pre.get("class_names") or [])
    targets = list(pre.get("target_names") or [])
    if task == "classification":
        best = outputs.argmax(axis=1) if len(outputs) else np.zeros(0, int)
        header = [id_name, "prediction"] + [f"prob_{c}" for c in classes]
        rows = [[i, classes[b]] + [number(p) for p in row] for i, b, row in zip(ids, best, outputs)]
    elif task == "multilabel":
        header = [id_name, "prediction"] + [f"prob_{t}" for t in targets]
        rows = [[i, "|".join(t for t, p in zip(targets, row) if p >= 0.5)] + [number(p) for p in row]
                for i, row in zip(ids, outputs)]
    elif task == "regression":
        flat = outputs.reshape(len(outputs), -1)
        names = ["prediction"] if flat.shape[1] == 1 else [f"prediction_{t}" for t in targets]
        header = [id_name] + names
        rows = [[i] + [number(v) for v in row] for i, row in zip(ids, flat)]
    else:  # reconstruction: the mean squared difference between input and output
        header = [id_name, "prediction"]
        rows = [[i, number(v)] for i, v in zip(ids, outputs)]
    return header, rows
