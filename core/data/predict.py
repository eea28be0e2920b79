"""New data for a trained model: a CSV file or images -> the **encoded** input array.

Prediction and export start from ``preprocessing.json`` (written beside every trained
model). :func:`encode_inputs` turns a new file into the encoded, unscaled feature
array exactly as training did (same columns, categories, fill values, image size and
colour); :func:`core.data.scaling.apply_input_scaling` then gives the model's input.
Exported models contain the scaling themselves, so they take the encoded array.

The encoding rules are :mod:`core.data.encoder`'s, which the standalone ``predict.py``
uses too; here the file is read with pyarrow (fast, with LayerForge's notes and errors).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from core.data import encoder, float_range
from core.data.csv_format import read_head
from core.data.csv_read import read_table
from core.data.image_decode import decode, describe_error, to_unit
from core.data.image_scan import list_images
from core.data.sequence import order_rows
from core.data.table_encode import TableEncoder
from core.data.workers import run_chunks
from core.errors import DataError

_IMAGE_CHUNK = 64


class EncodedInputs(NamedTuple):
    """``x``: float32 ``(N, *input_shape)``, encoded but not scaled; ``ids``: one per sample
    (the CSV row number as a spreadsheet shows it, or the image path relative to the folder)."""

    x: np.ndarray
    ids: list[str]


def encode_inputs(preprocessing: dict[str, Any], path: str | Path,
                  notes: list[str] | None = None) -> EncodedInputs:
    """Encode a new CSV file, image folder (class sub-folders optional) or image file.

    The CSV needs every column the model was trained on (extra columns, the target
    included, are ignored); a missing one is a :class:`DataError` naming it. Missing
    cells get the training fill values. Images that cannot be read are skipped and
    listed in ``notes`` (when given). Raises :class:`DataError` for a person's mistake.
    """
    notes = notes if notes is not None else []
    if encoder.is_image_model(preprocessing):
        return _encode_images(preprocessing, Path(path), notes)
    try:
        table = encoder.table_settings(preprocessing)  # built-in 2-D point sets: columns x and y
    except encoder.EncodingProblem:
        raise DataError(f"a model trained on {preprocessing.get('kind')!r} data cannot read"
                        f" {Path(path).name}: predict from a CSV file or an image folder like the"
                        " training data") from None
    return _encode_table(preprocessing, table, Path(path), notes)


def _encode_table(preprocessing: dict[str, Any], table: dict[str, Any], path: Path,
                  notes: list[str]) -> EncodedInputs:
    table_encoder = TableEncoder.from_list(table.get("columns") or [])
    header = (table.get("csv") or {}).get("header", True)
    head = read_head(path, header=header, max_rows=200)
    fmt = head.format
    names = list(fmt.names)
    needed = [c.name for c in table_encoder.columns]
    sequence = preprocessing.get("sequence") if preprocessing.get("kind") == "sequence" else None
    order_by = (sequence or {}).get("order_by")
    for column in needed:
        if column not in names:
            raise DataError(f"{path.name} has no column {column!r}, which the model was trained on:"
                            " add it (the file needs the same columns as the training data)")
    if order_by and order_by not in names:
        notes.append(f"{path.name} has no column {order_by!r}: rows used in file order")
        order_by = None
    numeric = {c.name for c in table_encoder.columns if c.type == "numeric"}
    columns = list(dict.fromkeys(needed + ([order_by] if order_by else [])))
    raw = read_table(path, fmt, columns, numeric=numeric, expected_rows=head.estimated_rows)
    notes.extend(raw.notes)
    if raw.n_rows == 0:
        raise DataError(f"{path.name} has a header row but no data rows: add rows below the header")
    float_range.check(raw, [c.name for c in table_encoder.columns if c.type == "numeric"],
                      "change it (the model only takes numbers within that range)")
    for column in raw.demoted:
        if column in numeric:
            notes.append(f"column {column!r} holds text in some rows: those cells count as missing")
    rows = np.arange(raw.n_rows)
    if sequence:
        rows = order_rows(raw, rows, order_by, notes)
    (encoded,) = table_encoder.encode(raw, [rows], release=True)
    _text_notes(raw, table_encoder, rows, notes)
    _unseen_category_notes(raw, table_encoder, rows, notes)
    missing = int((~np.isfinite(encoded)).sum())
    if missing:
        notes.append(f"{missing:,} missing or infinite cells filled with the training fill values")
    table_encoder.fill_missing([encoded])
    if not sequence:
        return EncodedInputs(encoded, [str(r) for r in raw.row_number(rows)])
    window = int(sequence["window"])
    count = len(rows) - window + 1
    if count < 1:
        raise DataError(f"{path.name} has {len(rows)} rows, fewer than the model's window of"
                        f" {window} rows: give it at least {window} rows")
    x = encoder.windows(encoded, window, count)
    return EncodedInputs(x, [str(r) for r in raw.row_number(rows[window - 1:])])


def _text_notes(raw, table_encoder: TableEncoder, rows: np.ndarray, notes: list[str]) -> None:
    """Truncated, empty and over-long texts of the new file, as the training notes say them."""
    from core.data.csv_source import _rows_text
    from core.data.text import text_facts

    for column in table_encoder.columns:
        if column.type == "text" and column.lengths is not None:
            text = raw.text[column.name]
            facts = text_facts(column.to_dict(), text.categories, text.codes, column.lengths, rows,
                               raw.row_number)
            notes.extend(facts.notes(_rows_text, fitted=False))


def _unseen_category_notes(raw, table_encoder: TableEncoder, rows: np.ndarray, notes: list[str]) -> None:
    """Categorical cells holding a value training never saw: the prediction guesses there."""
    for column in table_encoder.columns:
        if column.type != encoder.CATEGORICAL or column.name not in raw.text:
            continue
        spec, text = column.to_dict(), raw.text[column.name]
        values, at = encoder.unseen_categories(spec, text.categories, text.codes[rows])
        if values:
            first = str(int(raw.row_number(rows[at].min())))  # the first in the file
            notes.append(encoder.unseen_sentence(spec, values, len(at), len(rows), first))


def _image_task(task: tuple) -> list:
    paths, size, color = task
    out = []
    for path in paths:
        try:
            out.append(decode(path, size, color))
        except Exception as err:  # noqa: BLE001 - reported, the rest go on
            out.append(describe_error(err))
    return out


def _encode_images(preprocessing: dict[str, Any], path: Path, notes: list[str]) -> EncodedInputs:
    image = preprocessing.get("image") or {}
    shape = preprocessing.get("input_shape") or [1, 28, 28]
    size = tuple(image.get("size") or shape[1:])
    color = image.get("color") or ("grayscale" if shape[0] == 1 else "rgb")
    root, files, skipped = list_images(path)
    tasks = [([str(root / f) for f in files[i:i + _IMAGE_CHUNK]], size, color)
             for i in range(0, len(files), _IMAGE_CHUNK)]
    results = run_chunks(_image_task, tasks)
    pixels, ids = [], []
    for name, result in zip(files, results):
        if isinstance(result, str):
            skipped.append([name, result])
        else:
            pixels.append(result)
            ids.append(name)
    if skipped:
        notes.append(f"{len(skipped)} files skipped: " + "; ".join(f"{p} ({r})" for p, r in skipped[:5]))
    if not pixels:
        raise DataError(f"{path} holds no readable images: " + "; ".join(
            f"{p} ({r})" for p, r in skipped[:3]))
    x = to_unit(np.stack(pixels))
    return EncodedInputs(x, ids)
