"""Is a ``preprocessing.json`` what LayerForge writes? The first thing that is not, in words.

Predictions read a model's preprocessing from its run folder, an export's metadata or a
file beside it, and each of those can be edited by hand or damaged. Reading a field of the
wrong kind deep inside the encoder would end in a traceback; checked here first, the
person gets one sentence that names the field.
"""

from __future__ import annotations

import math
from typing import Any

from core.data.encoder import CATEGORICAL, NUMERIC, TEXT, width

KINDS = ("table", "sequence", "image", "builtin", "imported")
COLUMN_TYPES = (NUMERIC, CATEGORICAL, TEXT)


def preprocessing_problem(pre: Any) -> str | None:
    """None for a preprocessing LayerForge could have written, else what is wrong with it."""
    if not isinstance(pre, dict):
        return f"it is a JSON {type(pre).__name__}, not an object"
    kind = pre.get("kind")
    if kind not in KINDS:
        return f"its 'kind' is {kind!r}, not one of {', '.join(KINDS)}"
    shape = pre.get("input_shape")
    if not _list_of(shape, _positive_int) or not shape:
        return f"its 'input_shape' is {_short(shape)}, not a list of sizes"
    for key in ("class_names", "target_names", "feature_names"):
        if pre.get(key) is not None and not _list_of(pre[key], lambda v: isinstance(v, str)):
            return f"its '{key}' is {_short(pre[key])}, not a list of names"
    for key in ("input_scaling", "target_scaling"):
        problem = _scaling_problem(pre.get(key))
        if problem:
            return f"its '{key}' {problem}"
    if pre.get("table") is not None:  # (a dataset made in Python may have no CSV settings)
        problem = _table_problem(pre.get("table"))
        if problem:
            return problem
        features = sum(width(column) for column in pre["table"]["columns"])
        if pre["table"]["columns"] and features != shape[-1]:
            return (f"its table's columns make {features} features, but its 'input_shape' says"
                    f" {shape[-1]}")
    if kind == "sequence":
        sequence = pre.get("sequence")
        if not isinstance(sequence, dict) or not _positive_int(sequence.get("window")):
            return f"its 'sequence' is {_short(sequence)}, without a 'window' of at least 1 row"
    if kind == "image" or "image" in pre:
        image = pre.get("image")
        if not isinstance(image, dict) or not _list_of(image.get("size"), _positive_int) \
                or len(image.get("size")) != 2:
            return f"its 'image' is {_short(image)}, without a 'size' of [height, width]"
    return None


def damaged_sentence(problem: str, source: str) -> str:
    """The sentence for a preprocessing ``problem`` of ``source`` (a run, an export)."""
    return (f"the preprocessing in {source} is not what LayerForge writes ({problem}): it was edited"
            " or damaged; train or export the model again, or put back the file LayerForge wrote")


def outputs_problem(pre: dict, outputs: int) -> str | None:
    """None when the model's ``outputs`` values per sample fit the names the preprocessing
    gives them (a class per probability, a target per value), else what does not."""
    task = pre.get("task")
    names = {"classification": "class_names", "multilabel": "target_names"}.get(task)
    if task == "regression" and outputs > 1:
        names = "target_names"
    if names is None:
        return None
    count = len(pre.get(names) or [])
    if count != outputs:
        return (f"its '{names}' has {count} name{'' if count == 1 else 's'}, but the model gives"
                f" {outputs} values per sample")
    return None


def _table_problem(table: Any) -> str | None:
    if not isinstance(table, dict):
        return f"its 'table' is {_short(table)}, not an object"
    csv = table.get("csv")
    if csv is not None and not isinstance(csv, dict):
        return f"its table's 'csv' is {_short(csv)}, not an object"
    columns = table.get("columns")
    if not isinstance(columns, list):
        return f"its table's 'columns' is {_short(columns)}, not a list"
    for number, column in enumerate(columns, 1):
        if not isinstance(column, dict) or not isinstance(column.get("name"), str):
            return f"column {number} of its table is {_short(column)}, without a 'name'"
        problem = _column_problem(column)
        if problem:
            return f"its table's column {column['name']!r} {problem}"
    return None


def _column_problem(column: dict) -> str | None:
    kind = column.get("type")
    if kind not in COLUMN_TYPES:
        return f"has the type {kind!r}, not one of {', '.join(COLUMN_TYPES)}"
    fill = column.get("fill")
    if kind == NUMERIC and fill is not None and not _number(fill):
        return f"has the fill value {_short(fill)}, not a number"
    if kind == CATEGORICAL:
        if not _list_of(column.get("categories"), lambda v: isinstance(v, str)):
            return f"has the categories {_short(column.get('categories'))}, not a list of texts"
        if fill is not None and not isinstance(fill, str):
            return f"has the fill value {_short(fill)}, not a text"
    if kind == TEXT and not _positive_int(column.get("max_length")):
        return f"has the max_length {_short(column.get('max_length'))}, not a number of tokens"
    return None


def _scaling_problem(scaling: Any) -> str | None:
    if scaling is None:
        return None
    if not isinstance(scaling, dict):
        return f"is {_short(scaling)}, not an object"
    mean, scale = scaling.get("mean"), scaling.get("scale")
    if not _list_of(mean, _number) or not _list_of(scale, _number) or len(mean) != len(scale):
        return "needs 'mean' and 'scale', two lists of numbers of one length"
    if any(value == 0 for value in scale):
        return "has a 'scale' of 0, which no value can be divided by"
    return None


def _list_of(value: Any, test) -> bool:
    return isinstance(value, list) and all(test(item) for item in value)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
