"""``layerforge check PROJECT``: the data's schema, then shapes, parameter counts and problems.

The data is loaded (so every problem with it shows now, not when training starts) and
what was understood is printed: rows, columns and their types, classes and their counts,
skipped files. A data problem is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from core.check import check_project, format_table, format_totals
from core.cli.text_column import TEXT_HELP
from core.errors import DataError, ProjectError
from core.project import Project


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "check", help="print every node's output shape and parameter count, and any problems",
        description="Check a project: load its data, infer every node's output shape, count"
                    " parameters and multiply-accumulates, and list problems. Exit code 2 if"
                    " the project has problems.")
    parser.add_argument("project", help="a .lfproj file")
    parser.add_argument("--data", help="use this CSV file or image folder instead of the project's data")
    parser.add_argument("--target", help="the target column of a CSV file")
    parser.add_argument("--text", metavar="COLUMN", help=TEXT_HELP)


def data_override(project: Project, args: argparse.Namespace,
                  notes: list[str] | None = None) -> dict | None:
    """The project's data section with ``--data`` / ``--target`` / ``--text`` applied, or None
    if unchanged. With a CSV file whose text column has another name than the project's,
    the project's Input nodes are rewritten to read it (:mod:`core.cli.text_column`); a note
    saying so is appended to ``notes``."""
    text = getattr(args, "text", None)
    if not args.data and not args.target and not text:
        return None
    spec = dict(project.data or {})
    if args.data:
        from core.data import SOURCES
        from core.data.paths import resolve

        path = resolve(args.data)
        source = SOURCES.for_path(path)
        if spec.get("kind") != source.name:
            spec = {"kind": source.name}
        spec["path"] = str(path)
    if args.target:
        spec["target"] = args.target
    from core.cli.text_column import map_text_column

    note = map_text_column(project, spec, text, bool(args.data))
    if note and notes is not None:
        notes.append(note)
    return spec


def format_schema(dataset) -> list[str]:
    """What the loader understood, as lines for the terminal."""
    schema = dataset.schema or {}
    lines = []
    if "rows" in schema:
        lines.append(f"rows: {schema['rows']:,} ({schema.get('format', '')})")
    if "images" in schema:
        lines.append(f"images: {schema['images']:,} ({schema.get('format', '')})")
    columns = schema.get("columns") or []
    if columns:
        width = max(len(c["name"]) for c in columns)
        lines.append("columns:")
        for column in columns:
            missing = "" if column["missing"] is None else f"{column['missing']:,} missing"
            lines.append(f"  {column['name'].ljust(width)}  {column['role']:<7}  {column['type'] or '-':<11}"
                         f"  {missing:<12}  {column['summary']}".rstrip())
    classes = schema.get("classes")
    if classes:
        lines.append("classes: " + ", ".join(f"{name} ({count:,})" for name, count in classes))
    sizes = [("train", dataset.train), ("validation", dataset.validation), ("test", dataset.test)]
    lines.append("split: " + ", ".join(f"{name} {len(part) if part is not None else 0:,}"
                                       for name, part in sizes)
                 + (" (chronological)" if dataset.chronological else ""))
    skipped = schema.get("skipped") or []
    if skipped:
        lines.append(f"skipped files ({len(skipped)}):")
        lines.extend(f"  {path}: {reason}" for path, reason in skipped)
    lines.extend(f"note: {note}" for note in dataset.notes
                 if not (skipped and note.endswith(")") and "files skipped" in note))
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        project = Project.load(args.project)
    except ProjectError as err:
        for problem in err.problems:
            print(f"layerforge check: {problem}", file=sys.stderr)
        return 2
    notes: list[str] = []
    try:
        override = data_override(project, args, notes)
    except DataError as err:
        print(f"layerforge check: {err}", file=sys.stderr)
        return 2
    spec = override if override is not None else project.data
    dataset = None
    if spec is not None:
        from core.data import load

        try:
            dataset = load(spec, project.directory)
        except DataError as err:
            print(f"layerforge check: {err}", file=sys.stderr)
            return 2
    report = check_project(project, override)
    print(f"{project.name} ({args.project})")
    if report.data_info is not None:
        print(f"data: {report.data_info.description} - {report.data_info.summary()}")
    if dataset is not None:
        for line in format_schema(dataset):
            print(line)
    for note in notes + list(report.notes):
        print(f"note: {note}")
    print()
    print(format_table(project, report.analysis))
    print()
    print(format_totals(report.analysis))
    for problem in report.problems:
        print(f"{problem.severity}: {problem.message}", file=sys.stderr)
    if report.ready:
        print("ready to train")
        return 0
    return 2
