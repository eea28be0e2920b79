"""Fixtures and helpers for the training tests (no tests here): the real main window with
training installed, example projects copied to a temporary folder with small data, and
waiting for a run the way a person would (the event loop keeps running)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from tests.conftest import EXAMPLES

RUN_TIMEOUT_MS = 240_000


def example_copy(folder: Path, name: str, data: dict | None = None, training: dict | None = None) -> Path:
    """``resources/examples/<name>.lfproj`` saved in ``folder`` with changed data/training keys."""
    project = json.loads((EXAMPLES / f"{name}.lfproj").read_text(encoding="utf-8"))
    project["data"] = {**(project.get("data") or {}), **(data or {})}
    project["training"] = {**(project.get("training") or {}), **(training or {})}
    path = folder / f"{name}.lfproj"
    path.write_text(json.dumps(project, indent=2), encoding="utf-8")
    return path


def open_project(qtbot, window, path: Path) -> None:
    assert window.files.open_path(path, confirm=False)
    qtbot.waitUntil(lambda: not window.analysis.waiting_for_data, timeout=20_000)
    QApplication.processEvents()


def wait_state(qtbot, controller, *states: str, timeout: int = RUN_TIMEOUT_MS) -> None:
    qtbot.waitUntil(lambda: controller.session.state in states, timeout=timeout)


def wait_finished(qtbot, controller, timeout: int = RUN_TIMEOUT_MS):
    """Wait until the run has ended and the window has handled it; returns the TrainResult."""
    qtbot.waitUntil(lambda: controller.session.state == "idle", timeout=timeout)
    QApplication.processEvents()
    return controller.session.result


def train_and_wait(qtbot, controller, timeout: int = RUN_TIMEOUT_MS):
    qtbot.mouseClick(controller.panel.train_button, _left())
    assert controller.session.state != "idle", controller.panel.message.text()
    return wait_finished(qtbot, controller, timeout)


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


INSTALLER = "designer.training:install"


def installed(window):
    """The training controller the main window installed (its EXTENSIONS), else one installed now."""
    from designer.training import install

    controller = window.extensions.get(INSTALLER)
    return controller if controller is not None else install(window.services)


@pytest.fixture
def training(qtbot, window):
    """The training controller in the real main window (the ``window`` fixture)."""
    controller = installed(window)
    yield controller
    controller.stop_and_wait(60)  # never leave a worker behind (closing would ask)


@pytest.fixture
def spiral(tmp_path, qtbot, window, training) -> Path:
    """The spiral example with 400 points and 3 epochs, opened in the window."""
    path = example_copy(tmp_path, "spiral_mlp", data={"samples": 400}, training={"epochs": 3})
    open_project(qtbot, window, path)
    return path
