"""``layerforge generate RUN --count N --out FOLDER [--grid grid.png] [--seed S] [--label C]``.

RUN is a run folder of a generative network: a variational autoencoder (random codes from
the unit Gaussian go through the layers after its Sample layer, the decoder) or a GAN (the
noise goes through its generator). Images are written as ``sample_0001.png`` ... in
FOLDER; a table's samples as ``samples.csv`` there. A conditional GAN draws the class
``--label`` (a name or an index), or every class in turn without it; its images go into
one sub-folder per class.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "generate", help="draw new samples from a trained variational autoencoder or GAN",
        description="Turn random codes into new samples with a trained generative network (a"
                    " variational autoencoder's decoder, a GAN's generator) and write them: one"
                    " PNG per image, or one CSV row per table sample.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished training run folder")
    parser.add_argument("--count", "-n", type=int, default=16, help="how many samples (default 16)")
    parser.add_argument("--out", "-o", metavar="FOLDER", help="the folder to write the samples into")
    parser.add_argument("--grid", metavar="PNG", help="also (or only) write all images tiled into one PNG")
    parser.add_argument("--seed", type=int, help="the same seed gives the same samples")
    parser.add_argument("--label", metavar="CLASS",
                        help="a conditional GAN: the class to draw, by name or index (default:"
                             " every class in turn, each in a sub-folder of its name)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace sample files or the grid that already exist")


def run(args: argparse.Namespace) -> int:
    from core.errors import ExportError
    from core.export.source import open_run
    from core.generate import (GenerateError, generate, grid_image, image_paths, write_images,
                               write_png, write_table)
    from core.overwrite import check_destination

    if not args.out and not args.grid:
        raise GenerateError("say where to write the samples: --out FOLDER, --grid FILE.png, or both")
    trained = open_run(args.run_dir)
    generated = generate(trained, args.count, seed=args.seed, label=args.label)
    if args.grid and not generated.is_image:
        raise GenerateError("--grid needs a network that generates images; this one generates"
                            " table rows: use --out FOLDER for a CSV")
    if args.out:
        folder = Path(args.out).expanduser()
        if folder.exists() and not folder.is_dir():
            raise GenerateError(f"{folder} is a file: --out takes a folder")
        if generated.is_image:
            names = image_paths(generated, folder)
        else:
            names = [folder / "samples.csv"]
        for name in names:
            check_destination(name, overwrite=args.overwrite, error=ExportError,
                              inputs=[("the run folder", args.run_dir)])
        if generated.is_image:
            paths = write_images(generated, folder)
            print(f"{len(paths):,} images written to {folder}")
        else:
            path = write_table(generated, folder / "samples.csv")
            print(f"{args.count:,} samples written to {path}")
    if args.grid:
        grid = Path(args.grid).expanduser()
        check_destination(grid, overwrite=args.overwrite, option="--grid", error=ExportError,
                          inputs=[("the run folder", args.run_dir)])
        write_png(grid_image(generated.values), grid)
        print(f"grid of {args.count:,} images written to {grid}")
    return 0
