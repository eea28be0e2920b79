"""The CSV import dialog, driven like a person: preview, detected format, roles, task, OK."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QFileDialog

from designer.data import CsvImportDialog, import_csv
from tests.conftest import ROOT

MESSY = ROOT / "resources" / "sample_data" / "messy.csv"


def open_dialog(qtbot, path, **kwargs) -> CsvImportDialog:
    dialog = CsvImportDialog(path, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def wait_checked(qtbot, dialog, timeout=15000) -> None:
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=timeout)


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick an item the way a keyboard user does: focus the combo and type its start."""
    qtbot.wait(QApplication.keyboardInputInterval() + 20)  # a new search, not a continuation
    combo.setFocus()
    qtbot.keyClicks(combo, text)
    assert combo.currentText().startswith(text), combo.currentText()


def columns(dialog) -> dict:
    return {c.name: c for c in dialog.columns_model.columns}


def test_the_messy_sample_is_understood_and_ok_returns_the_data_section(qtbot):
    dialog = open_dialog(qtbot, MESSY)
    assert dialog.delimiter.currentData() == ";"
    assert dialog.decimal.currentData() == ","
    assert dialog.encoding.currentData() == "utf-8-sig"
    assert dialog.header.isChecked()
    model = dialog.head_model
    assert (model.rowCount(), model.columnCount()) == (60, 6)
    assert model.headerData(0, Qt.Orientation.Vertical) == "2"  # rows as a spreadsheet numbers them
    assert model.data(model.index(0, 2)) == "39,1"
    wait_checked(qtbot, dialog)
    found = columns(dialog)
    assert found["Customer"].role == "ignore"
    assert (found["Âge"].missing, found["Âge"].type) == (6, "numeric")
    assert found["Region"].type == "categorical" and found["Region"].missing == 4
    assert found["Churned"].role == "target"
    assert dialog.task.currentText() == "auto (classification)"
    assert dialog.chart_box.isVisible() and dialog.chart.counts == [38, 22]
    assert dialog.summary.text().startswith("60 rows · 60 samples · input 7 · 2 classes")
    assert "'Âge' has 6 missing cells" in dialog.message.plain
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.spec() == {"kind": "csv", "path": str(MESSY), "target": "Churned", "task": "auto",
                             "missing": "mean", "scale": "standard",
                             "split": {"validation": 0.2, "test": 0.0, "stratify": True, "seed": 0}}


