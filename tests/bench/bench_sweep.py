"""A 24-trial TPE sweep with pruning on a real table: its time against its budget, its result
against the default project's.

Run: ``.venv/bin/python -m tests.bench.bench_sweep [--data FILE --target COL] [--epochs 30]
[--trials 24] [--repeats 3]``.

The tables: ``--data``/``--target``, else two real tables that ship inside scikit-learn
(not in this repository): wine (178 rows, 13 measurements, 3 cultivars) and breast cancer
(569 rows, 30 measurements, 2 classes); else LayerForge's own flowers sample. On a table
as small as wine a full trial takes well under a second, so a trial's fixed costs (the
study's reads and writes in SQLite, making the run folder) weigh most there. Imports are
done before either clock starts (Optuna's and SQLAlchemy's as torch's). The default project is Input -> Linear(32) -> ReLU -> Dropout(0.2) ->
Linear(32) -> ReLU -> Output, adam at its default rate, ``epochs`` epochs without early
stopping. The sweep varies the learning rate (1e-4..1e-1, log), the first layer's width
(8..128, log) and the dropout (0..0.5), with TPE and Hyperband pruning on the
validation loss, in one worker in this process (``layerforge sweep``'s code path).

Printed (issue 14's target): the sweep's wall time against the time of 24 full trials
divided by the pruning rate (= epochs a full sweep would train / epochs it trained),
where a full trial's time is the default project's prepare+fit, median of ``repeats``
runs measured before and after the sweep (spread shown); and the sweep's best validation
loss and accuracy against the default project's. One torch thread on both sides (two
spinning threads can slow tiny steps many times on a shared 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = (("fc1", "Linear", {"out_features": 32}), ("relu1", "ReLU", {}), ("drop1", "Dropout", {"p": 0.2}),
          ("fc2", "Linear", {"out_features": 32}), ("relu2", "ReLU", {}))
PARAMETERS = {"learning_rate": {"low": 0.0001, "high": 0.1, "log": True},
              "fc1.out_features": {"low": 8, "high": 128, "log": True},
              "drop1.p": {"low": 0.0, "high": 0.5}}


def tables(folder: Path, data: str | None, target: str | None) -> list[tuple[Path, str, str]]:
    """The CSV files, their target columns and a line saying what each is: ``--data``, else
    two real tables that ship inside scikit-learn (not in this repository), else
    LayerForge's own flowers sample."""
    if data:
        if not target:
            raise SystemExit("--data needs --target COLUMN")
        return [(Path(data).resolve(), target, f"{data} (target {target})")]
    try:
        from sklearn.datasets import load_breast_cancer, load_wine
    except ImportError:
        path = ROOT / "resources" / "sample_data" / "flowers.csv"
        return [(path, "species", "LayerForge's flowers sample (150 rows; scikit-learn is not installed)")]
    found = []
    for name, loader, labels in (("wine", load_wine, {0: "class_0", 1: "class_1", 2: "class_2"}),
                                 ("breast_cancer", load_breast_cancer, {0: "malignant", 1: "benign"})):
        frame = loader(as_frame=True).frame
        frame["target"] = frame["target"].map(labels)
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        found.append((path, "target", f"{name} ({len(frame)} rows, {frame.shape[1] - 1} features,"
                                      f" {len(labels)} classes; from scikit-learn)"))
    return found


def make_project(folder: Path, csv: Path, target: str, epochs: int, trials: int):
    from core.project import Project
    from tests.core.helpers import chain

    project = Project(name="bench", graph=chain(*LAYERS), data={"kind": "csv", "path": str(csv), "target": target},
                      training={"epochs": epochs, "batch_size": 16, "seed": 0, "early_stopping": False})
    project.set_sweep({"parameters": PARAMETERS, "trials": trials, "sampler": "tpe", "pruner": "hyperband",
                       "metric": "val_loss"})
    project.save(folder / "bench.lfproj")
    return project


