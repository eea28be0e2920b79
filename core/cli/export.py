"""``layerforge export RUN_DIR --format FORMAT [--out PATH]``: export a trained model, verified.

Prints one line per format: verified with the largest difference from the in-app model
and where it was saved, or FAILED with the reason (nothing is saved then). Exit code 0
when every export verified, 1 when one failed, 2 for a person's mistake (not a run
folder, a run that did not finish, an unknown format, a destination that exists without
``--overwrite``) or a disk that refuses the files.
"""

from __future__ import annotations

import argparse
import textwrap

from core.export.formats import DEFAULT_FORMAT, EXPORT_FORMATS, TOLERANCE
from core.export.heads import ALL_HEADS_FORMATS, HEAD_CHOICES, PRIMARY
from core.export.parts import PARTS

EXIT_OK, EXIT_FAILED = 0, 1


def _formats_text() -> str:
    lines = ["formats:"]
    for f in EXPORT_FORMATS:
        text = f.description + (f" {f.deprecated}." if f.deprecated else "")
        wrapped = textwrap.wrap(text, 64)
        lines.append(f"  {f.name:<13}{wrapped[0]}")
        lines += [f"  {'':<13}{line}" for line in wrapped[1:]]
    return "\n".join(lines)


def _folder_formats() -> str:
    return ", ".join(f.name for f in EXPORT_FORMATS if f.folder)


def add_parser(subparsers) -> None:
    intro = textwrap.fill(
        "Export the model of a finished run and check it: each file is loaded back with its own"
        " runtime and compared with the in-app model on validation data; a difference above"
        f" {TOLERANCE:g} (relative) fails and nothing is saved. Exit code 1 when an export"
        " fails, 2 for a mistake in the command.", 79)
    parser = subparsers.add_parser(
        "export", help=f"export a trained model ({', '.join(f.short or f.title for f in EXPORT_FORMATS)})",
        description=intro + "\n\n" + _formats_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the run folder (runs/<name>-<time>/)")
    parser.add_argument("--format", "-f", default=DEFAULT_FORMAT, metavar="FORMAT",
                        help=f"one of {', '.join(EXPORT_FORMATS.names())}, several separated by"
                             f" commas, or all (default: {DEFAULT_FORMAT})")
    parser.add_argument("--out", "-o", metavar="PATH",
                        help=f"the file (or folder, for {_folder_formats()}) to write; with several"
                             " formats a folder (default: RUN_DIR/export/)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files (or an earlier code export) already at the destination;"
                             " the run's own files are never replaced")
    parser.add_argument("--part", choices=sorted(PARTS), metavar="PART",
                        help="export part of a variational autoencoder or a GAN alone, as onnx or pt2: "
                             + "; ".join(f"{name}: {words}" for name, words in PARTS.items()))
    parser.add_argument("--heads", choices=HEAD_CHOICES, default=PRIMARY,
                        help="with several Output nodes: primary (default) exports the head that"
                             " predict uses; all exports every head, one output per Output named"
                             f" by its id ({', '.join(ALL_HEADS_FORMATS)})")


def run(args: argparse.Namespace) -> int:
    from core.export.exporter import export_run, parse_formats

    formats = parse_formats(args.format)  # an unknown format is reported before the run is opened
    results = export_run(args.run_dir, formats, args.out, overwrite=args.overwrite, part=args.part,
                         heads=args.heads)
    for result in results:
        print(result.line())
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
