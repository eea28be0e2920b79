"""``layerforge --smoke-test [PROJECT]``: prove an installation or the desktop bundle works.

Headless and quick: opens an example (spiral_mlp by default) in the real main window
offscreen, waits for its shapes, checks the design is ready to train, lists the
devices as the window does (in a child process), trains the example for one epoch
with the core trainer into a temporary run folder, loads the trained model back,
exports it to ONNX and to standalone PyTorch code (each verified against the model:
onnxruntime, and a fresh Python process), and exits 0. Any failure prints one line
and exits 1. The packaging build runs it on the freshly built bundle, so a missing
Qt plugin, data file or library is found before anyone installs the bundle.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def run(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    try:
        summary = _smoke(argv)
    except Exception as err:  # the point of a smoke test is to report any failure in one line
        print(f"layerforge smoke test: FAILED: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(f"layerforge smoke test: OK in {time.perf_counter() - started:.1f} s — {summary}")
    return 0


def _smoke(argv: list[str]) -> str:
    from core.resources import examples_dir

    paths = [a for a in argv if not a.startswith("-")]
    example = Path(paths[0]) if paths else examples_dir() / "spiral_mlp.lfproj"
    window_summary = _open_in_window(example)
    devices = _devices()
    train_summary = _train_one_epoch(example)
    sweep_summary = _sweep_storage()
    return f"{example.name}: {window_summary}; devices {devices}; {train_summary}; {sweep_summary}"


def _open_in_window(example: Path) -> str:
    from PySide6.QtCore import QCoreApplication

    from designer.app import create_app
    from designer.main_window import MainWindow

    app = create_app([])
    window = MainWindow()
    try:
        window.show()
        if not window.files.open_path(str(example), confirm=False):
            raise RuntimeError(f"the window could not open {example}")
        if not window.analysis.wait_for_data(timeout_s=60):
            raise RuntimeError("the data's shapes did not arrive within 60 s")
        analysis = window.analysis.refresh_now()
        QCoreApplication.processEvents()
        if analysis is None or not analysis.ready:
            problems = [p.message for p in window.analysis.problems]
            raise RuntimeError("the example is not ready to train: " + "; ".join(problems))
        cards = len(window.scene.items())
        return (f"window shows {len(window.project.graph)} layers ({cards} scene items),"
                f" {analysis.total_params:,} parameters")
    finally:
        window.undo_stack.setClean()
        window.close()
        window.deleteLater()
        QCoreApplication.processEvents()
        del app


def _devices() -> str:
    """The designer's device list, asked of a child process as the window does."""
    from designer.devices import detect_in_child

    report = detect_in_child()
    return ", ".join(name for _device, name in report.devices)


def _train_one_epoch(example: Path) -> str:
    from core.data import load
    from core.project import Project
    from core.train import load_trained_model, prepare

    project = Project.load(example)
    dataset = load(project.data, project.directory)
    with tempfile.TemporaryDirectory(prefix="layerforge-smoke-") as folder:
        trainer = prepare(project, dataset, overrides={"epochs": 1}, run_dir=Path(folder) / "run")
        result = trainer.fit()
        if result.status != "completed":
            raise RuntimeError(f"training ended with status {result.status}: {result.reason}")
        trained = load_trained_model(Path(folder) / "run")
        shape = tuple(trained.predict(dataset.validation.x[:4]).shape)
        exported = _export(Path(folder) / "run", Path(folder) / "exports")
    return f"trained 1 epoch ({result.status}), predictions {shape}; exported {exported}"


def _sweep_storage() -> str:
    """Make a sweep's SQLite study: Optuna reads its migration scripts from files a bundle
    can leave out."""
    import optuna

    from core.sweep.storage import default_storage, open_storage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="layerforge-smoke-") as folder:
        storage = open_storage(default_storage(folder), heartbeat=False)
        study = optuna.create_study(storage=storage, study_name="smoke")
        study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=1)
        storage.engine.dispose()
        return f"a sweep study stored {len(study.trials)} trial in SQLite"


def _export(run_dir: Path, out: Path) -> str:
    """Export formats whose runtimes load code or data files a bundle can leave out."""
    from core.export import export_run

    results = export_run(run_dir, ["onnx", "python"], out)
    failed = [r.line() for r in results if not r.ok]
    if failed:
        raise RuntimeError("; ".join(failed))
    return " and ".join(f"{r.format} (verified)" for r in results)
