"""The ``data`` section of a CSV project, checked: every option with its default.

``null`` (or a missing key) means "detect": the delimiter, encoding, decimal separator
and header are guessed from the file, the task from the target column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.data.csv_format import ENCODINGS
from core.data.dataset import TASKS
from core.data.paths import resolve
from core.data.scaling import SCALES
from core.data.split import check_fractions
from core.data.table_encode import MISSING_POLICIES
from core.data.text import TextOptions, text_options
from core.errors import DataError

CSV_TASKS = ("auto",) + TASKS


@dataclass
class SequenceOptions:
    window: int
    horizon: int = 1
    order_by: str | None = None


@dataclass
class CsvOptions:
    path: Path
    targets: list[str] | None = None
    features: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    task: str = "auto"
    categorical: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    #: Columns forced to be text (token ids); others are detected (:mod:`core.data.text`).
    text: list[str] = field(default_factory=list)
    text_options: TextOptions = field(default_factory=TextOptions)
    missing: str = "mean"
    scale: str = "standard"
    scale_target: bool = True
    delimiter: str | None = None
    encoding: str | None = None
    decimal: str | None = None
    header: bool | None = None
    validation: float = 0.2
    test: float = 0.0
    stratify: bool = True
    seed: int = 0
    sequence: SequenceOptions | None = None


def _names(spec: dict[str, Any], key: str, allow_none: bool = True) -> list[str] | None:
    value = spec.get(key)
    if value is None:
        return None if allow_none else []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataError(f"data.{key} must be a column name or a list of column names, got {value!r}")
    return list(value)


def _choice(spec: dict[str, Any], key: str, allowed: tuple, default: Any) -> Any:
    value = spec.get(key, default)
    if value is None:
        value = default
    if value not in allowed:
        words = ", ".join(repr(a) for a in allowed)
        raise DataError(f"data.{key} must be one of {words}, got {value!r}")
    return value


def _whole(value: Any, key: str, low: int, high: int = 10**9) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DataError(f"data.{key} must be a whole number from {low} to {high}, got {value!r}")
    return value


def split_options(spec: dict[str, Any]) -> tuple[float, float, bool, int]:
    """``validation, test, stratify, seed`` of ``data.split`` (shared by every data kind)."""
    split = spec.get("split") or {}
    if not isinstance(split, dict):
        raise DataError(f"data.split must be an object such as {{\"validation\": 0.2}}, got {split!r}")
    validation, test = split.get("validation", 0.2), split.get("test", 0.0)
    check_fractions(validation, test)
    stratify = split.get("stratify", True)
    if not isinstance(stratify, bool):
        raise DataError(f"data.split.stratify must be true or false, got {stratify!r}")
    seed = _whole(split.get("seed", 0), "split.seed", 0)
    return float(validation), float(test), stratify, seed


def data_path(spec: dict[str, Any], base_dir: str | Path, key: str = "path",
              what: str = "a CSV file") -> Path:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"data.{key} is missing: choose {what}")
    return resolve(Path(base_dir) / Path(value).expanduser())


def csv_options(spec: dict[str, Any], base_dir: str | Path) -> CsvOptions:
    """Check a CSV data section; each problem is one sentence naming the key."""
    options = CsvOptions(path=data_path(spec, base_dir))
    options.targets = _names(spec, "target")
    options.features = _names(spec, "features")
    options.ignore = _names(spec, "ignore", allow_none=False)
    options.categorical = _names(spec, "categorical", allow_none=False)
    options.numeric = _names(spec, "numeric", allow_none=False)
    options.text = _names(spec, "text", allow_none=False)
    for first, second in (("categorical", "numeric"), ("text", "categorical"), ("text", "numeric")):
        both = sorted(set(getattr(options, first)) & set(getattr(options, second)))
        if both:
            raise DataError(f"column {both[0]!r} is listed in both data.{first} and data.{second}:"
                            " keep it in one")
    options.text_options = text_options(spec.get("text_options"))
    options.task = _choice(spec, "task", CSV_TASKS, "auto")
    options.missing = _choice(spec, "missing", MISSING_POLICIES, "mean")
    options.scale = _choice(spec, "scale", SCALES, "standard")
    scale_target = spec.get("scale_target", True)
    if not isinstance(scale_target, bool):
        raise DataError(f"data.scale_target must be true or false, got {scale_target!r}")
    options.scale_target = scale_target
    encoding = spec.get("encoding")
    if encoding is not None and (not isinstance(encoding, str) or not encoding):
        raise DataError(f"data.encoding must be an encoding name such as {', '.join(ENCODINGS)},"
                        f" got {encoding!r}")
    options.encoding = encoding
    delimiter = spec.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1
                                  or delimiter in "\"\r\n"):
        raise DataError(f"data.delimiter must be one character such as ',' or ';', got {delimiter!r}")
    options.delimiter = delimiter
    options.decimal = _choice(spec, "decimal", (None, ".", ","), None) if "decimal" in spec else None
    header = spec.get("header")
    if header is not None and not isinstance(header, bool):
        raise DataError(f"data.header must be true, false or null (detect), got {header!r}")
    options.header = header
    options.validation, options.test, options.stratify, options.seed = split_options(spec)
    sequence = spec.get("sequence")
    if sequence is not None:
        if not isinstance(sequence, dict) or "window" not in sequence:
            raise DataError("data.sequence must be an object with a \"window\" (rows per sample),"
                            " for example {\"window\": 30, \"horizon\": 1}")
        order_by = sequence.get("order_by")
        if order_by is not None and (not isinstance(order_by, str) or not order_by):
            raise DataError(f"data.sequence.order_by must be a column name, got {order_by!r}")
        options.sequence = SequenceOptions(
            window=_whole(sequence["window"], "sequence.window", 1, 100_000),
            horizon=_whole(sequence.get("horizon", 1), "sequence.horizon", 0, 100_000),
            order_by=order_by)
        if options.task == "reconstruction":
            options.sequence.horizon = 0
    return options
