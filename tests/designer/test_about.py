"""About: versions at once, PyTorch and the devices once detected off the GUI thread."""

from __future__ import annotations

import platform
import threading
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication

import core
from designer.about import DETECTING, show_about


def test_about_shows_versions_and_detects_devices(window, qtbot):
    dialog = show_about(window)
    qtbot.waitExposed(dialog)
    rows = dict(dialog.rows())
    assert rows["LayerForge"] == core.__version__
    assert rows["Python"].startswith(platform.python_version())
    assert rows["Qt"] == qVersion() and rows["PySide6"] == pyside_version
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=120_000)
    rows = dict(dialog.rows())
    assert rows["PyTorch"] == metadata.version("torch") != DETECTING
    assert "CPU" in rows["Devices"] and rows["auto trains on"]
    assert metadata.version("torch") in dialog.versions.text()
    # detection ran in its own thread, never the GUI thread
    assert threading.current_thread() is threading.main_thread()
    dialog.copy_button.click()
    assert f"LayerForge: {core.__version__}" in QGuiApplication.clipboard().text()
    dialog.close()


def test_about_says_detecting_until_the_devices_are_known(window, qtbot, monkeypatch):
    from designer import about

    class Idle:
        report = None
        ready = type("S", (), {"connect": lambda self, slot: None})()

        def start(self):
            pass

    monkeypatch.setattr(about, "detector", lambda: Idle())
    dialog = about.AboutDialog(window)
    rows = dict(dialog.rows())
    assert rows["PyTorch"] == DETECTING and rows["Devices"] == DETECTING
    assert DETECTING in dialog.versions.text()
