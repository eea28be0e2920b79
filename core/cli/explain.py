"""``layerforge explain RUN --data FILE --method ig --out FOLDER``: why the model decided that.

Writes ``attributions.csv`` (one row per sample) and one PNG per sample (an image with
its heat map, a bar chart of a table row's columns, or its words coloured) into FOLDER,
plus ``tokens.html`` for text. Without ``--data`` the run's validation samples are explained.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

DEFAULT_ROWS = 20


def _whole_number(flag: str, most: int | None = None):
    """An argparse type: a whole number from 1 (to ``most``), named ``flag`` in its sentence."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be a whole number, got {text!r}") from None
        if value < 1 or (most is not None and value > most):
            upper = f" and at most {most:,}" if most is not None else ""
            raise argparse.ArgumentTypeError(f"{flag} must be at least 1{upper}, got {value}")
        return value

    return parse


def _methods_text() -> str:
    from core.explain.registry import METHODS

    lines = ["methods:"]
    for spec in METHODS:
        wrapped = textwrap.wrap(spec.doc, 62)
        lines.append(f"  {spec.short:<12}{wrapped[0]}")
        lines += [f"  {'':<12}{line}" for line in wrapped[1:]]
    return "\n".join(lines)


def add_parser(subparsers) -> None:
    from core.explain.registry import MAX_REPEATS, cli_names

    intro = textwrap.fill(
        "Explain a trained model's predictions: which pixels, columns or words made it decide"
        " what it did (attributions, computed with Captum). Each sample is explained for the"
        " class it was predicted as. Writes attributions.csv and one PNG per sample into"
        " --out (and tokens.html for text).", 79)
    parser = subparsers.add_parser(
        "explain", help="attributions: why a trained model predicted what it did (PNGs and a CSV)",
        description=intro + "\n\n" + _methods_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", metavar="RUN", help="the run folder (runs/<name>-<time>/)")
    parser.add_argument("--data", metavar="FILE",
                        help="a CSV file, a folder of images or one image (default: the run's"
                             " validation samples)")
    parser.add_argument("--method", "-m", default="ig", metavar="METHOD",
                        help=f"one of {', '.join(cli_names())} (default: ig)")
    parser.add_argument("--layer", metavar="NODE",
                        help="gradcam: the convolution layer's node id (default: the last one)")
    parser.add_argument("--steps", type=_whole_number("--steps", MAX_REPEATS), metavar="N",
                        help="ig: integration steps (default 32); smoothgrad: noisy copies per"
                             " sample (default 16). More is smoother and slower")
    parser.add_argument("--rows", type=_whole_number("--rows"), default=DEFAULT_ROWS, metavar="N",
                        help=f"explain the first N samples (default: {DEFAULT_ROWS})")
    parser.add_argument("--out", "-o", default="explanations", metavar="FOLDER",
                        help="the folder to write (default: explanations)")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into --out even if it already holds files")


def run(args: argparse.Namespace) -> int:
    from core.errors import LayerForgeError
    from core.explain.base import ExplainError
    from core.explain.facts import run_facts
    from core.explain.registry import method
    from core.overwrite import check_destination

    spec = method(args.method)  # a mistyped method is said before anything is opened
    facts = run_facts(args.run_dir)
    problem = spec.problem(facts)
    if problem:
        raise ExplainError(problem)
    if spec.needs_layer:
        facts.layer(args.layer)
    elif args.layer:
        raise ExplainError(f"--layer is for gradcam only; {spec.short} looks at the input itself:"
                           " leave --layer out")
    options = None
    if args.steps is not None:
        if spec.repeat_option is None:
            raise ExplainError(f"--steps is for ig and smoothgrad; {spec.short} makes one pass per"
                               " sample: leave --steps out")
        options = {spec.repeat_option: args.steps}
    check_destination(args.out, overwrite=args.overwrite, error=ExplainError,
                      inputs=[("the data", args.data), ("the run", args.run_dir)])

    from core.explain.compute import explain
    from core.explain.render import write_files
    from core.explain.samples import file_samples, validation_samples
    from core.export.source import open_run

    trained = open_run(args.run_dir)
    notes: list[str] = []
    samples = file_samples(trained, args.data, notes) if args.data else validation_samples(trained)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    samples = samples.take(range(min(args.rows, len(samples))))
    result = explain(trained, samples, spec.name, layer=args.layer, options=options)
    try:
        written = write_files(result, args.out)
    except OSError as err:
        from core.overwrite import write_failure

        raise ExplainError(write_failure(args.out, err)) from None
    except LayerForgeError:
        raise
    where = f" at {result.layer}" if result.layer else ""
    print(f"{len(result):,} samples of {samples.source} explained with {spec.title}{where}:"
          f" {len(written)} files written to {args.out}")
    return 0
