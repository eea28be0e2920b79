"""``--data`` with a text project: read the project's text column from the new file's.

A project whose Input takes ``columns: ["text"]`` names its own data's text column. When
``--data`` gives a CSV file whose text column has another name, the Input nodes (and
``data.text`` / ``data.features``) are rewritten to name the new file's text column:
the one ``--text COLUMN`` gives, or else the single text column found in the new file.
The text columns are found as the loader finds them (:func:`core.data.text.looks_like_text`
over the first rows, plus ``data.text``), so no full load is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import DataError

if TYPE_CHECKING:
    from core.project import Project

_HEAD_ROWS = 500
#: The help of ``--text`` (check, train).
TEXT_HELP = ("the text column of the --data CSV file: the project's Inputs that read the project's"
             " text column (such as columns: [\"text\"]) read this column instead. Without --text,"
             " the new file's only text column is used when the project's text column is not in it")


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def csv_text_columns(spec: dict[str, Any], base_dir) -> tuple[list[str], list[str]]:
    """``(all columns, text columns)`` of a CSV data section's file, from its first rows;
    the target columns are never text columns here."""
    import numpy as np

    from core.data.columns import NUMERIC, guess_kinds
    from core.data.csv_format import is_missing, read_head
    from core.data.csv_options import csv_options
    from core.data.text import looks_like_text

    options = csv_options(spec, base_dir)
    head = read_head(options.path, encoding=options.encoding, delimiter=options.delimiter,
                     decimal=options.decimal, header=options.header, max_rows=_HEAD_ROWS)
    names = list(head.names)
    targets = set(_names(spec.get("target")))
    forced = set(_names(spec.get("text")))
    kinds = guess_kinds(head)
    found = []
    for index, name in enumerate(names):
        if name in targets:
            continue
        if name in forced:
            found.append(name)
            continue
        if kinds[name] == NUMERIC:
            continue
        cells = [c for c in head.column(index) if not is_missing(c)]
        if not cells:
            continue
        values, counts = np.unique(np.asarray(cells, dtype=object).astype(str), return_counts=True)
        if looks_like_text(list(values), counts)[0]:
            found.append(name)
    return names, found


def _project_text_columns(project: "Project") -> set[str]:
    """The text columns of the project's own data: ``data.text`` and those detected."""
    data = project.data or {}
    if data.get("kind") != "csv":
        return set()
    columns = set(_names(data.get("text")))
    try:
        columns.update(csv_text_columns(data, project.directory)[1])
    except (DataError, OSError):
        pass  # the project's own file is gone: data.text is all that is known
    return columns


def map_text_column(project: "Project", spec: dict[str, Any], text: str | None,
                    data_given: bool) -> str | None:
    """Rewrite the Input nodes of ``project`` (and ``spec``'s ``text``/``features``) that name
    the project's text column to name the text column of ``spec``'s file; a note saying so,
    or None when nothing changed. Raises DataError when the column cannot be chosen.
    With ``--data``, the new file's columns that no Input reads are left out too
    (:func:`read_columns_only`)."""
    notes = [_map_text_column(project, spec, text, data_given)]
    if data_given:
        notes.append(read_columns_only(project, spec))
    return "; ".join(n for n in notes if n) or None


def read_columns_only(project: "Project", spec: dict[str, Any]) -> str | None:
    """When every Input of ``project`` names its ``columns`` and ``spec`` (a CSV file given
    with ``--data``) does not list its ``features``, they become the columns the Inputs
    read: another column of the new file (a word count, an id) would otherwise be encoded
    into features no layer reads, and every file to predict from would need it. A note
    naming the columns left out, or None."""
    if spec.get("kind") != "csv" or spec.get("features") is not None:
        return None
    read = project.graph.columns_read()
    if read is None:
        return None
    try:
        names = csv_text_columns(spec, project.directory)[0]
    except (DataError, OSError):
        return None  # the loader says what is wrong with the file
    targets = set(_names(spec.get("target")))
    unread = [n for n in names if n not in read and n not in targets]
    if not unread:
        return None
    spec["features"] = read
    shown = ", ".join(repr(n) for n in unread[:5]) + (" …" if len(unread) > 5 else "")
    return (f"column{'s' if len(unread) > 1 else ''} {shown} of the file"
            f" {'are' if len(unread) > 1 else 'is'} read by no Input: left out")


def _map_text_column(project: "Project", spec: dict[str, Any], text: str | None,
                     data_given: bool) -> str | None:
    if spec.get("kind") != "csv" or not (data_given or text):
        return None
    file = spec.get("path", "the data")
    names, found = csv_text_columns(spec, project.directory)
    shown = getattr(spec.get("path"), "name", None) or str(file).replace("\\", "/").rsplit("/", 1)[-1]
    if text is not None and text not in names:
        raise DataError(f"--text {text!r}: {shown} has no column {text!r}; its columns are"
                        f" {', '.join(repr(n) for n in names)}")
    inputs = [node for node in project.graph.nodes.values()
              if node.type == "Input" and _names(node.params.get("columns"))]
    old_text = _project_text_columns(project) if data_given else set()
    if text is not None:
        old_text.update(c for c in _names((project.data or {}).get("text")))
    used = [c for node in inputs for c in _names(node.params.get("columns")) if c in old_text]
    used = list(dict.fromkeys(used))
    if text is not None:
        wanted = [c for c in used if c != text]
        if not used:  # without --data, or a project whose text column is unknown
            wanted = [c for node in inputs for c in _names(node.params.get("columns"))
                      if c not in names]
            wanted = list(dict.fromkeys(wanted))
    else:
        wanted = [c for c in used if c not in names]
    if not wanted:
        if text is not None:
            spec["text"] = list(dict.fromkeys(_names(spec.get("text")) + [text]))
        return None
    if len(wanted) > 1:
        raise DataError(f"the project's Inputs read several text columns"
                        f" ({', '.join(repr(c) for c in wanted)}) that {shown} does not have:"
                        " --text maps only one; edit the Input nodes' columns instead")
    old = wanted[0]
    if text is None:
        if not found:
            raise DataError(f"{shown} has no text column for the project's text column {old!r}"
                            f" (its columns: {', '.join(repr(n) for n in names)}): choose a file"
                            " with a column of text, or name it with --text COLUMN")
        if len(found) > 1:
            raise DataError(f"{shown} has several text columns ({', '.join(repr(c) for c in found)}):"
                            f" choose the one to read in place of {old!r} with --text COLUMN")
        text = found[0]
    for node in inputs:
        columns = node.params["columns"]
        if isinstance(columns, str):
            columns = [columns]
        node.params["columns"] = list(dict.fromkeys(text if c == old else c for c in columns))
    for key in ("text", "features"):
        if spec.get(key) is not None:
            spec[key] = list(dict.fromkeys(text if c == old else c for c in _names(spec[key])))
    spec["text"] = list(dict.fromkeys(_names(spec.get("text")) + [text]))
    return f"the project's text column {old!r} is read from column {text!r} of {shown}"
