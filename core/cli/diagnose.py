"""``layerforge diagnose PROJECT [--only NAMES] [--out FOLDER]``: sanity experiments with a verdict.

Runs the learning-rate range test, the overfit-one-batch test and the data-size check
(:mod:`core.diagnose`) on the project's own data and prints one verdict sentence each;
``--out`` also writes ``diagnosis.json`` and a plot per experiment.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    from core.diagnose import DIAGNOSES

    lines = "; ".join(f"{spec.name}: {spec.question}" for spec in DIAGNOSES)
    parser = subparsers.add_parser(
        "diagnose", help="quick experiments that say what to fix: learning rate, design, data size",
        description="Train the project briefly in three ways and say what each shows. " + lines)
    parser.add_argument("project", metavar="PROJECT", help="a .lfproj file")
    parser.add_argument("--only", metavar="NAMES",
                        help=f"some of {', '.join(DIAGNOSES.names())}, separated by commas")
    parser.add_argument("--out", "-o", metavar="FOLDER",
                        help="also write diagnosis.json and one PNG plot per experiment here")
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def run(args: argparse.Namespace) -> int:
    from core.diagnose import DIAGNOSES, run_all
    from core.diagnose.base import save
    from core.project import Project

    names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    for name in names or []:
        DIAGNOSES.get(name)  # an unknown name is one sentence with the closest ones
    project = Project.load(args.project)

    def progress(fraction: float, message: str) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\r{fraction:4.0%} {message[:70]:<70}", end="", file=sys.stderr, flush=True)

    results = run_all(project, names, progress)
    if not args.quiet and sys.stderr.isatty():
        print("\r" + " " * 76 + "\r", end="", file=sys.stderr)
    for result in results:
        mark = "ok  " if result.status == "pass" else "note"
        print(f"{mark} {result.title}: {result.verdict}")
    if args.out:
        print(f"written to {save(results, args.out)}")
    return 0
