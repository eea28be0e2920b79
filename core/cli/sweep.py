"""``layerforge sweep PROJECT``: run the project's sweep (Optuna), show its trials, write the best.

``--workers K`` trains K trials at a time in processes of their own; ``--storage URL``
shares the study with other machines running the same command. Running the command
again goes on with the study until it has ``--trials`` trials in all. ``--show`` prints
the trials; ``--best --out FILE`` writes the best trial's project. See docs/sweeps.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from core.cli.train import _positive_float, _positive_int

EXIT_OK, EXIT_USER_ERROR, EXIT_STOPPED = 0, 2, 130


def add_parser(subparsers) -> None:
    from core.sweep.choices import PRUNERS, SAMPLERS

    parser = subparsers.add_parser(
        "sweep", help="try many settings and layer sizes (Optuna) and keep the best",
        description="Train the project many times with the settings its sweep section varies"
                    f" (samplers: {', '.join(SAMPLERS.names())}; pruners:"
                    f" {', '.join(PRUNERS.names())}). Each trial is a run folder under"
                    " runs/sweep-<study>/; the study is kept in runs/sweeps.db (or --storage),"
                    " so running the command again continues it. Ctrl-C stops after the running"
                    " trials' current batch.")
    parser.add_argument("project", metavar="PROJECT", help="a .lfproj file with a sweep section")
    parser.add_argument("--trials", type=_positive_int,
                        help="how many trials the study should have in all (default: the sweep's)")
    parser.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                        help="start no trial after this many seconds")
    parser.add_argument("--workers", type=_positive_int, default=1,
                        help="trials trained at the same time, each in a process of its own"
                             " (CPU threads are split between them; one GPU each when there are several)")
    parser.add_argument("--storage", metavar="URL",
                        help="the Optuna storage shared by several machines, such as"
                             " postgresql://user@host/db (default: sqlite in the runs folder)")
    parser.add_argument("--study", metavar="NAME",
                        help="the study's name (default: the project's name and a code of the settings)")
    parser.add_argument("--runs-dir", metavar="FOLDER",
                        help="where the trials' run folders (and the default storage) go"
                             " (default: runs/ beside the project)")
    parser.add_argument("--show", action="store_true", help="print the study's trials and stop")
    parser.add_argument("--best", action="store_true", help="write the best trial's project (with --out)")
    parser.add_argument("--out", "-o", metavar="FILE", help="with --best: the .lfproj file to write")
    parser.add_argument("--quiet", action="store_true", help="no line per trial")
    # Set by the parent for each worker process (see core.sweep.parallel); not for people.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from core.project import Project
    from core.sweep.spec import SweepError, check_sweep, study_name
    from core.sweep.storage import default_storage
    from core.train.rundir import runs_folder

    if args.best and not args.out:
        raise SweepError("--best needs --out FILE: the .lfproj file to write the best trial's project to")
    if args.out and not args.best:
        raise SweepError("--out goes with --best (write the best trial's project)")
    project = Project.load(args.project)
    working = not (args.show or args.best)
    info = _check_project(project) if working and not args.worker else _quiet_info(project)
    spec = check_sweep(project, info)
    runs_dir = Path(args.runs_dir).expanduser().resolve() if args.runs_dir else runs_folder(project.directory)
    url = args.storage or default_storage(runs_dir)
    name = args.study or study_name(project, spec)
    if args.worker:
        return _worker(args, project, url, name, runs_dir, spec)
    if args.show:
        return _show(project, spec, url, name)
    if args.best:
        return _best(project, spec, url, name, args.out)
    return _sweep(args, project, spec, url, name, runs_dir, info)


def _quiet_info(project):
    """The data's facts when they can be had (they sharpen the checks), else None."""
    from core.data import describe
    from core.errors import LayerForgeError

    if project.data is None:
        return None
    try:
        return describe(project.data, project.directory)
    except LayerForgeError:
        return None


