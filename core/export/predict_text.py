"""Predictions for sentences typed by a person (the Predict window's "Type sentences").

A run whose only input is one text column can predict from raw sentences without a
file. The sentences are encoded by :func:`core.data.encoder.text_tokens`, the function
that encodes a CSV's text column for ``layerforge predict`` and training, with the run's
saved tokenizer; the model runs through :func:`core.export.predict.predict_encoded`, as
for a file. The table's first column is named after the text column and holds the
sentences, so a saved table can be read back as a CSV of raw text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from core.errors import ExportError

__all__ = ["typed_lines", "text_input", "typed_text_problem", "predict_texts", "read_text_input"]


def typed_lines(block: str) -> list[str]:
    """The sentences of a typed block: one per line, blank lines skipped, spaces trimmed."""
    return [line.strip() for line in block.splitlines() if line.strip()]


def text_input(preprocessing: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """The run's text column (its preprocessing.json entry, or None) and the names of its
    other input columns."""
    if preprocessing.get("kind") not in ("table", "sequence"):
        return None, []
    columns = list((preprocessing.get("table") or {}).get("columns") or [])
    texts = [c for c in columns if c.get("type") == "text"]
    others = [str(c.get("name")) for c in columns if c.get("type") != "text"]
    others += [str(c.get("name")) for c in texts[1:]]
    return (texts[0] if texts else None), others


def typed_text_problem(preprocessing: Mapping[str, Any]) -> str | None:
    """Why typed sentences cannot go to this model (one sentence), or None when they can."""
    column, others = text_input(preprocessing)
    if column is None:
        return "this model reads no text column: predict from a CSV file or image folder"
    if preprocessing.get("kind") == "sequence":
        return ("this model reads windows of consecutive rows: typed sentences need a model whose"
                " only input is a text column; predict from a CSV file instead")
    if others:
        names = ", ".join(repr(n) for n in others[:4]) + (" …" if len(others) > 4 else "")
        return (f"this model also reads {names} besides the text column {column['name']!r}:"
                " typed sentences need a model whose only input is text; predict from a CSV"
                " file that has those columns too")
    return None


def _lines_text(rows, total: int | None = None) -> str:
    rows = list(rows)
    text = ", ".join(map(str, rows))
    if total is not None and total > len(rows):
        text += f" and {total - len(rows):,} more"
    return f"line{'s' if len(rows) > 1 or (total or 0) > 1 else ''} {text}"


def predict_texts(model, texts: Sequence[str], progress=None, notes: list[str] | None = None,
                  cancel=None):
    """Predictions of ``model`` (a run folder, export or :class:`~core.export.predict.Predictor`)
    for each sentence of ``texts``, in order; the same numbers :func:`core.export.predict.predict_file`
    gives for a CSV holding those sentences. Raises :class:`ExportError` when the model
    takes more than one text column, or ``texts`` is empty."""
    from core.data import encoder
    from core.data.text import text_facts
    from core.export.predict import Predictor, open_predictor, predict_encoded

    report = progress or (lambda fraction, message: None)
    notes = notes if notes is not None else []
    texts = [str(t) for t in texts]
    if not texts:
        raise ExportError("type at least one sentence to predict for, one per line")
    report(0.0, "opening the model")
    predictor = model if isinstance(model, Predictor) else open_predictor(model)
    problem = typed_text_problem(predictor.preprocessing)
    if problem:
        raise ExportError(problem[0].upper() + problem[1:])
    column, _others = text_input(predictor.preprocessing)
    report(0.1, f"tokenizing {len(texts):,} sentences")
    codes, seen = encoder.text_codes(texts)
    try:
        tokens, lengths = encoder.text_tokens(column, seen)
    except encoder.EncodingProblem as err:
        raise ExportError(str(err)) from None
    x = np.ascontiguousarray(tokens[codes])
    rows = np.arange(len(texts))
    facts = text_facts(column, seen, codes, lengths, rows, lambda index: index + 1)
    notes.extend(facts.notes(_lines_text, fitted=False))
    return predict_encoded(predictor, x, texts, str(column["name"]), notes, report, cancel)


def read_text_input(run_dir: str | Path) -> tuple[str | None, str | None]:
    """For the Predict window: the run's text column name (None without one) and why typed
    sentences cannot be used (None when they can). Reads only preprocessing.json."""
    from core.data.encoder import load_preprocessing

    try:
        preprocessing = load_preprocessing(run_dir)
    except (OSError, ValueError) as err:
        raise ExportError(f"{Path(run_dir).name}/preprocessing.json cannot be read ({err}):"
                          " train the model again") from None
    column, _others = text_input(preprocessing)
    return (str(column["name"]) if column else None), typed_text_problem(preprocessing)
