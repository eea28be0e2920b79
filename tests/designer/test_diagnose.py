"""Train ▸ Diagnose…: real experiments in a worker, verdict cards with curves, hints in Problems."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

import designer.diagnose.dialog as dialog_module
from designer.diagnose import DiagnoseDialog
from tests.core.train import tiny
from tests.designer.conftest import settle
from tests.designer.test_export_dialogs import record_threads


def test_diagnose_runs_in_a_worker_and_shows_each_verdict(qtbot, window, tmp_path, monkeypatch):
    project = tiny.project(tmp_path)
    assert window.files.open_path(project.path, confirm=False)
    settle(qtbot, window)
    threads = record_threads(monkeypatch, dialog_module, "diagnose_job")
    action = next(a for a in window.menu("Train").actions() if a.text().replace("&", "") == "Diagnose…")
    action.trigger()
    qtbot.waitUntil(lambda: window.findChild(DiagnoseDialog) is not None)
    dialog = window.findChild(DiagnoseDialog)
    assert list(dialog.choices) == ["lr_range", "overfit", "data_size"]
    dialog.choices["data_size"].setChecked(False)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.run_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.results is not None, timeout=60000)
    assert threads and threads[0] is not threading.main_thread()
    cards = [dialog.cards_layout.itemAt(i).widget() for i in range(dialog.cards_layout.count() - 1)]
    assert [c.result.name for c in cards] == ["lr_range", "overfit"]
    assert "The network can learn" in cards[1].verdict.text()
    xs, _ys = cards[0].lines[0].getData()
    assert len(xs) > 10  # the loss-vs-rate curve is drawn
    hints = window.problems.hint_messages()
    assert any(h.startswith("Learning-rate range test: Suggested learning rate") for h in hints)
    assert dialog.saved is not None and (dialog.saved / "diagnosis.json").is_file()
    assert dialog.saved.parent == tmp_path / "runs"
    dialog.close()


def test_diagnose_asks_for_data_first(qtbot, window):
    from designer.diagnose import open_diagnose_dialog

    dialog = open_diagnose_dialog(window.services)  # a new, empty project
    assert not dialog.run_button.isEnabled()
    assert "Load data first" in dialog.message.plain
    dialog.close()
