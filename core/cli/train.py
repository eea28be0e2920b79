"""``layerforge train PROJECT``: train headless, with a progress bar, into a run folder.

``--resume RUN_DIR`` continues a stopped or killed run from its last completed epoch;
``--run-dir`` never writes into a folder that holds a run or other files unless
``--overwrite`` is given; ``--nproc N`` trains data-parallel in N processes on this
machine (torch's elastic launcher), one GPU each on CUDA. Ctrl-C stops cleanly after the
current batch (press it twice to abort).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from core.cli.text_column import TEXT_HELP
from core.errors import TrainingError
from core.train.callbacks import COMPLETED, FAILED, BatchEnd, Callback, EpochEnd, TrainResult

EXIT_OK, EXIT_USER_ERROR, EXIT_STOPPED = 0, 2, 130


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a project headless and write a run folder",
        description="Train a project's network on its data without the window. Writes"
                    " runs/<project name>-<timestamp>/ beside the project (run.json,"
                    " metrics.csv, model.safetensors, preprocessing.json, last.ckpt) and"
                    " prints the final metrics. Ctrl-C stops after the current batch; the"
                    " run can then be continued with --resume.")
    parser.add_argument("project", nargs="?", help="a .lfproj file (not needed with --resume)")
    parser.add_argument("--data", help="use this CSV file or image folder instead of the project's data")
    parser.add_argument("--target", help="the target column of a CSV file")
    parser.add_argument("--text", metavar="COLUMN", help=TEXT_HELP)
    parser.add_argument("--epochs", type=_positive_int, help="number of epochs (with --resume: the new total)")
    parser.add_argument("--batch-size", type=_positive_int, help="samples per batch")
    parser.add_argument("--lr", type=_positive_float, help="learning rate")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"),
                        help="where to train (auto: CUDA, then MPS, then CPU)")
    parser.add_argument("--run-dir", help="write the run here instead of runs/<name>-<timestamp>/"
                                          " (an empty or new folder)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the run (or other files) already in --run-dir")
    parser.add_argument("--resume", metavar="RUN_DIR",
                        help="continue this run from its last completed epoch")
    parser.add_argument("--nproc", type=_positive_int, default=1,
                        help="train data-parallel in this many processes (DDP: gloo on CPU, NCCL on"
                             " GPUs, one GPU per process)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--profile-startup", action="store_true",
                        help="print how long each phase before the first batch took")
    parser.add_argument("--tensorboard", metavar="DIR",
                        help="also write TensorBoard event files under DIR/<run name>/ (metrics,"
                             " weight histograms, the graph); needs pip install 'layerforge[tracking]'")
    parser.add_argument("--mlflow", metavar="URI",
                        help="also log the run to MLflow at URI (a folder such as ./mlruns, or a"
                             " server): settings, metrics per epoch, the ONNX model as an artifact")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def _overrides(args: argparse.Namespace) -> dict:
    given = {"epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.lr,
             "device": args.device}
    return {key: value for key, value in given.items() if value is not None}


def run(args: argparse.Namespace) -> int:
    from core.train.distributed import is_main_rank, launched

    if not args.project and not args.resume:
        raise TrainingError("give a project file to train, or --resume RUN_DIR to continue a run")
    if args.resume and (args.data or args.target or args.text or args.batch_size):
        raise TrainingError("--data, --target, --text and --batch-size cannot change when a run is"
                            " continued with --resume: start a new run instead")
    if args.run_dir and not args.resume and is_main_rank():
        _claim_run_dir(Path(args.run_dir).expanduser(), args.overwrite)
    if args.resume and _nothing_left(Path(args.resume).expanduser(), args.epochs):
        return 0
    if args.nproc > 1 and not launched():
        return _launch(args)
    return _train(args)


def _nothing_left(run_dir: Path, epochs: int | None) -> bool:
    """A completed run asked to continue without more epochs: say so, and how to go on."""
    from core.train.rundir import RUN_JSON

    try:
        run = json.loads((run_dir / RUN_JSON).read_text(encoding="utf-8"))
        done, planned = int(run["epochs_completed"]), int(run["project"]["training"]["epochs"])
    except (OSError, ValueError, KeyError, TypeError):
        return False  # continue_run says what is wrong with the folder
    if run.get("status") != "completed" or (epochs or planned) > done:
        return False
    ended = f" ({run['reason']})" if run.get("reason") else ""
    print(f"{run_dir.name} already completed {done} of {planned} epochs{ended}: nothing to"
          f" continue; give --epochs with a total above {done} to train it further")
    return True


def _claim_run_dir(path: Path, overwrite: bool) -> None:
    """Refuse a --run-dir that holds a run or other files, unless --overwrite is given."""
    from core.overwrite import check_destination
    from core.train.rundir import CHECKPOINT, RUN_JSON, check_not_in_use

    if path.exists() and not path.is_dir():
        raise TrainingError(f"{path} is a file, not a folder: give --run-dir a new or empty folder")
    check_not_in_use(path)  # another run writes there now: not even --overwrite replaces it
    is_run = (path / RUN_JSON).is_file()
    check_destination(path, overwrite=overwrite, option="--run-dir", error=TrainingError,
                      held=f"a training run ({_status(path / RUN_JSON)})" if is_run else "other files",
                      also=f", --resume {path} to continue it" if is_run and (path / CHECKPOINT).is_file()
                      else "")  # a run stopped before its first epoch has nothing to continue


def _clear_old_run(path: Path) -> None:
    """With --overwrite, once the new run is ready to start: the old run's files go, so that
    the new one never mixes with an old checkpoint or old metrics."""
    from core.train.rundir import CHECKPOINT, METRICS_CSV, PREPROCESSING, RUN_JSON, WEIGHTS, check_not_in_use

    check_not_in_use(path)  # a run started there since the folder was claimed
    for name in (RUN_JSON, METRICS_CSV, WEIGHTS, PREPROCESSING, CHECKPOINT):
        (path / name).unlink(missing_ok=True)


def _status(run_json: Path) -> str:
    try:
        return str(json.loads(run_json.read_text(encoding="utf-8"))["status"])
    except (OSError, ValueError, KeyError, TypeError):
        return "status unknown"


def _launch(args: argparse.Namespace) -> int:
    """Check what can be checked here, fix the run folder, then start N worker processes."""
    from core.train.distributed import check_gpus, launch

    argv = _worker_argv(args)
    if args.resume:
        from core.train.checkpoint import load_checkpoint
        from core.train.rundir import read_run_json

        run = read_run_json(args.resume)
        _refuse_gan(((run.get("project") or {}).get("graph") or {}).get("nodes") or [])
        load_checkpoint(Path(args.resume) / "last.ckpt")
        device = args.device or (run.get("training") or {}).get("device") or "auto"
    else:
        from core.cli.check import data_override
        from core.data import describe
        from core.project import Project
        from core.train.rundir import data_label, default_run_dir
        from core.train.spec import TrainSpec

        project = Project.load(args.project)  # mistakes are reported once, here, not by every process
        _refuse_gan(project.graph.to_dict()["nodes"])
        data = data_override(project, args)
        info = describe(data if data is not None else project.data, project.directory)
        device = TrainSpec.from_dict({**(project.training or {}), **_overrides(args)}, info).device
        if not args.run_dir:
            label = data_label(data if data is not None else project.data)
            argv += ["--run-dir", str(default_run_dir(project.directory, project.name, data_label=label))]
    check_gpus(args.nproc, device)
    code = launch(args.nproc, argv)
    if code:
        print(f"layerforge train: a training process failed (exit code {code}); see the messages"
              " above", file=sys.stderr)
        return EXIT_USER_ERROR if code == EXIT_USER_ERROR else 1
    return EXIT_OK


def _refuse_gan(nodes: list) -> None:
    """A GAN trains in one process: refused before any worker starts (one sentence)."""
    from core.export.parts import available_parts
    from core.train.adversarial import ONE_PROCESS

    if "generator" in available_parts({"graph": {"nodes": nodes}}):
        raise TrainingError(ONE_PROCESS)


def _worker_argv(args: argparse.Namespace) -> list[str]:
    """The same command for each worker process, without --nproc."""
    argv = ["train"] + ([str(Path(args.project).resolve())] if args.project else [])
    for flag, value in (("--data", args.data), ("--target", args.target), ("--text", args.text),
                        ("--epochs", args.epochs),
                        ("--batch-size", args.batch_size), ("--lr", args.lr),
                        ("--device", args.device), ("--run-dir", args.run_dir),
                        ("--resume", args.resume)):
        if value is not None:
            argv += [flag, str(value)]
    argv += [flag for flag, given in (("--quiet", args.quiet), ("--overwrite", args.overwrite)) if given]
    return argv


def _train(args: argparse.Namespace) -> int:
    from core.train.distributed import init_from_env, shutdown

    overrides = _overrides(args)
    distributed = init_from_env(overrides.get("device", "auto"))
    main = distributed is None or distributed.is_main
    callbacks = [ProgressBar()] if main and not args.quiet else []
    if main:
        from core.train.tracking import tracking_callbacks

        callbacks += tracking_callbacks(getattr(args, "tensorboard", None), getattr(args, "mlflow", None))
    clock = None
    if main and getattr(args, "profile_startup", False):
        from core.cli.startup import StartupClock

        clock = StartupClock()
        clock.mark("start Python and import LayerForge's command line")
        callbacks.append(clock)
    try:
        trainer = _make_trainer(args, overrides, distributed, callbacks, clock)
        if main and args.overwrite and args.run_dir and not args.resume:
            _clear_old_run(Path(args.run_dir).expanduser())
        for note in trainer.notes if main else ():
            print(f"note: {note}", file=sys.stderr)
        with _stop_on_signals(trainer):
            result = trainer.fit()
    finally:
        if distributed is not None:
            shutdown()
    if main:
        _print_result(trainer, result)
    if result.status == COMPLETED:
        return EXIT_OK
    if result.status == FAILED:
        if main:
            print(f"layerforge train: {result.reason}", file=sys.stderr)
        return EXIT_USER_ERROR
    return EXIT_STOPPED


def _make_trainer(args: argparse.Namespace, overrides: dict, distributed, callbacks: list,
                  clock=None):
    mark = clock.mark if clock is not None else (lambda phase: None)
    import torch  # noqa: F401 - imported here so that its time shows as a phase of its own

    from core.train.setup import continue_run, prepare

    mark("import PyTorch")
    if args.resume:
        trainer = continue_run(args.resume, overrides=overrides, distributed=distributed,
                               callbacks=callbacks)
        mark("read the run, its data and checkpoint; build the network")
        return trainer
    from core.cli.check import data_override
    from core.data import load
    from core.project import Project

    project = Project.load(args.project)
    notes: list[str] = []
    spec = data_override(project, args, notes)
    if distributed is None or distributed.is_main:
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    mark("read the project")
    dataset = load(spec if spec is not None else project.data, project.directory)
    mark("load the data")
    trainer = prepare(project, dataset, overrides=overrides, data_spec=spec,
                      run_dir=Path(args.run_dir).expanduser().resolve() if args.run_dir else None,
                      distributed=distributed, callbacks=callbacks)
    mark("check the design, build the network, initialise its weights")
    return trainer


class _stop_on_signals:
    """Ctrl-C or SIGTERM asks the trainer to stop; a second Ctrl-C aborts at once."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.previous: dict[int, object] = {}

    def _handle(self, signum, frame):
        if self.trainer.control.stop_requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        print("\nlayerforge train: stopping after this batch (Ctrl-C again to abort)", file=sys.stderr)
        self.trainer.stop()

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self.previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread
                pass
        return self

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