@pytest.fixture
def grades(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    lines = ["hours,score,grade,city"]
    for i in range(90):
        lines.append(f"{rng.uniform(0, 10):.2f},{rng.normal(60, 10):.3f},{i % 3 + 1},{'xyz'[i % 3]}")
    path = tmp_path / "grades.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_choosing_the_target_sets_the_task_and_the_class_balance(qtbot, grades):
    dialog = open_dialog(qtbot, grades, base_dir=grades.parent)
    wait_checked(qtbot, dialog)
    assert dialog.target.currentText() == "city"  # the last column by default
    assert dialog.stratify.isEnabled() and dialog.stratify.isChecked()
    qtbot.mouseClick(dialog.stratify, Qt.MouseButton.LeftButton, pos=QPoint(8, 8))  # the person's choice
    assert not dialog.stratify.isChecked()
    qtbot.mouseClick(dialog.stratify, Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    choose(qtbot, dialog.target, "score")
    assert dialog.task.currentText() == "auto (regression)"
    assert not dialog.chart_box.isVisible()
    # a regression has no classes to stratify by: unticked and greyed, with the reason
    assert not dialog.stratify.isEnabled() and not dialog.stratify.isChecked()
    assert "no classes" in dialog.stratify.toolTip()
    wait_checked(qtbot, dialog)
    assert "input 5" in dialog.summary.text()  # hours + grade + 3 one-hot cities
    choose(qtbot, dialog.target, "grade")
    assert dialog.task.currentText() == "auto (classification)"  # few distinct whole numbers
    assert dialog.chart.names == ["1", "2", "3"] and dialog.chart.counts == [30, 30, 30]
    assert dialog.stratify.isEnabled() and dialog.stratify.isChecked()  # the choice is back
    choose(qtbot, dialog.task, "regression")  # overridable
    wait_checked(qtbot, dialog)
    spec = dialog.spec()
    assert (spec["path"], spec["target"], spec["task"]) == ("grades.csv", "grade", "regression")


def test_a_wrong_delimiter_is_explained_inline_and_can_be_put_back(qtbot):
    dialog = open_dialog(qtbot, MESSY)
    wait_checked(qtbot, dialog)
    choose(qtbot, dialog.delimiter, "comma")
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=10000)
    assert "messy.csv row 2 has 2 fields but the header has 1" in dialog.message.plain
    assert not dialog.ok_button.isEnabled()
    choose(qtbot, dialog.delimiter, "semicolon")
    wait_checked(qtbot, dialog)
    assert "delimiter" not in dialog.spec()  # the detected value is not pinned


def test_text_in_a_numeric_column_is_named_and_fixed_by_choosing_its_type(qtbot, tmp_path):
    path = tmp_path / "ages.csv"
    path.write_text("age,label\n" + "".join(f"{20 + i},{'ab'[i % 2]}\n" for i in range(30)) + "n/a?,a\n")
    dialog = open_dialog(qtbot, path)
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=10000)
    assert "column 'age' holds numbers but row 32 holds text ('n/a?')" in dialog.message.plain
    assert not dialog.ok_button.isEnabled()
    view = dialog.columns_view
    index = dialog.columns_model.index(0, dialog.columns_model.TYPE_COLUMN)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editors = [w for w in view.viewport().findChildren(QComboBox) if w.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.setFocus()
    qtbot.keyClicks(editor, "categorical")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait_checked(qtbot, dialog)
    assert dialog.spec()["categorical"] == ["age"]


@pytest.mark.parametrize("content, words", [
    ("", "empty.csv is empty"),
    ("a,label\n1,x\n2,x\n3,x\n", "target column 'label' has only one class"),
    ("a,a,label\n1,2,x\n", "has two columns named 'a'"),
    ("a,b,label\n3," + "4" * (300 << 10) + ",y\n1,2,x\n", "row 2 is longer than 256 kB"),
    ("a,b,label\n" + "1,2,x\n3,4,y\n" * 15_000 + "5," + "6" * (1 << 20) + ",x\n",
     "row 30002 holds a value longer than 128 kB"),
])
def test_bad_files_show_one_sentence_and_block_ok(qtbot, tmp_path, content, words):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    dialog = open_dialog(qtbot, path)
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=10000)
    assert words in dialog.message.plain
    assert not dialog.ok_button.isEnabled()


def test_a_file_with_old_mac_line_endings_opens_like_any_other(qtbot, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"a,b,label\r" + b"".join(b"%d,%d,%s\r" % (i, i * 2, b"xy"[i % 2:i % 2 + 1])
                                               for i in range(30)))
    dialog = open_dialog(qtbot, path)
    assert not dialog.message.is_error, dialog.message.plain
    assert (dialog.head_model.rowCount(), dialog.head_model.columnCount()) == (30, 3)
    assert "old Mac line endings" in dialog.detected_label.text()
    wait_checked(qtbot, dialog)
    assert dialog.spec()["target"] == "label"


def test_an_unexpected_failure_reading_the_head_still_opens_the_dialog(qtbot, tmp_path, monkeypatch,
                                                                      capsys):
    import csv

    import designer.data.csv_dialog as csv_dialog

    def broken(*_args, **_kwargs):
        raise csv.Error("new-line character seen in unquoted field")

    monkeypatch.setattr(csv_dialog, "read_head", broken)
    path = tmp_path / "any.csv"
    path.write_text("a,b\n1,2\n")
    dialog = open_dialog(qtbot, path)
    assert dialog.message.is_error and "this is a bug, please report it" in dialog.message.plain
    assert not dialog.ok_button.isEnabled()
    assert "Traceback" in capsys.readouterr().err