def _sweep(args, project, spec, url: str, name: str, runs_dir: Path, info) -> int:
    from core.sweep.storage import shown
    from core.sweep.study import open_study
    from core.sweep.worker import WorkerPlan, run_worker

    wanted = args.trials or spec.trials
    grid = spec.grid_size() if spec.sampler == "grid" else None
    if grid is not None and wanted > grid:
        print(f"note: the grid has {grid} combinations, so the sweep runs {grid} trials, not {wanted}",
              file=sys.stderr)
        wanted = grid
    timeout = args.timeout or spec.timeout
    deadline = time.time() + timeout if timeout else None
    open_study(url, name, spec, project.training, worker=True)  # a clash is one sentence, here
    print(f"study {name} in {shown(url)}: {wanted} trials, {args.workers} at a time", flush=True)
    if args.workers == 1:
        result = run_worker(WorkerPlan(Path(project.path), url, name, runs_dir, wanted, deadline),
                            log=None if not args.quiet else (lambda line: None))
        code, stopped = EXIT_OK, result.interrupted
    else:
        from core.sweep.parallel import gpu_count, run_workers
        from core.train.spec import TrainSpec

        device = TrainSpec.from_dict(project.training or {}, info).device
        argv = [str(Path(project.path).resolve()), "--storage", url, "--study", name,
                "--runs-dir", str(runs_dir), "--trials", str(wanted)]
        argv += ["--deadline", repr(deadline)] if deadline else []
        argv += ["--quiet"] if args.quiet else []
        code, stopped = run_workers(argv, args.workers, gpu_count(device))
    _summary(project, spec, url, name)
    if stopped:
        print(f"layerforge sweep: stopped; run the same command again to go on with study {name}",
              file=sys.stderr)
        return EXIT_STOPPED
    if code:
        print(f"layerforge sweep: a worker process failed (exit code {code}); see the messages above",
              file=sys.stderr)
        return EXIT_USER_ERROR if code == EXIT_USER_ERROR else 1
    return EXIT_OK


def _check_project(project):
    """Refuse at once what every trial would fail on: the data, the design, the settings."""
    from core.data import describe
    from core.errors import DataError
    from core.train.setup import check_ready
    from core.train.spec import TrainSpec

    if project.data is None:
        raise DataError("the project has no data: choose a CSV file, an image folder or a built-in"
                        " dataset before sweeping")
    info = describe(project.data, project.directory)
    training = dict(project.training or {})
    check_ready(project, info, TrainSpec.from_dict(training, info), training)
    return info


def _worker(args, project, url: str, name: str, runs_dir: Path, spec) -> int:
    from core.sweep.worker import WorkerPlan, run_worker

    plan = WorkerPlan(Path(project.path), url, name, runs_dir, args.trials or spec.trials,
                      args.deadline, args.threads, args.parent_pid)
    result = run_worker(plan, log=(lambda line: None) if args.quiet else None)
    return EXIT_STOPPED if result.interrupted else EXIT_OK


def _show(project, spec, url: str, name: str) -> int:
    from core.sweep.study import load_rows

    rows = load_rows(url, name)
    metric = spec.resolved_metric(project.training)
    direction = spec.resolved_direction(project.training)
    print(_headline(rows, name, url, metric, direction))
    if rows:
        print(trials_table(rows, metric, [v.name for v in spec.parameters]))
    return EXIT_OK


def _best(project, spec, url: str, name: str, out: str) -> int:
    from core.sweep.best import best_project, write_project
    from core.sweep.study import load_rows

    direction = spec.resolved_direction(project.training)
    best, row = best_project(project, load_rows(url, name), direction, name)
    path = write_project(best, out)
    metric = spec.resolved_metric(project.training)
    print(f"trial {row.number} ({metric} {row.value:.4g}) written to {path}")
    return EXIT_OK


def _summary(project, spec, url: str, name: str) -> None:
    from core.sweep.study import load_rows

    rows = load_rows(url, name)
    print(_headline(rows, name, url, spec.resolved_metric(project.training),
                    spec.resolved_direction(project.training)))


def _headline(rows, name: str, url: str, metric: str, direction: str) -> str:
    from collections import Counter

    from core.sweep.storage import shown
    from core.sweep.study import best_row

    counts = Counter(r.state for r in rows)
    parts = ", ".join(f"{n} {state}" for state, n in counts.items())
    text = f"study {name} ({shown(url)}): {len(rows)} trials" + (f" ({parts})" if parts else "")
    best = best_row(rows, direction)
    if best is not None:
        values = ", ".join(f"{k}={_fmt(v)}" for k, v in best.params.items())
        text += f"\nbest: trial {best.number}, {metric} {best.value:.4g} ({values})"
        if best.run_dir:
            text += f"\nbest run folder: {best.run_dir}"
    return text


def trials_table(rows, metric: str, names: list[str]) -> str:
    """The trials as an aligned text table: number, state, metric, values, epochs, seconds, run."""
    header = ["#", "state", metric, *names, "epochs", "seconds", "run"]
    lines = [header]
    for r in rows:
        lines.append([str(r.number), r.state, _fmt(r.value) if r.value is not None else "-",
                      *(_fmt(r.params.get(n)) if n in r.params else "-" for n in names),
                      str(r.epochs), f"{r.seconds:.1f}" if r.seconds is not None else "-",
                      Path(r.run_dir).name if r.run_dir else "-"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
