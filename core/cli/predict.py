"""``layerforge predict MODEL --data PATH [--out predictions.csv]``: predictions as a CSV file.

MODEL is a run folder, an exported ``.onnx`` file, a LayerForge ``.safetensors`` file or
an exported standalone-code folder. PATH is a CSV file with the training columns (extra
columns are ignored) or a folder of images (sub-folders optional).
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
    parser.add_argument("--data", required=True, metavar="PATH",
                        help="a CSV file, a folder of images or one image")
    parser.add_argument("--out", "-o", default="predictions.csv", metavar="PATH",
                        help="the CSV file to write (default: predictions.csv); never the data"
                             " or the model")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the --out file if it exists")


def run(args: argparse.Namespace) -> int:
    from core.errors import ExportError
    from core.export.predict import predict_file
    from core.overwrite import check_destination

    check_destination(args.out, overwrite=args.overwrite, error=ExportError,
                      inputs=[("the data", args.data), ("the model", args.model)])
    notes: list[str] = []
    table = predict_file(args.model, args.data, notes=notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    path = table.write_csv(args.out)
    print(f"{len(table.rows):,} predictions written to {path}")
    return 0