def test_reading_a_large_file_stays_responsive_and_can_be_cancelled(qtbot, tmp_path, monkeypatch):
    import core.data.csv_read as csv_read

    monkeypatch.setattr(csv_read, "BLOCK_BYTES", 8192)  # many small blocks: reading takes a while
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.4f},{b:.4f},{i % 3}" for i, (a, b) in enumerate(rng.normal(size=(150_000, 2))))
    path = tmp_path / "large.csv"
    path.write_text("a,b,label\n" + rows + "\n")
    threads = []
    monkeypatch.setattr(csv_read, "_read_once", _recording(csv_read._read_once, threads))
    dialog = open_dialog(qtbot, path)
    assert dialog.head_model.rowCount() == 500  # the preview is there before the file is read
    qtbot.waitUntil(lambda: dialog.progress.isVisible() and dialog.progress.bar.value() > 0, timeout=10000)
    ticks = []
    timer = QTimer(dialog, interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.wait(200)
    assert len(ticks) >= 5  # the event loop keeps running while the file is read
    qtbot.mouseClick(dialog.progress.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Stopped" in dialog.message.plain, timeout=10000)
    assert not dialog.progress.isVisible() and not dialog.ok_button.isEnabled()
    assert threads and threading.main_thread() not in threads


def _recording(function, threads):
    """The real reader, noting its thread and slowed down (5 ms per block) so Cancel can win."""
    import time

    def wrapper(path, fmt, columns, numeric, wide, progress, cancel, *rest):
        threads.append(threading.current_thread())

        def slow_progress(fraction, message):
            time.sleep(0.005)
            if progress is not None:
                progress(fraction, message)
        return function(path, fmt, columns, numeric, wide, slow_progress, cancel, *rest)
    return wrapper


def _accept_when_ready(qtbot, seen: list) -> None:
    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, CsvImportDialog) and dialog.ok_button.isEnabled():
            seen.append(dialog)
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        else:
            QTimer.singleShot(50, poll)
    QTimer.singleShot(50, poll)


def test_import_csv_asks_for_the_file_then_returns_the_new_data(qtbot, monkeypatch, grades):
    from core.project import Project

    project = Project(path=grades.parent / "p.lfproj")
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (asked.append(a) or str(grades), "Tables"))
    seen: list = []
    _accept_when_ready(qtbot, seen)
    data = import_csv(None, project)
    assert asked and seen
    assert data["path"] == "grades.csv" and data["target"] == "city"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    assert import_csv(None, project) is None  # the file dialog was cancelled


def test_editing_keeps_the_projects_settings(qtbot, grades):
    spec = {"kind": "csv", "path": "grades.csv", "target": "score", "missing": "drop",
            "scale": "minmax", "ignore": ["city"], "split": {"validation": 0.3, "seed": 4},
            "my_note": "kept"}
    dialog = open_dialog(qtbot, grades, base_dir=grades.parent, spec=spec)
    wait_checked(qtbot, dialog)
    assert columns(dialog)["city"].role == "ignore"
    result = dialog.spec()
    assert result["target"] == "score" and result["missing"] == "drop" and result["scale"] == "minmax"
    assert result["ignore"] == ["city"] and result["split"]["validation"] == 0.3
    assert result["split"]["seed"] == 4 and result["my_note"] == "kept"
    assert "input 2" in dialog.summary.text()


