"""The Data menu and dropped data files, in the real main window: one undoable edit each."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.resources import resource_path
from tests.conftest import EXAMPLES
from tests.designer.conftest import settle, when_modal
from tests.designer.test_data_csv_dialog import _accept_when_ready
from tests.designer.test_files import drop_files


def _open_copy(qtbot, window, tmp_path: Path, name: str = "spiral_mlp") -> Path:
    path = tmp_path / f"{name}.lfproj"
    shutil.copy(EXAMPLES / f"{name}.lfproj", path)
    assert window.files.open_path(path, confirm=False)
    settle(qtbot, window)
    return path


def test_dropping_a_csv_loads_it_undoably_and_the_input_follows(window, qtbot, tmp_path):
    _open_copy(qtbot, window, tmp_path)
    table = tmp_path / "messy.csv"
    shutil.copy(resource_path("sample_data", "messy.csv"), table)
    assert window.analysis.analysis.shape_of("input") == (2,)

    seen: list = []
    _accept_when_ready(qtbot, seen)
    assert drop_files(window, [table])
    assert seen, "the CSV dialog did not open"
    assert window.project.data["kind"] == "csv" and window.project.data["path"] == "messy.csv"
    assert window.undo_stack.undoText() == "Load data from messy.csv"
    assert window.isWindowModified() or "*" in window.windowTitle()
    settle(qtbot, window)
    width = window.analysis.data_info.input_shape
    assert window.analysis.analysis.shape_of("input") == tuple(width) and width != (2,)

    window.undo_stack.undo()
    settle(qtbot, window)
    assert window.project.data["kind"] == "builtin"
    assert window.analysis.analysis.shape_of("input") == (2,)


def test_choosing_a_built_in_dataset_from_the_data_menu(window, qtbot, tmp_path):
    _open_copy(qtbot, window, tmp_path)
    menu = window.extensions["designer.data.menu:install"]

    def choose_shapes(dialog) -> None:
        dialog.name.setCurrentIndex(dialog.name.findData("shapes"))
        dialog.noise.setValue(0.2)
        dialog.accept()

    when_modal(qtbot, choose_shapes)
    menu.builtin.trigger()
    assert window.project.data == {"kind": "builtin", "name": "shapes", "samples": 1000,
                                   "noise": 0.2, "seed": 0}
    assert window.undo_stack.undoText() == "Use built-in data 'shapes'"
    settle(qtbot, window)
    assert window.analysis.analysis.shape_of("input") == (1, 28, 28)
    messages = [p.message for p in window.analysis.problems]
    assert any("Linear 'fc1' needs a flat input but receives (N, 1, 28, 28)" in m for m in messages)

    when_modal(qtbot, lambda dialog: dialog.reject())
    assert not menu.builtin.trigger() and window.project.data["name"] == "shapes"  # cancel changes nothing
    window.undo_stack.undo()
    assert window.project.data["name"] == "spiral"


def test_the_data_menu_lists_its_actions(window):
    titles = [a.text().replace("&", "") for a in window.menu("Data").actions() if a.text()]
    assert titles == ["Load CSV File…", "Load Image Folder…", "Built-in Dataset…", "Edit Data Settings…"]


def test_a_denoising_autoencoders_input_noise_is_chosen_in_the_built_in_dialog(window, qtbot, tmp_path):
    _open_copy(qtbot, window, tmp_path)
    menu = window.extensions["designer.data.menu:install"]

    def choose(dialog) -> None:
        dialog.name.setCurrentIndex(dialog.name.findData("shapes"))
        dialog.task.setCurrentIndex(dialog.task.findData("reconstruction"))
        assert dialog.input_noise.mask.text() == "off"
        dialog.input_noise.mask.setValue(0.3)
        dialog.accept()

    when_modal(qtbot, choose)
    menu.builtin.trigger()
    assert window.project.data["input_noise"] == {"mask": 0.3}
    assert window.project.data["task"] == "reconstruction"

    def reopen(dialog) -> None:
        assert dialog.input_noise.mask.value() == 0.3  # shown again as stored
        dialog.input_noise.mask.setValue(0.0)
        dialog.accept()

    when_modal(qtbot, reopen)
    menu.builtin.trigger()
    assert "input_noise" not in window.project.data
