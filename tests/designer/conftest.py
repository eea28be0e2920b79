"""Fixtures for the designer tests: a shown main window and helpers that act like a person.

Everything runs offscreen (``QT_QPA_PLATFORM=offscreen``); settings and recovery files
go to a temporary folder (the autouse fixture in ``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from tests.conftest import EXAMPLES


@pytest.fixture(autouse=True)
def _collect_in_the_gui_thread(qapp):
    """As in the app (designer/gui_gc.py): garbage is collected only in the GUI thread, so a
    worker thread's allocation (data loading, training) never frees a widget an earlier test
    left in a reference cycle, off the GUI thread."""
    from designer import gui_gc

    hold = gui_gc.collector().hold()
    yield
    hold.release()


@pytest.fixture
def window(qtbot):
    from designer.main_window import MainWindow

    win = MainWindow()
    win.autosave.timer.stop()  # tests call save_now() themselves
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.undo_stack.setClean()  # closing must not prompt
    win.close()
    win.deleteLater()
    QApplication.processEvents()


def open_example(qtbot, window, name: str) -> None:
    assert window.files.open_path(EXAMPLES / f"{name}.lfproj", confirm=False)
    settle(qtbot, window)


def settle(qtbot, window) -> None:
    """Wait until the data shapes are known and the latest edit is analysed."""
    qtbot.waitUntil(lambda: not window.analysis.waiting_for_data, timeout=5000)
    window.analysis.refresh_now()
    QApplication.processEvents()


def scene_to_viewport(view, point: QPointF) -> QPoint:
    return view.mapFromScene(point)


def mouse(widget: QWidget, kind: QEvent.Type, pos: QPoint, button=Qt.MouseButton.LeftButton,
          buttons=Qt.MouseButton.LeftButton, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, start: QPoint, end: QPoint, steps: int = 6,
         modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Press the left button at ``start``, move in steps to ``end``, release there."""
    mouse(widget, QEvent.Type.MouseButtonPress, start, modifiers=modifiers)
    for i in range(1, steps + 1):
        point = start + (end - start) * (i / steps)
        mouse(widget, QEvent.Type.MouseMove, point, button=Qt.MouseButton.NoButton, modifiers=modifiers)
    mouse(widget, QEvent.Type.MouseButtonRelease, end, buttons=Qt.MouseButton.NoButton, modifiers=modifiers)
    QApplication.processEvents()


def click(widget: QWidget, pos: QPoint, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    mouse(widget, QEvent.Type.MouseButtonPress, pos, modifiers=modifiers)
    mouse(widget, QEvent.Type.MouseButtonRelease, pos, buttons=Qt.MouseButton.NoButton, modifiers=modifiers)
    QApplication.processEvents()


def double_click(widget: QWidget, pos: QPoint) -> None:
    """Press, release, double-click, release: what a real double-click delivers."""
    mouse(widget, QEvent.Type.MouseButtonPress, pos)
    mouse(widget, QEvent.Type.MouseButtonRelease, pos, buttons=Qt.MouseButton.NoButton)
    mouse(widget, QEvent.Type.MouseButtonDblClick, pos)
    mouse(widget, QEvent.Type.MouseButtonRelease, pos, buttons=Qt.MouseButton.NoButton)
    QApplication.processEvents()


def drag_event(cls, pos: QPoint, mime, actions=Qt.DropAction.CopyAction):
    """A QDragEnterEvent/QDragMoveEvent/QDropEvent at ``pos`` (Qt 6.12 wants QPointF there)."""
    args = (actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:
        return cls(QPointF(pos), *args)
    except TypeError:
        return cls(QPoint(pos), *args)


def port_point(window, node_id: str, output: bool, index: int = 0) -> QPoint:
    item = window.scene.nodes[node_id]
    port = item.out_port if output else item.in_ports[index]
    return window.view.mapFromScene(port.scenePos())


def node_point(window, node_id: str) -> QPoint:
    item = window.scene.nodes[node_id]
    return window.view.mapFromScene(item.sceneBoundingRect().center() + QPointF(0, 8))


def when_modal(qtbot, act: Callable[[QWidget], None], timeout_ms: int = 5000) -> list:
    """Run ``act(dialog)`` on the next modal dialog that opens; returns a list filled with it."""
    seen: list = []

    def poll(remaining: int = timeout_ms) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None and dialog not in seen:
            seen.append(dialog)
            act(dialog)
            return
        if remaining > 0:
            QTimer.singleShot(20, lambda: poll(remaining - 20))

    QTimer.singleShot(0, poll)
    return seen


def press_button(box: QMessageBox, which: QMessageBox.StandardButton) -> None:
    box.button(which).click()


def press_button_text(box: QMessageBox, text: str) -> None:
    for button in box.buttons():
        if button.text().replace("&", "") == text:
            button.click()
            return
    raise AssertionError(f"no button {text!r} in {[b.text() for b in box.buttons()]}")


def choose_file(path: Path) -> Callable[[QWidget], None]:
    """A ``when_modal`` action that types ``path`` into a QFileDialog and accepts it."""
    def act(dialog) -> None:
        dialog.selectFile(str(path))
        dialog.accept()
    return act
