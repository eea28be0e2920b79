"""``layerforge import MODEL --out PROJECT.lfproj``: a model from elsewhere as a LayerForge project.

MODEL is an ONNX file, a ``.pt2`` file (torch.export) or a ``.py`` file defining an
``nn.Module`` (LayerForge's own standalone-code ``model.py`` included). Prints what was
imported, where the project and its weights went, and the verification; a model that
cannot be imported is one line on stderr and exit code 2, with nothing written.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "import", help="import an ONNX, .pt2 or .py model as a project with its weights",
        description="Convert a model to a LayerForge project: each operation becomes a layer on"
                    " the canvas and the weights go into a run folder marked 'imported' beside the"
                    " project, so that the model predicts, exports and fine-tunes (training.init_from)"
                    " without training first. The imported network is checked against the original"
                    " (ONNX Runtime or PyTorch) on random inputs before anything is written. A .py"
                    " file is run, in a separate Python process: import only files you trust.")
    parser.add_argument("model", metavar="MODEL", help="an .onnx, .pt2 or .py file")
    parser.add_argument("--out", "-o", metavar="PROJECT",
                        help="the project file to write (default: MODEL with .lfproj, beside it)")
    parser.add_argument("--input-shape", metavar="SIZES",
                        help="the shape of one sample without the batch, e.g. 3,224,224, for models"
                             " whose input sizes are not fixed")
    parser.add_argument("--class", dest="class_name", metavar="NAME",
                        help="for a .py file defining several nn.Module classes: the one to import"
                             " (default: the last that needs no arguments)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the project file if it exists")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.importers.api import import_model
    from core.importers.onnx_file import parse_shape

    shape = parse_shape(args.input_shape)
    if Path(args.model).suffix.lower() == ".py":
        print(f"running the code of {Path(args.model).name} in a separate Python process",
              flush=True)
    result = import_model(args.model, args.out, input_shape=shape, overwrite=args.overwrite,
                          class_name=args.class_name)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    for line in result.lines():
        print(line)
    return 0
