"""Preferences persist (in the isolated settings) and apply at once; the status bar's hooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from designer import settings, theme
from designer.preferences import PreferencesDialog, show_preferences


@pytest.fixture(autouse=True)
def _back_to_dark():
    yield
    theme.apply(mode="dark")


def test_preferences_are_stored_and_read_back(window, qtbot, tmp_path, _isolated_settings):
    dialog = show_preferences(window)
    qtbot.waitExposed(dialog)
    dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
    assert theme.current().name == "light"  # live
    dialog.autosave.setValue(5)
    assert window.autosave.timer.interval() == 5 * 60_000 and window.autosave.timer.isActive()
    dialog.autosave.setValue(0)
    assert not window.autosave.timer.isActive() and dialog.autosave.text() == "off"
    dialog.run_folder.setText(str(tmp_path / "all runs"))
    dialog.run_folder.editingFinished.emit()
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    assert window.status_indicators.device_text().startswith("Device: ")
    assert "auto" not in window.status_indicators.device_text()
    dialog.welcome.setChecked(True)
    dialog.close()
    # stored in the isolated INI file, read back by a fresh QSettings and a new dialog
    store = QSettings(str(_isolated_settings / "layerforge.ini"), QSettings.Format.IniFormat)
    assert store.value(settings.THEME) == "light"
    assert settings.autosave_minutes() == 0
    assert settings.default_run_folder() == tmp_path / "all runs"
    assert settings.runs_folder_for(None) == tmp_path / "all runs"
    assert settings.default_device() == "cpu"
    assert settings.welcome_at_startup() is True
    again = PreferencesDialog(window)
    assert again.theme.currentData() == "light" and again.autosave.value() == 0
    assert again.run_folder.text() == str(tmp_path / "all runs") and again.device.currentData() == "cpu"
    assert again.welcome.isChecked()
    again.run_folder.clear()
    again.run_folder.editingFinished.emit()
    assert settings.default_run_folder() is None
    assert settings.runs_folder_for(tmp_path) == tmp_path / "runs"


def test_a_new_window_uses_the_stored_autosave_interval(qtbot):
    from designer.main_window import MainWindow

    settings.set_autosave_minutes(3)
    window = MainWindow()
    try:
        assert window.autosave.timer.interval() == 3 * 60_000
    finally:
        window.close()


def test_defaults_without_any_setting():
    assert settings.theme_mode() == "system"
    assert settings.autosave_minutes() == 1
    assert settings.default_device() == "auto"
    assert settings.default_run_folder() is None
    assert settings.welcome_at_startup() is None


def test_the_status_bar_says_what_the_app_does_and_the_device(window, qtbot):
    from tests.designer.conftest import open_example

    status = window.status_indicators
    assert status.device_text().startswith("Device: auto")
    open_example(qtbot, window, "lenet_shapes")
    assert status.activity_text() == "Ready"
    window.set_activity("Exporting…")
    assert status.activity_text() == "Exporting…"
    window.set_activity(None)
    assert status.activity_text() == "Ready"
    window.set_device("Training on: NVIDIA H100 (cuda:0)")
    assert status.device_text() == "Training on: NVIDIA H100 (cuda:0)"
    window.set_device(None)
    assert status.device_text().startswith("Device: auto")
    # both labels are permanent: a temporary message does not hide them
    window.statusBar().showMessage("Saved", 1000)
    assert status.activity.isVisible() and status.device.isVisible()
    assert Path(settings.state_dir()).is_dir()


def test_the_status_bar_follows_a_training_session(qtbot, monkeypatch):
    """Through the status bar's hook, with a stand-in session (the real one is tested by training)."""
    from types import SimpleNamespace

    from PySide6.QtCore import QObject, Signal

    from designer import main_window
    from designer.status import follow_training

    monkeypatch.setattr(main_window, "EXTENSIONS", [])  # no real training part to race with
    window = main_window.MainWindow()
    qtbot.addWidget(window)

    class Session(QObject):
        state_changed = Signal(str)
        started = Signal(object)
        progressed = Signal(object)

    class Finder(QObject):
        found = Signal(list)

    controller = SimpleNamespace(session=Session(), device_finder=Finder(), devices=[("auto", "auto")])
    assert follow_training(window.status_indicators, window.problems, controller)
    controller.device_finder.found.emit([("auto", "auto (CPU (2 threads))"), ("cpu", "CPU (2 threads)")])
    status = window.status_indicators
    assert status.device_text() == "Device: auto (CPU (2 threads))"
    controller.session.state_changed.emit("running")
    controller.session.started.emit(SimpleNamespace(device="cpu", epochs=20, history=[], settings={}))
    assert status.device_text() == "Training on: CPU (2 threads)"
    controller.session.progressed.emit(SimpleNamespace(epoch=3, row=None))
    assert status.activity_text() == "Training: epoch 3 of 20"
    controller.session.state_changed.emit("idle")
    assert status.activity_text() == "Ready" and status.device_text() == "Device: auto (CPU (2 threads))"