class ProgressBar(Callback):
    """A tqdm bar on stderr over all batches of the run, with the latest epoch's metrics."""

    def __init__(self):
        self.bar = None
        self._count = 0
        self._last = 0.0
        self._notes = 0

    def on_train_start(self, trainer) -> None:
        from tqdm import tqdm

        self._notes = len(trainer.notes)  # printed already; later ones (an unfreeze) go above the bar

        per_epoch = len(trainer.plan)
        self.bar = tqdm(total=trainer.spec.epochs * per_epoch, initial=trainer.epoch * per_epoch,
                        unit="batch", file=sys.stderr, dynamic_ncols=True, mininterval=0.25,
                        desc=f"epoch {trainer.epoch + 1}/{trainer.spec.epochs}", leave=True)

    def on_batch_end(self, trainer, event: BatchEnd) -> None:
        if len(trainer.notes) > self._notes:
            for note in trainer.notes[self._notes:]:
                self.bar.write(f"note: {note}", file=sys.stderr)
            self._notes = len(trainer.notes)
        self._count += 1
        now = time.monotonic()
        if now - self._last >= 0.2:
            self.bar.update(self._count)
            self._count, self._last = 0, now

    def on_epoch_end(self, trainer, event: EpochEnd) -> None:
        self.bar.update(self._count)
        self._count = 0
        row = event.row
        shown = {k: _fmt(row[k]) for k in ("train_loss", "val_loss", "val_accuracy", "val_rmse")
                 if k in row}
        self.bar.set_postfix(shown, refresh=False)
        self.bar.set_description(f"epoch {min(event.epoch + 1, event.epochs)}/{event.epochs}",
                                 refresh=False)

    def on_train_end(self, trainer, result: TrainResult) -> None:
        if self.bar is not None:
            self.bar.close()


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _metrics_line(row: dict | None) -> str:
    """The loss and validation/test columns of a metrics row (training metrics left out)."""
    if not row:
        return "-"
    skip = ("epoch", "seconds", "samples_per_second", "train_samples_per_second", "learning_rate")
    return ", ".join(f"{k} {_fmt(v)}" for k, v in row.items()
                     if k not in skip and (k == "train_loss" or not k.startswith("train_")))


def _print_result(trainer, result: TrainResult) -> None:
    name = (trainer.project or {}).get("name", "the project")
    speed = ""
    if result.final:
        speed = f", {result.final.get('samples_per_second', 0):,.0f} samples/s"
    device = trainer.placement.device if trainer.placement else "?"
    print(f"{name}: {result.status} after {result.epochs_completed} of {trainer.spec.epochs} epochs"
          f" in {result.seconds:.1f} s on {device}{speed}")
    if result.reason and result.status == COMPLETED:
        print(result.reason)
    if result.best:
        print(f"best epoch {result.best['epoch']}: {_metrics_line(result.best)}")
    if result.final and result.final is not result.best:
        print(f"last epoch {result.final['epoch']}: {_metrics_line(result.final)}")
    if result.test:
        print(f"test: {_metrics_line(result.test)}")
    if result.run_dir:
        print(f"run directory: {result.run_dir}")
