"""Help ▸ Keyboard Shortcuts lists the window's real actions with their real keys."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.shortcuts import action_text, collect_shortcuts, show_shortcuts, typable


def native(key) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def test_the_window_lists_every_action_with_its_real_shortcut(window, qtbot):
    dialog = show_shortcuts(window)
    qtbot.waitExposed(dialog)
    rows = {(action, where): keys for action, keys, where in dialog.rows()}
    assert rows[("Save", "File")] == native(QKeySequence.StandardKey.Save)
    assert rows[("Open", "File")].startswith(native(QKeySequence.StandardKey.Open))
    assert rows[("Guide for the Selection", "Help")].startswith("F1")
    assert rows[("Preferences", "Edit")] == "Ctrl+,"
    assert rows[("Find Layer", "Edit")].startswith(native(QKeySequence.StandardKey.Find))
    assert rows[("Fit Graph in View", "View")] == "F"
    assert ("Pan the canvas", "Mouse") in rows
    # every action in the menus that has a key is listed with each key one can type
    listed = {r.action: r.keys.split(", ") for r in collect_shortcuts(window)}
    for top in window.menuBar().actions():
        for action in top.menu().actions():
            keys = [native(k) for k in action.shortcuts() if typable(k)]
            if keys and not action.menu():
                assert listed[action_text(action)] == keys, action.text()
    assert not typable(QKeySequence(Qt.Key.Key_Redo)) and typable(QKeySequence("Ctrl+Shift+Z"))
    assert "Redo" not in rows[("Redo", "Edit")].split(", ")  # no dedicated office keys
    # the list is generated: a changed shortcut shows up
    window.files.save_action.setShortcut(QKeySequence("Ctrl+Alt+S"))
    dialog = show_shortcuts(window)
    assert ("Save", native("Ctrl+Alt+S"), "File") in dialog.rows()


def test_the_filter_narrows_the_list(window, qtbot):
    dialog = show_shortcuts(window)
    qtbot.keyClicks(dialog.search, "undo")
    assert [row[0] for row in dialog.rows()] == ["Undo"]
    dialog.search.clear()
    assert len(dialog.rows()) > 20


def test_find_layer_focuses_the_palette_search(window, qtbot):
    window.view.setFocus()
    window.activateWindow()
    QTest.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.palette.search, timeout=2000)
    qtbot.keyClicks(window.palette.search, "gru")
    assert window.palette.visible_types() == ["GRU"]
