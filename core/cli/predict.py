"""``layerforge predict MODEL --data PATH [--out predictions.csv]``: predictions as a CSV file.

MODEL is a run folder, an exported ``.onnx`` file, a LayerForge ``.safetensors`` file or
an exported standalone-code folder. PATH is a CSV file with the training columns (extra
columns are ignored) or a folder of images (sub-folders optional). A model that reads one
text column also takes sentences typed on the command line: ``--text "..."`` (repeatable),
whose predictions are printed (and written to ``--out`` when it is given).
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "predict", help="apply a trained model to a CSV file or an image folder",
        description="Apply a trained model to new data with the preprocessing it was trained"
                    " with, and write one row per sample: the row number or image path,"
                    " 'prediction' (the class name or value) and, for classification, a"
                    " prob_<class> column per class.")
    parser.add_argument("model", metavar="RUN_DIR_OR_EXPORTED_FILE",
                        help="a run folder, an .onnx file, a .safetensors export or a"
                             " standalone-code folder")
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--data", metavar="PATH", help="a CSV file, a folder of images or one image")
    given.add_argument("--text", action="append", metavar="SENTENCE",
                       help="a sentence for a model that reads one text column (give it again for"
                            " more); the predictions are printed")
    parser.add_argument("--out", "-o", metavar="PATH",
                        help="the CSV file to write (default with --data: predictions.csv; with"
                             " --text: none, the predictions are printed); never the data or the model")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the --out file if it exists")


def run(args: argparse.Namespace) -> int:
    from core.errors import ExportError
    from core.export.predict import predict_file
    from core.export.predict_text import predict_texts
    from core.overwrite import check_destination

    out = args.out or (None if args.text else "predictions.csv")
    if out is not None:
        inputs = [("the model", args.model)] + ([("the data", args.data)] if args.data else [])
        check_destination(out, overwrite=args.overwrite, error=ExportError, inputs=inputs)
    notes: list[str] = []
    if args.text:
        table = predict_texts(args.model, args.text, notes=notes)
    else:
        table = predict_file(args.model, args.data, notes=notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.text:
        _print_table(table.header, table.rows)
    if out is not None:
        path = table.write_csv(out)
        count = len(table.rows)
        print(f"{count:,} prediction{'' if count == 1 else 's'} written to {path}")
    return 0


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    """The predictions as CSV on standard output (a sentence with a comma is quoted)."""
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
