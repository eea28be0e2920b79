"""The Predict window on a trained text run: typed sentences and a CSV of raw text (offscreen)."""

from __future__ import annotations

import csv
import json
import shutil
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

import core.export.predict_text as predict_text_module
from designer.export import PredictDialog
from tests.core.export import projects
from tests.designer.test_export_dialogs import open_from_menu, record_threads, when_file_dialog

pytestmark = pytest.mark.slow

CLASSES = ("books", "electronics", "garden", "kitchen")


@pytest.fixture(scope="module")
def text_project(tmp_path_factory):
    """The shipped text example saved in a folder and trained for an epoch (runs/ beside it)."""
    from core.cli import main as cli

    folder = tmp_path_factory.mktemp("text-project")
    path = projects.small_example("text_classifier", folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(folder / "home"))
        patch.setenv("XDG_CACHE_HOME", str(folder / "home" / ".cache"))
        patch.setenv("LAYERFORGE_CACHE_DIR", str(folder / "cache"))
        run = folder / "runs" / "Text-20260101-000000"
        assert cli(["train", str(path), "--epochs", "1", "--run-dir", str(run), "--quiet"]) == 0
    return path


def open_predict(qtbot, window, project) -> PredictDialog:
    assert window.files.open_path(project, confirm=False)
    dialog = open_from_menu(qtbot, window, "Predict…", PredictDialog)
    qtbot.waitUntil(lambda: dialog.typed.predict_button.isEnabled(), timeout=10000)
    return dialog


def cells(dialog, column: int) -> list[str]:
    return [dialog.model.index(r, column).data() for r in range(dialog.model.rowCount())]


def test_typed_sentences_are_predicted_in_the_table(qtbot, window, text_project, monkeypatch):
    threads = record_threads(monkeypatch, predict_text_module, "predict_texts")
    dialog = open_predict(qtbot, window, text_project)
    assert dialog.typed.isVisible() and "text column 'text'" in dialog.typed.note.text()
    qtbot.mouseClick(dialog.typed.predict_button, Qt.MouseButton.LeftButton)
    assert dialog.message.is_error
    assert dialog.message.plain == "Type a sentence to predict for (one per line) in the box above."
    editor = dialog.typed.editor
    editor.setFocus()
    qtbot.keyClicks(editor, "The kettle boils water quickly")
    for _ in range(2):  # a blank line between: skipped
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "A gripping story with a weak ending")
    qtbot.mouseClick(dialog.typed.predict_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=60000)
    assert threads and threads[0] is not threading.main_thread()
    header = [dialog.model.headerData(i, Qt.Orientation.Horizontal) for i in range(dialog.model.columnCount())]
    assert header == ["text", "prediction"] + [f"prob_{c}" for c in CLASSES]
    assert cells(dialog, 0) == ["The kettle boils water quickly", "A gripping story with a weak ending"]
    assert all(name in CLASSES for name in cells(dialog, 1))
    assert all(cell.endswith(" %") for cell in cells(dialog, 2))
    assert dialog.message.plain.startswith("2 predictions for 2 typed sentences")
    assert dialog.save_button.isEnabled()


def test_a_csv_of_raw_text_predicts_and_saved_typed_predictions_read_back(qtbot, window, text_project,
                                                                         tmp_path):
    dialog = open_predict(qtbot, window, text_project)
    raw = tmp_path / "sentences.csv"
    with open(raw, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["text"], ["The kettle boils water quickly, a bit loud"],
                                      ["Great plot"], ["The hose leaks at the tap"]])
    seen = when_file_dialog(qtbot, raw)
    qtbot.mouseClick(dialog.csv_button, Qt.MouseButton.LeftButton)
    assert seen
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=60000)
    assert cells(dialog, 0) == ["2", "3", "4"] and all(c in CLASSES for c in cells(dialog, 1))
    from_file = [row[1:] for row in dialog.table.rows]
    dialog.typed.editor.setPlainText("The kettle boils water quickly, a bit loud\nGreat plot\nThe hose leaks at the tap\n")
    qtbot.mouseClick(dialog.typed.predict_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cells(dialog, 0)[:1] == ["The kettle boils water quickly, a bit loud"], timeout=60000)
    assert [row[1:] for row in dialog.table.rows] == from_file  # the same numbers either way
    out = tmp_path / "typed.csv"
    seen = when_file_dialog(qtbot, out)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert seen and out.is_file()
    seen = when_file_dialog(qtbot, out)
    qtbot.mouseClick(dialog.csv_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cells(dialog, 0) == ["2", "3", "4"], timeout=60000)
    assert [row[1:] for row in dialog.table.rows] == from_file


def test_a_run_with_other_columns_says_typed_sentences_need_text_only(qtbot, window, text_project, tmp_path):
    run = next((text_project.parent / "runs").iterdir())
    mixed = tmp_path / "Mixed-20260101-000000"
    shutil.copytree(run, mixed)
    path = mixed / "preprocessing.json"
    pre = json.loads(path.read_text(encoding="utf-8"))
    pre["table"]["columns"].append({"name": "stars", "type": "numeric", "fill": 3.0})
    path.write_text(json.dumps(pre), encoding="utf-8")
    dialog = open_predict(qtbot, window, text_project)
    seen = when_file_dialog(qtbot, mixed)
    qtbot.mouseClick(dialog.runs.browse_button, Qt.MouseButton.LeftButton)
    assert seen and dialog.runs.run_dir == mixed
    qtbot.waitUntil(lambda: "also reads 'stars'" in dialog.typed.note.text(), timeout=10000)
    assert dialog.typed.isVisible()
    assert not dialog.typed.editor.isEnabled() and not dialog.typed.predict_button.isEnabled()
    assert "predict from a CSV file that has those columns too" in dialog.typed.note.text()
    assert dialog.csv_button.isEnabled()  # the CSV path stays
    dialog.runs.select(run)
    qtbot.waitUntil(lambda: dialog.typed.predict_button.isEnabled(), timeout=10000)
    QApplication.processEvents()
