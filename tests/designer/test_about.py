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


def test_about_shows_versions_and_detects_devices(window, qtbot, monkeypatch):
    from designer import devices

    threads: list[threading.Thread] = []
    release = threading.Event()
    real_detect = devices.detect

    def held_detect():  # records where detection runs, and holds it until the test lets go
        threads.append(threading.current_thread())
        release.wait(30)
        return real_detect()

    monkeypatch.setattr(devices, "detect", held_detect)
    monkeypatch.setattr(devices, "_detector", [])  # a fresh detector: nothing is known yet
    try:
        dialog = show_about(window)
        qtbot.waitExposed(dialog)
        rows = dict(dialog.rows())
        assert rows["LayerForge"] == core.__version__
        assert rows["Python"].startswith(platform.python_version())
        assert rows["Qt"] == qVersion() and rows["PySide6"] == pyside_version
        # Detection runs in its own thread: the dialog is up and says so while it is held.
        qtbot.waitUntil(lambda: bool(threads), timeout=10_000)
        assert threads[0] is not threading.main_thread()
        assert threads[0].name == "layerforge-device-detection"
        assert rows["PyTorch"] == DETECTING and DETECTING in dialog.versions.text()
        assert dialog.report is None
    finally:
        release.set()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=120_000)
    rows = dict(dialog.rows())
    assert rows["PyTorch"] == metadata.version("torch") != DETECTING
    assert "CPU" in rows["Devices"] and rows["auto trains on"]
    assert metadata.version("torch") in dialog.versions.text()
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