def full_trial(project, dataset, run_dir: Path) -> tuple[float, dict]:
    """The default project's prepare+fit time and best row."""
    from core.train.setup import prepare

    started = time.perf_counter()
    plain = project.__class__.from_dict({k: v for k, v in project.to_dict().items() if k != "sweep"},
                                        path=project.path)
    result = prepare(plain, dataset, run_dir=run_dir).fit()
    return time.perf_counter() - started, result.best or {}


def bench_table(folder: Path, csv: Path, target: str, what: str, args) -> bool:
    """Sweep one table and print the figures; whether both targets are met."""
    from core.data import load
    from core.sweep.spec import check_sweep, study_name
    from core.sweep.storage import default_storage
    from core.sweep.study import COMPLETE, load_rows
    from core.sweep.worker import WorkerPlan, run_worker

    project = make_project(folder, csv, target, args.epochs, args.trials)
    dataset = load(project.data, project.directory)
    print(f"table: {what}; {args.epochs} epochs per full trial, {args.trials} trials, 1 torch thread")

    references, best_default = [], {}
    for i in range(args.repeats):
        seconds, best_default = full_trial(project, dataset, folder / f"default-{i}")
        references.append(seconds)
    runs = folder / "runs"
    url = default_storage(runs)
    name = study_name(project, check_sweep(project))
    started = time.perf_counter()
    run_worker(WorkerPlan(project.path, url, name, runs, args.trials), log=lambda line: None)
    sweep_seconds = time.perf_counter() - started
    for i in range(args.repeats):
        references.append(full_trial(project, dataset, folder / f"default-after-{i}")[0])

    rows = load_rows(url, name)
    trained = sum(r.epochs for r in rows)
    full = median = statistics.median(references)
    rate = args.trials * args.epochs / max(1, trained)
    budget = args.trials * full / rate
    states = {s: sum(r.state == s for r in rows) for s in ("complete", "pruned", "failed")}
    best = min((r for r in rows if r.state == COMPLETE), key=lambda r: r.value)
    record = json.loads((Path(best.run_dir) / "run.json").read_text())
    sweep_best = record.get("best") or {}

    print(f"full trial (default project, prepare+fit): median {median:.2f} s,"
          f" spread {min(references):.2f}-{max(references):.2f} s over {len(references)} runs")
    print(f"trials: {states['complete']} complete, {states['pruned']} pruned, {states['failed']} failed;"
          f" {trained} of {args.trials * args.epochs} epochs trained -> pruning rate {rate:.2f}x")
    print(f"{'':32}{'seconds':>10}")
    print(f"{f'{args.trials} full trials / pruning rate':32}{budget:>10.1f}")
    print(f"{'the sweep (wall)':32}{sweep_seconds:>10.1f}   ratio {sweep_seconds / budget:.2f}"
          f" (target <= 2.00: {'met' if sweep_seconds <= 2 * budget else 'NOT met'})")
    print(f"{'':32}{'val_loss':>10}{'val_accuracy':>14}")
    for label, row in (("default project (best epoch)", best_default), (f"sweep best (trial {best.number})", sweep_best)):
        print(f"{label:32}{row.get('val_loss', float('nan')):>10.4g}{row.get('val_accuracy', float('nan')):>14.4f}")
    at_least = sweep_best.get("val_loss", float("inf")) <= best_default.get("val_loss", float("-inf"))
    print(f"best validation loss at least as good as the default's: {'yes' if at_least else 'NO'}"
          f" (values: {', '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}' for k, v in best.params.items())})")
    return sweep_seconds <= 2 * budget and at_least


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--target")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    # Imported before any clock starts, as torch is for the reference: a process's one-time
    # imports are start-up, not the sweep's work (opening the study's database is timed).
    import alembic.command  # noqa: F401
    import optuna.storages  # noqa: F401
    import sqlalchemy.orm  # noqa: F401

    met = []
    with tempfile.TemporaryDirectory() as tmp:
        for number, (csv, target, what) in enumerate(tables(Path(tmp), args.data, args.target)):
            folder = Path(tmp) / f"table-{number}"
            folder.mkdir()
            met.append(bench_table(folder, csv, target, what, args))
            print()
    print(f"target (sweep <= 2x the budget, best at least the default's): "
          f"{'met' if all(met) else 'NOT met'} on {sum(met)} of {len(met)} tables")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
