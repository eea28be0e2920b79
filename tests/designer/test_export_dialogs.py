"""The Export and Predict dialogs on a real trained run, driven like a person (offscreen)."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

import core.export.exporter as exporter_module
import core.export.predict as predict_module
from core import __version__  # noqa: F401 - the package is importable without torch
from core.export import onnx_format
from designer.export import ExportDialog, PredictDialog, install
from tests.core.export import projects

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained_project(tmp_path_factory):
    """A CSV project saved in a folder, trained twice (runs/ beside it), from the command line."""
    from core.cli import main as cli

    folder = tmp_path_factory.mktemp("gui-project")
    path = projects.table_project(folder, "label", "Churn table")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAYERFORGE_CACHE_DIR", str(folder / "cache"))
        for epochs in (1, 2):
            assert cli(["train", str(path), "--epochs", str(epochs), "--quiet"]) == 0
    return path


def when_file_dialog(qtbot, path: Path, timeout_ms: int = 10000) -> list:
    """Type ``path`` into the next QFileDialog that opens and accept it."""
    seen: list = []

    def poll(remaining: int = timeout_ms) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog):
            seen.append(dialog)
            dialog.selectFile(str(path))
            dialog.accept()
            return
        if remaining > 0:
            QTimer.singleShot(20, lambda: poll(remaining - 20))

    QTimer.singleShot(0, poll)
    return seen


def record_threads(monkeypatch, module, name) -> list:
    """Wrap ``module.name`` to note the thread each call runs in."""
    threads: list = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return threads


def open_from_menu(qtbot, window, text: str, cls):
    if "designer.export:install" not in window.extensions:  # the main window installs it itself
        install(window.services)
    action = next(a for a in window.menu("Export").actions() if a.text().replace("&", "") == text)
    action.trigger()
    qtbot.waitUntil(lambda: window.findChild(cls) is not None and window.findChild(cls).isVisible())
    return window.findChild(cls)


def test_export_menu_exports_and_verifies_off_the_gui_thread(qtbot, window, trained_project, tmp_path, monkeypatch):
    assert window.files.open_path(trained_project, confirm=False)
    threads = record_threads(monkeypatch, exporter_module, "export_run")
    dialog = open_from_menu(qtbot, window, "Export Model…", ExportDialog)
    assert [a.text().replace("&", "") for a in window.menu("Export").actions()] == ["Export Model…", "Predict…",
                                                                        "Generate Samples…"]
    # the newest run is chosen, the default destination is inside it
    runs = sorted((trained_project.parent / "runs").iterdir())
    assert dialog.runs.run_dir == runs[-1] and dialog.runs.combo.count() == 2
    assert dialog.destination.text() == str(runs[-1] / "export" / "churn_table.onnx")
    # TorchScript says it is deprecated
    assert "deprecated" in dialog.formats.buttons["torchscript"].text()
    qtbot.mouseClick(dialog.formats.buttons["pt2"], Qt.MouseButton.LeftButton)
    target = tmp_path / "chosen.pt2"
    seen = when_file_dialog(qtbot, target)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert seen and dialog.destination.text() == str(target)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert not dialog.export_button.isEnabled()  # busy
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=120000)
    assert dialog.result.ok and target.is_file()
    assert dialog.message.plain.startswith("Verified: the largest difference from the model in LayerForge is")
    assert f"Saved to {target}" in dialog.message.plain
    assert threads and threads[0] is not threading.main_thread()
    assert dialog.export_button.isEnabled()
    dialog.close()


def test_a_failed_export_shows_why_and_saves_nothing(qtbot, window, trained_project, tmp_path, monkeypatch):
    import onnx
    from onnx import numpy_helper

    original = onnx_format.write

    def tampered(trained, path, sample, record):
        original(trained, path, sample, record)
        model = onnx.load(str(path))
        first = model.graph.initializer[0]
        first.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(first) * 3 + 1, first.name))
        onnx.save(model, str(path))

    monkeypatch.setattr(onnx_format, "write", tampered)
    assert window.files.open_path(trained_project, confirm=False)
    dialog = open_from_menu(qtbot, window, "Export Model…", ExportDialog)
    dialog.destination.setText(str(tmp_path / "bad.onnx"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=120000)
    assert dialog.message.is_error
    assert dialog.message.plain.startswith("Export failed: its outputs differ from the in-app model by up to")
    assert not (tmp_path / "bad.onnx").exists()
    dialog.close()


def test_predict_shows_a_table_and_saves_it(qtbot, window, trained_project, tmp_path, monkeypatch):
    assert window.files.open_path(trained_project, confirm=False)
    threads = record_threads(monkeypatch, predict_module, "predict_file")
    dialog = open_from_menu(qtbot, window, "Predict…", PredictDialog)
    # before a file is chosen, the dialog says what this run's model reads
    assert dialog.data_label.text() == "No data chosen: a CSV file with the columns a, b, colour, city"
    seen = when_file_dialog(qtbot, trained_project.parent / "table.csv")
    qtbot.mouseClick(dialog.csv_button, Qt.MouseButton.LeftButton)
    assert seen
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 160, timeout=120000)
    assert threads and threads[0] is not threading.main_thread()
    header = [dialog.model.headerData(i, Qt.Orientation.Horizontal) for i in range(dialog.model.columnCount())]
    assert header == ["row", "prediction", "prob_cat", "prob_dog", "prob_fox"]
    first = [dialog.model.index(0, c).data() for c in range(5)]
    assert first[0] == "2" and first[1] in ("cat", "dog", "fox")
    assert all(cell.endswith(" %") for cell in first[2:])  # probabilities read as percentages
    tips = [dialog.model.index(0, c).data(Qt.ItemDataRole.ToolTipRole) for c in range(2, 5)]
    assert tips == dialog.table.rows[0][2:]  # every digit, as saved
    assert dialog.message.plain.startswith("160 predictions for table.csv")
    out = tmp_path / "saved.csv"
    seen = when_file_dialog(qtbot, out)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert seen and out.is_file()
    rows = list(csv.reader(out.open()))
    assert rows[0] == header and rows[1] == dialog.table.rows[0] and len(rows) == 161
    dialog.close()


def test_a_project_without_runs_says_to_train_first(qtbot, window, tmp_path):
    window.files.open_path(projects.table_project(tmp_path, "label", "Fresh"), confirm=False)
    export = ExportDialog(window.project, window)
    qtbot.addWidget(export)
    assert not export.export_button.isEnabled()
    assert export.message.plain.startswith("This project has no training runs yet")
    predict = PredictDialog(window.project, window)
    qtbot.addWidget(predict)
    assert not predict.csv_button.isEnabled() and not predict.save_button.isEnabled()
    assert predict.data_label.text() == "No data chosen"  # no run: nothing to describe
    # Browse… to a folder that is not a run says so
    seen = when_file_dialog(qtbot, tmp_path)
    qtbot.mouseClick(export.runs.browse_button, Qt.MouseButton.LeftButton)
    assert seen and "is not a training run folder" in export.message.plain


def test_the_run_selected_in_the_training_runs_panel_is_the_one_offered(qtbot, window, trained_project):
    from designer.services import TrainingApi

    assert window.files.open_path(trained_project, confirm=False)
    history = window.services.provided(TrainingApi).history
    older = sorted((trained_project.parent / "runs").iterdir())[0]
    qtbot.waitUntil(lambda: any(r.path == older for r in getattr(history, "runs", [])), timeout=5000)
    history.select_runs([older.name])
    dialog = open_from_menu(qtbot, window, "Export Model…", ExportDialog)
    assert dialog.runs.run_dir == older
    dialog.close()


def test_runs_of_an_example_are_found_in_the_users_runs_folder(qtbot, window, tmp_path, monkeypatch):
    """Training an opened example writes to $LAYERFORGE_RUNS_DIR; the dialog lists only its runs."""
    import json

    from tests.conftest import EXAMPLES

    monkeypatch.setenv("LAYERFORGE_RUNS_DIR", str(tmp_path / "runs"))
    for name, project in (("Spiral_MLP-20260101-000000", "Spiral MLP"), ("Other-20260101-000000", "Other")):
        folder = tmp_path / "runs" / name
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({"format": "layerforge.run", "status": "completed",
                                                      "project": {"name": project}, "started": "2026"}))
        (folder / "model.safetensors").write_bytes(b"")
    assert window.files.open_path(EXAMPLES / "spiral_mlp.lfproj", confirm=False)
    dialog = ExportDialog(window.project, window)
    qtbot.addWidget(dialog)
    assert [dialog.runs.combo.itemData(i).path.name for i in range(dialog.runs.combo.count())] == [
        "Spiral_MLP-20260101-000000"]


def test_exporting_onto_an_existing_file_asks_first(qtbot, window, trained_project, tmp_path):
    from tests.designer.conftest import press_button, when_modal

    assert window.files.open_path(trained_project, confirm=False)
    dialog = open_from_menu(qtbot, window, "Export Model…", ExportDialog)
    target = tmp_path / "mine.onnx"
    target.write_text("a file of mine")
    dialog.destination.setText(str(target))
    texts: list[str] = []

    def cancel(box):
        texts.append(box.text())
        press_button(box, QMessageBox.StandardButton.Cancel)

    asked = when_modal(qtbot, cancel)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(asked))
    assert "already exists" in texts[0]
    assert dialog.task is None and target.read_text() == "a file of mine"  # kept
    asked = when_modal(qtbot, lambda box: press_button(box, QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=120000)
    assert asked and dialog.result.ok
    assert target.read_bytes()[:4] != b"a fi"  # replaced by the verified ONNX model
    dialog.close()