def test_time_series_windows(qtbot):
    path = ROOT / "resources" / "sample_data" / "temperature.csv"
    dialog = open_dialog(qtbot, path)
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=10000)
    assert "has no feature columns" in dialog.message.plain
    assert "switch on the time series windows" in dialog.message.plain
    assert columns(dialog)["date"].role == "ignore"
    qtbot.mouseClick(dialog.sequence, Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    assert dialog.sequence.isChecked()
    dialog.window.setValue(14)
    choose(qtbot, dialog.order_by, "date")
    wait_checked(qtbot, dialog)
    assert "input 14×1" in dialog.summary.text()
    assert dialog.spec()["sequence"] == {"window": 14, "horizon": 1, "order_by": "date"}
    assert not dialog.stratify.isEnabled() and not dialog.stratify.isChecked()


def test_the_preview_is_a_model_view_that_reads_only_the_head(qtbot, tmp_path):
    wide = tmp_path / "wide.csv"
    names = [f"c{i}" for i in range(400)]
    wide.write_text(",".join(names) + "\n" + "\n".join(",".join(str(i + j) for j in range(400))
                                                       for i in range(30)) + "\n")
    dialog = open_dialog(qtbot, wide)
    assert dialog.head_model.columnCount() == 400
    assert dialog.preview.model() is dialog.head_model
    wait_checked(qtbot, dialog)
    assert dialog.target.currentText() == "c399"
    point = QPoint(5, 5)
    assert dialog.preview.indexAt(point).isValid()


@pytest.fixture
def reviews(tmp_path) -> Path:
    """A code (numbers), a review (sentences, most distinct) and a label."""
    rng = np.random.default_rng(1)
    words = "the a good bad movie film plot actor great awful boring fun story ending music".split()
    lines = ["code,review,label"]
    for i in range(80):
        sentence = " ".join(rng.choice(words, size=int(rng.integers(4, 11))))
        lines.append(f"{rng.integers(100, 999)},{sentence},{'pos' if i % 2 else 'neg'}")
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_sentence_column_is_text_and_loads_as_token_features(qtbot, reviews):
    from core.data import csv_source

    dialog = open_dialog(qtbot, reviews, base_dir=reviews.parent)
    wait_checked(qtbot, dialog)
    found = columns(dialog)
    assert (found["review"].type, found["review"].inferred_type) == ("text", "text")
    assert found["code"].type == "numeric" and found["label"].role == "target"
    summary = found["review"].summary
    assert summary.startswith("text: vocabulary ") and "tokens 50% " in summary and "95% " in summary
    model = dialog.columns_model
    assert model.data(model.index(1, 4)) == summary  # shown in the Summary column
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    spec = dialog.spec()
    assert "text" not in spec and "categorical" not in spec  # inferred: nothing to pin
    dataset = csv_source.load(spec, str(reviews.parent), None, None)
    assert dataset.info.feature_columns.count("review") > 1  # one feature per token
    assert dataset.info.feature_columns[0] == "code"
    texts = [c for c in dataset.schema["columns"] if c["name"] == "review"]
    assert texts[0]["type"] == "text" and texts[0]["text"]["vocab_size"] > 2


def test_choosing_text_for_a_numeric_column_writes_it_in_the_spec(qtbot, reviews):
    dialog = open_dialog(qtbot, reviews, base_dir=reviews.parent)
    wait_checked(qtbot, dialog)
    view = dialog.columns_view
    index = dialog.columns_model.index(0, dialog.columns_model.TYPE_COLUMN)  # "code"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    editors = [w for w in view.viewport().findChildren(QComboBox) if w.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    assert [editor.itemText(i) for i in range(editor.count())] == ["numeric", "categorical", "text"]
    editor.setFocus()
    qtbot.keyClicks(editor, "text")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert columns(dialog)["code"].type == "text"
    assert dialog.spec()["text"] == ["code"]
    wait_checked(qtbot, dialog)
    assert columns(dialog)["code"].summary.startswith("text: vocabulary ")
    assert "numeric" not in dialog.spec() and "categorical" not in dialog.spec()
    reopened = open_dialog(qtbot, reviews, base_dir=reviews.parent, spec=dialog.spec())
    wait_checked(qtbot, reopened)
    assert columns(reopened)["code"].type == "text" and reopened.spec()["text"] == ["code"]


def test_a_text_column_chosen_as_categories_is_written_as_categorical(qtbot, reviews):
    dialog = open_dialog(qtbot, reviews, base_dir=reviews.parent)
    wait_checked(qtbot, dialog)
    index = dialog.columns_model.index(1, dialog.columns_model.TYPE_COLUMN)  # "review"
    assert dialog.columns_model.setData(index, "categorical")
    assert dialog.spec()["categorical"] == ["review"] and "text" not in dialog.spec()
    assert not columns(dialog)["review"].summary.startswith("text: vocabulary")  # facts of text only
    wait_checked(qtbot, dialog)
    assert "input 2 " in dialog.summary.text()  # code, review as categories: no token features
