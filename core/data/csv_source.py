"""CSV files -> :class:`~core.data.dataset.Dataset`: columns, target, task, split, encoding, scaling.

The order matters and is what keeps validation honest: read -> decide each column's
type -> targets -> drop rows -> split -> fit categories, text tokenizers, fill values and
scaling on the training rows only -> encode every split with them. Time series (``data.sequence``) are
ordered, split chronologically and cut into windows after encoding.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.data import cache, columns as cols, float_range
from core.data.columns import CATEGORICAL, IGNORE, NUMERIC, TEXT, ColumnProfile
from core.data.csv_format import CsvFormat, read_head
from core.data.csv_options import CsvOptions, csv_options
from core.data.csv_read import RawTable, read_table
from core.data.dataset import (CLASSIFICATION, MULTILABEL, RECONSTRUCTION, REGRESSION, DataInfo,
                               Dataset, RowIds, Split, class_table)
from core.data.scaling import apply_inplace, fit as fit_scaling
from core.data.sequence import order_rows, windows
from core.data.sources import SOURCES, DataSource, file_action, file_summary
from core.data.split import empty_split_warnings, split_indices
from core.data.table_encode import TableEncoder, missing_rows
from core.data.text import TextFacts, text_facts
from core.errors import DataError

MAX_CLASSES = 1000
SHOWN = cols.SHOWN_ROWS


def _rows_text(rows: list[int] | np.ndarray, total: int | None = None) -> str:
    rows = [int(r) for r in list(rows)[:SHOWN]]
    text = ", ".join(map(str, rows))
    if total is not None and total > len(rows):
        text += f" and {total - len(rows):,} more"
    return f"row{'s' if len(rows) > 1 or (total or 0) > 1 else ''} {text}"


def _hold(count: int) -> str:
    return "holds" if count == 1 else "hold"


def _suggest(name: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, names, n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _check_columns(wanted: list[str], names: list[str], file: str, key: str) -> None:
    for column in wanted:
        if column not in names:
            listed = ", ".join(repr(n) for n in names[:12]) + (", ..." if len(names) > 12 else "")
            raise DataError(f"{file} has no column {column!r} (data.{key}): {_suggest(column, names)}"
                            f"its columns are {listed}")


@dataclass
class _Plan:
    """Which columns play which role, before the full read."""

    targets: list[str]
    candidates: list[str]
    order_by: str | None
    notes: list[str]


def _plan(options: CsvOptions, names: list[str], file: str) -> _Plan:
    notes: list[str] = []
    reconstruction = options.task == RECONSTRUCTION
    targets = options.targets or []
    if reconstruction and targets:
        raise DataError(f"data.target must be empty for the task 'reconstruction' (the network"
                        f" reproduces its input): remove the target {targets[0]!r}")
    if not targets and not reconstruction:
        if len(names) < 2:
            raise DataError(f"{file} has only one column ({names[0]!r}): a network needs feature"
                            " columns and a target column (or set task to 'reconstruction')")
        targets = [names[-1]]
        notes.append(f"no target column chosen: using the last column, {targets[0]!r}")
    _check_columns(targets, names, file, "target")
    if len(set(targets)) != len(targets):
        raise DataError("data.target lists a column twice: list each target once")
    for key in ("features", "ignore", "categorical", "numeric", "text"):
        _check_columns(getattr(options, key) or [], names, file, key)
    order_by = options.sequence.order_by if options.sequence else None
    if order_by:
        _check_columns([order_by], names, file, "sequence.order_by")
    if options.features is not None:
        candidates = list(dict.fromkeys(options.features))
    else:
        keep_targets = options.sequence is not None  # past values of the series are features
        candidates = [n for n in names if n not in options.ignore and n != order_by
                      and (keep_targets or n not in targets)]
    if not options.sequence:
        clash = [t for t in targets if t in candidates]
        if clash:
            raise DataError(f"column {clash[0]!r} is both the target and a feature: remove it"
                            " from data.features")
    return _Plan(targets, candidates, order_by, notes)


def _kinds(raw: RawTable, plan: _Plan, options: CsvOptions,
           profiles: dict[str, ColumnProfile], notes: list[str]) -> dict[str, str]:
    """The type each feature column is encoded as; text in a numeric column is an error
    unless the person said what the column is."""
    kinds = {}
    file = raw.name
    for name in plan.candidates:
        profile = profiles[name]
        if name in options.text:
            if name not in raw.text or profile.missing == raw.n_rows:
                raise DataError(f"{file} column {name!r} (data.text) is empty in every row: fill it,"
                                " or remove it from data.text")
            kinds[name] = TEXT
            continue
        if name in options.categorical:
            kinds[name] = CATEGORICAL if name in raw.text else NUMERIC
            if name not in raw.text:
                notes.append(f"column {name!r} holds only numbers: used as numbers, not categories")
            continue
        if profile.text_count and name not in options.numeric:
            raise DataError(
                f"{file} column {name!r} holds numbers but {_rows_text(profile.text_rows, profile.text_count)}"
                f" {_hold(profile.text_count)} text ({', '.join(repr(v) for v in profile.text_values[:3])}):"
                f" fix those"
                f" cells, or list the column in data.categorical to treat it as categories, or in"
                f" data.numeric to treat the text as missing")
        if name in options.numeric:
            if profile.kind in (CATEGORICAL, TEXT) and profile.text_count == 0:
                raise DataError(f"{file} column {name!r} is listed in data.numeric but holds text"
                                f" ({profile.summary}): remove it from data.numeric")
            kinds[name] = NUMERIC
            if profile.text_count:
                notes.append(f"column {name!r}: {profile.text_count} text cells"
                             f" ({_rows_text(profile.text_rows, profile.text_count)}) treated as missing")
            continue
        kinds[name] = profile.kind
        if profile.kind == CATEGORICAL and profile.written_numbers:
            notes.append(f"column {name!r} holds numbers written with {profile.written_numbers},"
                         " which LayerForge reads as text: used as categories; save them as plain"
                         " numbers (1200.5, 0.12) to use them as numbers")
        elif profile.kind == CATEGORICAL and profile.number_cells:
            notes.append(f"column {name!r} holds {profile.number_cells:,} numbers but also text"
                         f" ({', '.join(repr(v) for v in profile.text_examples)}): used as categories;"
                         " if it holds numbers, fix the text cells, or list it in data.numeric"
                         " (the text is then missing)")
        if profile.kind == IGNORE and options.features is None:
            notes.append(f"column {name!r} left out: {profile.reason}")
        elif profile.kind == IGNORE:
            raise DataError(f"{file} column {name!r} cannot be a feature: {profile.reason};"
                            " remove it from data.features")
    float_range.check(raw, [n for n in plan.candidates if kinds[n] == NUMERIC],
                      "rescale the column (store it in other units), or list it in data.ignore")
    return kinds


def _profiles(raw: RawTable, names: list[str]) -> dict[str, ColumnProfile]:
    return {name: cols.profile_column(raw, name) for name in names}


@dataclass
class _Targets:
    task: str
    values: np.ndarray | None  # int64 (n,) labels, or float64 (n, k); None for reconstruction
    valid: np.ndarray  # bool (n,)
    class_names: list[str] | None = None


def _targets(raw: RawTable, plan: _Plan, options: CsvOptions,
             profiles: dict[str, ColumnProfile], notes: list[str]) -> _Targets:
    file, n = raw.name, raw.n_rows
    if options.task == RECONSTRUCTION:
        return _Targets(RECONSTRUCTION, None, np.ones(n, bool))
    for target in plan.targets:
        profile = profiles[target]
        if profile.missing == n:
            raise DataError(f"{file} target column {target!r} is empty in every row: choose"
                            " another target column")
    task = options.task
    if task == "auto":
        task = cols.infer_task(raw, plan.targets, profiles)
    if task == CLASSIFICATION:
        return _class_targets(raw, plan, profiles, notes)
    values = np.empty((n, len(plan.targets)), np.float64)
    float_range.check(raw, [t for t in plan.targets if profiles[t].kind == NUMERIC],
                      "rescale the target (store it in other units)", role="target column")
    for j, target in enumerate(plan.targets):
        profile = profiles[target]
        if profile.text_count:
            raise DataError(f"{file} target column {target!r} holds numbers but"
                            f" {_rows_text(profile.text_rows, profile.text_count)}"
                            f" {_hold(profile.text_count)} text"
                            f" ({profile.text_values[0]!r}): fix or empty those cells")
        if target in raw.text and profile.kind != NUMERIC:
            raise DataError(f"{file} target column {target!r} holds text ({profile.summary}), so"
                            f" it cannot be a {task} target: set the task to classification")
        values[:, j] = raw.values(target)
        if task == MULTILABEL:
            column = values[:, j]
            bad = np.flatnonzero(np.isfinite(column) & (column != 0) & (column != 1))
            if len(bad):
                raise DataError(f"{file} label column {target!r} must hold 0 or 1 for a multilabel"
                                f" task, but {_rows_text(raw.row_number(bad), len(bad))} hold"
                                f" {column[bad[0]]:g}: fix them or choose the task regression")
    valid = np.isfinite(values).all(axis=1)
    return _Targets(task, values, valid)


def _class_targets(raw, plan, profiles, notes) -> _Targets:
    file = raw.name
    if len(plan.targets) > 1:
        raise DataError("a classification task has one target column: choose one, or the task"
                        " multilabel for several 0/1 columns")
    target = plan.targets[0]
    if profiles[target].text_count:
        profile = profiles[target]
        notes.append(f"target {target!r}: numbers and text mixed"
                     f" ({_rows_text(profile.text_rows, profile.text_count)}); each value is a class")
    names, codes, counts = cols.class_counts(raw, target)
    if len(names) < 2:
        raise DataError(f"{file} target column {target!r} has only one class ({names[0]!r} in"
                        f" {int(counts.sum()):,} rows): a classifier needs at least two; choose"
                        " another target column or the task regression")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{file} target column {target!r} has {len(names):,} distinct values,"
                        f" too many classes (at most {MAX_CLASSES}): choose the task regression")
    return _Targets(CLASSIFICATION, codes, codes >= 0, names)


def _keep_rows(raw, plan, options, kinds, features, targets: _Targets, notes) -> np.ndarray:
    keep = targets.valid.copy()
    dropped_target = np.flatnonzero(~keep)
    if len(dropped_target):
        which = ", ".join(repr(t) for t in plan.targets)
        notes.append(f"{len(dropped_target):,} rows without a target value ({which}) left out"
                     f" ({_rows_text(raw.row_number(dropped_target), len(dropped_target))})")
    if options.missing == "drop":
        missing = missing_rows(raw, features, kinds) & keep
        where = np.flatnonzero(missing)
        if len(where):
            notes.append(f"{len(where):,} rows with missing values left out (data.missing is"
                         f" 'drop'): {_rows_text(raw.row_number(where), len(where))}")
        keep &= ~missing
    if not keep.any():
        raise DataError(f"{raw.name}: no row is left after leaving out rows with missing values:"
                        " choose the missing-value policy 'mean' or 'most_frequent'")
    return np.flatnonzero(keep)


def _missing_notes(raw, features, kinds, profiles, encoder: TableEncoder, policy: str, notes) -> None:
    fills = {c.name: c.fill for c in encoder.columns}
    for name in features:
        profile = profiles[name]
        if kinds[name] == TEXT:
            continue  # empty text cells are all padding: said with the column's text facts
        if profile.infinite_count:
            notes.append(f"column {name!r} has {profile.infinite_count} infinite values"
                         f" ({_rows_text(profile.infinite_rows, profile.infinite_count)}):"
                         " treated as missing")
        if policy != "drop" and profile.missing:
            how = ("the training mean" if kinds[name] == NUMERIC and policy == "mean"
                   else "the most frequent training value")
            fill = fills.get(name)
            shown = f"{fill:.4g}" if isinstance(fill, float) else repr(fill)
            notes.append(f"column {name!r} has {profile.missing:,} missing cells: filled with"
                         f" {how} ({shown})")


def load(spec: dict[str, Any], base_dir, progress=None, cancel=None) -> Dataset:
    """Load a CSV data section: see the module docstring for the order of the steps."""
    options = csv_options(spec, base_dir)
    head = read_head(options.path, encoding=options.encoding, delimiter=options.delimiter,
                     decimal=options.decimal, header=options.header, max_rows=200)
    fmt = head.format
    names = list(fmt.names)
    file = options.path.name
    plan = _plan(options, names, file)
    notes = list(plan.notes)
    guesses = cols.guess_kinds(head)
    read = list(dict.fromkeys(plan.candidates + plan.targets + ([plan.order_by] if plan.order_by else [])))
    wide = {t for t in plan.targets if guesses[t] == NUMERIC}
    numeric = {c for c in plan.candidates if guesses[c] == NUMERIC and c not in options.categorical
               and c not in options.text and c not in wide}
    raw = read_table(options.path, fmt, read, numeric=numeric, wide=wide, progress=progress,
                     cancel=cancel, span=(0.0, 0.8), expected_rows=head.estimated_rows)
    notes[:0] = raw.notes
    if raw.n_rows == 0:
        raise DataError(f"{file} has a header row but no data rows: add rows below the header")
    profiles = _profiles(raw, read)
    kinds = _kinds(raw, plan, options, profiles, notes)
    features = [c for c in plan.candidates if kinds[c] != IGNORE]
    if not features:
        raise DataError(f"{file} has no feature columns: every column other than the target is"
                        " left out or empty; add columns with the inputs to learn from")
    targets = _targets(raw, plan, options, profiles, notes)
    rows = _keep_rows(raw, plan, options, kinds, features, targets, notes)
    if options.sequence:
        dataset, texts = _load_sequence(raw, plan, options, kinds, features, targets, rows, fmt,
                                        notes, profiles)
    else:
        dataset, texts = _load_rows(raw, plan, options, kinds, features, targets, rows, fmt, notes,
                                    profiles)
    dataset.schema = _schema(raw, fmt, names, plan, kinds, profiles, dataset, texts)
    dataset.fingerprint = fingerprint(spec, options)
    cache.remember(describe_key(spec, base_dir), dataset.info)
    if progress is not None:
        progress(1.0, f"{file}: {raw.n_rows:,} rows loaded")
    return dataset


def _split_of(rows: np.ndarray, targets: _Targets,
              options: CsvOptions) -> tuple[list[np.ndarray], list[str]]:
    """The train, validation and test rows, and a warning for each split that came out empty."""
    stratify = (targets.values[rows] if targets.task == CLASSIFICATION and options.stratify
                else None)
    parts = split_indices(len(rows), options.validation, options.test, stratify=stratify,
                          seed=options.seed)
    class_sizes = None
    if stratify is not None:
        counts = np.bincount(stratify)
        class_sizes = counts[counts > 0].tolist()
    warnings = empty_split_warnings([len(p) for p in parts], options.validation, options.test,
                                    "rows", class_sizes)
    return [rows[p] for p in parts], warnings


def _text_facts(raw, encoder: TableEncoder, rows: np.ndarray, notes: list[str]) -> dict[str, TextFacts]:
    """Token counts and truncation of each text column over the rows used, with notes."""
    facts = {}
    for column in encoder.columns:
        if column.type != TEXT:
            continue
        text = raw.text[column.name]
        facts[column.name] = text_facts(column.to_dict(), text.categories, text.codes,
                                        column.lengths, rows, raw.row_number,
                                        column.name in encoder.auto_length, SHOWN)
        notes.extend(facts[column.name].notes(_rows_text))
    return facts


def _load_rows(raw, plan, options, kinds, features, targets, rows, fmt, notes,
               profiles) -> tuple[Dataset, dict[str, TextFacts]]:
    (train_rows, val_rows, test_rows), warnings = _split_of(rows, targets, options)
    encoder = TableEncoder.fit_categories(raw, kinds, features, train_rows, options.text_options)
    warnings += encoder.warnings
    notes.extend(warnings)
    ids = [RowIds(raw.row_number(part)) for part in (train_rows, val_rows, test_rows)]
    label_parts = [_labels(targets, part) for part in (train_rows, val_rows, test_rows)]
    xs = encoder.encode(raw, [train_rows, val_rows, test_rows], release=True)
    encoder.fit_numeric_fills(xs[0], options.missing)
    encoder.fill_missing(xs)
    _missing_notes(raw, features, kinds, profiles, encoder, options.missing, notes)
    texts = _text_facts(raw, encoder, rows, notes)
    scaling = fit_scaling(xs[0], options.scale, columns=encoder.numeric_mask())
    for x in xs:
        apply_inplace(x, scaling)
    target_scaling = _scale_targets(targets, label_parts, options)
    info = _info(raw, plan, targets, encoder, (encoder.width,), len(rows), fmt, warnings)
    splits = [Split(x, y, i) if len(x) else None for x, y, i in zip(xs, label_parts, ids)]
    return Dataset(info=info, train=splits[0], validation=splits[1], test=splits[2],
                   preprocessing=_preprocessing(info, encoder, fmt, options, scaling, target_scaling),
                   notes=notes), texts


def _load_sequence(raw, plan, options, kinds, features, targets, rows, fmt, notes,
                   profiles) -> tuple[Dataset, dict[str, TextFacts]]:
    seq = options.sequence
    rows = order_rows(raw, rows, plan.order_by, notes)
    count = len(rows) - seq.window - seq.horizon + 1
    if count < 3:
        raise DataError(f"{raw.name} has {len(rows):,} usable rows, too few for windows of"
                        f" {seq.window} rows and a horizon of {seq.horizon}: use a shorter window")
    parts = split_indices(count, options.validation, options.test, chronological=True)
    if len(parts[0]) == 0:
        raise DataError(f"{raw.name}: no window is left for training: make the validation and"
                        " test fractions smaller")
    warnings = empty_split_warnings([len(p) for p in parts], options.validation, options.test,
                                    "windows")
    train_rows = len(parts[0]) - 1 + seq.window  # rows the training windows read
    encoder = TableEncoder.fit_categories(raw, kinds, features, rows[:train_rows], options.text_options)
    warnings += encoder.warnings
    notes.extend(warnings)
    (series,) = encoder.encode(raw, [rows], release=True)
    encoder.fit_numeric_fills(series[:train_rows], options.missing)
    encoder.fill_missing([series])
    _missing_notes(raw, features, kinds, profiles, encoder, options.missing, notes)
    texts = _text_facts(raw, encoder, rows, notes)
    scaling = fit_scaling(series[:train_rows], options.scale, columns=encoder.numeric_mask())
    apply_inplace(series, scaling)
    x_all = windows(series, seq.window, count)
    ends = rows[seq.window - 1:seq.window - 1 + count]  # each window's last row
    label_rows = rows[seq.window - 1 + seq.horizon:seq.window - 1 + seq.horizon + count]
    label_parts = [_labels(targets, label_rows[p]) for p in parts]
    target_scaling = _scale_targets(targets, label_parts, options)
    info = _info(raw, plan, targets, encoder, (seq.window, encoder.width), count, fmt, warnings)
    splits = [Split(np.ascontiguousarray(x_all[p]), y, RowIds(raw.row_number(ends[p])))
              if len(p) else None for p, y in zip(parts, label_parts)]
    preprocessing = _preprocessing(info, encoder, fmt, options, scaling, target_scaling)
    preprocessing["kind"] = "sequence"
    preprocessing["sequence"] = {"window": seq.window, "horizon": seq.horizon,
                                 "order_by": seq.order_by}
    return Dataset(info=info, train=splits[0], validation=splits[1], test=splits[2],
                   preprocessing=preprocessing, notes=notes, chronological=True), texts


def _labels(targets: _Targets, rows: np.ndarray) -> np.ndarray | None:
    if targets.values is None:
        return None
    if targets.task == CLASSIFICATION:
        return targets.values[rows].astype(np.int64)
    return targets.values[rows].astype(np.float32)


def _scale_targets(targets: _Targets, parts: list, options: CsvOptions) -> dict | None:
    if targets.task != REGRESSION or not options.scale_target:
        return None
    scaling = fit_scaling(parts[0], "standard")
    for y in parts:
        if y is not None:
            apply_inplace(y, scaling)
    return scaling


def _info(raw, plan, targets: _Targets, encoder, shape, samples, fmt: CsvFormat,
          warnings: list[str]) -> DataInfo:
    return DataInfo(input_shape=tuple(shape), task=targets.task, class_names=targets.class_names,
                    target_names=[] if targets.task == RECONSTRUCTION else list(plan.targets),
                    feature_names=encoder.feature_names,
                    feature_columns=[c.name for c in encoder.columns for _ in range(c.width)],
                    vocab_size=max([int(c.text["vocab_size"]) for c in encoder.columns
                                    if c.type == TEXT and c.text] or [0]),
                    samples=int(samples),
                    description=f"CSV file {raw.name} ({fmt.describe()})", warnings=list(warnings))


def _preprocessing(info, encoder, fmt, options, scaling, target_scaling) -> dict[str, Any]:
    return {
        "format": "layerforge.preprocessing", "format_version": 1, "kind": "table",
        "task": info.task, "input_shape": list(info.input_shape),
        "feature_names": info.feature_names, "class_names": info.class_names,
        "target_names": info.target_names, "input_scaling": scaling,
        "target_scaling": target_scaling,
        "table": {"csv": {"encoding": fmt.encoding, "delimiter": fmt.delimiter,
                          "decimal": fmt.decimal, "header": fmt.header},
                  "source_columns": list(fmt.names), "columns": encoder.to_list(),
                  "missing": options.missing},
    }


def _schema(raw, fmt, names, plan, kinds, profiles, dataset: Dataset,
            texts: dict[str, TextFacts]) -> dict[str, Any]:
    columns = []
    for name in names:
        profile = profiles.get(name)
        if name in plan.targets:
            role = "target"
        elif name == plan.order_by:
            role = "order"
        elif kinds.get(name, IGNORE) == IGNORE:
            role = "ignore"
        else:
            role = "feature"
        kind = kinds.get(name) or (profile.kind if profile else "")
        if kind == IGNORE:
            kind = "categorical" if name in raw.text else "numeric"
        row = {"name": name, "role": role, "type": kind,
               "missing": profile.missing if profile else None,
               "summary": profile.summary if profile else "not read"}
        if name in texts and role == "feature":
            row["summary"] = texts[name].summary()
            row["text"] = texts[name].to_dict()
        columns.append(row)
    schema: dict[str, Any] = {"rows": raw.n_rows, "format": fmt.describe(), "columns": columns}
    if dataset.info.task == CLASSIFICATION:
        schema["classes"] = class_table(dataset)
    return schema


def fingerprint(spec: dict[str, Any], options: CsvOptions) -> str:
    stat = cache.stat_key(options.path)
    return hashlib.sha256(json.dumps([spec, stat], sort_keys=True, default=str).encode()).hexdigest()[:16]


def describe_key(spec: dict[str, Any], base_dir) -> str:
    from core import __version__

    options_path = csv_options(spec, base_dir).path
    # "info 2": facts remembered before DataInfo had ``warnings`` are not reused
    return cache.spec_key(spec, cache.stat_key(options_path), __version__, "csv", "info 2")


def describe(spec: dict[str, Any], base_dir) -> DataInfo:
    """The data's facts; a full load the first time, remembered afterwards (per file state)."""
    key = describe_key(spec, base_dir)
    info = cache.recall(key)
    if info is not None:
        return info
    try:
        return load(spec, base_dir).info
    except DataError as err:
        cache.remember(key, problem=str(err))
        raise


SOURCES.register(DataSource(
    name="csv", title="CSV table",
    doc="A table in a CSV file: one row per sample, the target column(s) to predict, the rest as inputs.",
    describe=describe,
    load=lambda spec, base_dir, progress=None, cancel=None, cache_dir=None: load(
        spec, base_dir, progress, cancel),
    options=("path", "task", "split", "target", "features", "ignore", "categorical", "numeric",
             "text", "text_options", "missing", "scale", "scale_target", "delimiter", "encoding",
             "decimal", "header", "sequence", "input_noise"),
    required=("path",), preprocessing_kinds=("table", "sequence"),
    predict_input="a CSV file with the columns the model was trained on (the target may be left out)",
    summary=file_summary("the table"), action=file_action("Load data from"),
    opens=lambda path: not path.is_dir(), read_options=csv_options))
