"""``layerforge check PROJECT``: shapes, parameter counts and problems of a design."""

from __future__ import annotations

import argparse
import sys

from core.check import check_project, format_table, format_totals
from core.errors import ProjectError
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


def data_override(project: Project, args: argparse.Namespace) -> dict | None:
    """The project's data section with ``--data`` / ``--target`` applied, or None if unchanged."""
    if not args.data and not args.target:
        return None
    from pathlib import Path

    spec = dict(project.data or {})
    if args.data:
        path = Path(args.data).expanduser().resolve()
        kind = "image_folder" if path.is_dir() else "csv"
        if spec.get("kind") != kind:
            spec = {"kind": kind}
        spec["path"] = str(path)
    if args.target:
        spec["target"] = args.target
    return spec


def run(args: argparse.Namespace) -> int:
    try:
        project = Project.load(args.project)
    except ProjectError as err:
        for problem in err.problems:
            print(f"layerforge check: {problem}", file=sys.stderr)
        return 2
    report = check_project(project, data_override(project, args))
    where = args.project
    print(f"{project.name} ({where})")
    if report.data_info is not None:
        print(f"data: {report.data_info.description} - {report.data_info.summary()}")
        for note in report.notes:
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
