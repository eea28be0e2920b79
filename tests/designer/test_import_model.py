"""File ▸ Import Model… and dropped model files: real dialogs, the import in a worker thread,
the new project opened; a failure is one sentence in a message box and the canvas stays."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox
from torch import nn

from tests.conftest import EXAMPLES
from tests.designer.conftest import choose_file, press_button
from tests.designer.test_files import drop_files

ENTRY = "designer.import_model:install"


def _controller(window):
    return window.extensions[ENTRY]


def answer(qtbot, *acts, timeout_ms: int = 20000) -> list:
    """Run each of ``acts`` on the next modal dialog that opens, in order; the dialogs seen."""
    seen: list = []

    def poll(remaining: int = timeout_ms) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None and dialog not in seen:
            seen.append(dialog)
            acts[len(seen) - 1](dialog)
            if len(seen) == len(acts):
                return
        if remaining > 0:
            QTimer.singleShot(20, lambda: poll(remaining - 20))

    QTimer.singleShot(0, poll)
    return seen


def _export(module: nn.Module, shape, path: Path, dynamic=None) -> Path:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (torch.randn(2, *shape),), buffer, dynamo=False, opset_version=17,
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": dynamic or {0: "n"}, "y": {0: "n"}})
    path.write_bytes(buffer.getvalue())
    return path


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return torch.softmax(self.fc(self.pool(torch.relu(self.conv(x))).flatten(1)), dim=1)


def test_import_model_in_the_file_menu_opens_the_imported_project(window, qtbot, tmp_path):
    source = _export(_Net(), (1, 12, 12), tmp_path / "small.onnx")
    action = _controller(window).action
    menu = window.menu("File").actions()
    assert action in menu and menu.index(action) < menu.index(window.files.save_action)
    target = tmp_path / "imported" / "small.lfproj"
    target.parent.mkdir()
    with qtbot.waitSignal(_controller(window).import_finished, timeout=60000) as finished:
        dialogs = answer(qtbot, choose_file(source), choose_file(target))
        action.trigger()
    assert [d.objectName() for d in dialogs] == ["importModelDialog", "importSaveDialog"]
    assert all(isinstance(d, QFileDialog) for d in dialogs)
    assert finished.args == [str(target.resolve())]
    assert window.project.path == target.resolve()
    assert [n.type for n in window.project.graph.nodes.values()] == [
        "Input", "Conv2d", "ReLU", "AdaptiveAvgPool2d", "Flatten", "Output"]
    assert set(window.scene.nodes) == set(window.project.graph.nodes)
    assert "verified against the original" in window.statusBar().currentMessage()
    assert _controller(window).action.isEnabled()
    assert (target.parent / "runs").is_dir()


def test_a_broken_model_dropped_on_the_window_leaves_the_canvas_as_it_was(window, qtbot, tmp_path):
    window.files.open_path(EXAMPLES / "spiral_mlp.lfproj", confirm=False)
    before = window.project.to_json()
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(_export(_Net(), (1, 12, 12), tmp_path / "ok.onnx").read_bytes()[:700])
    boxes = []

    def read_and_close(box):
        boxes.append((box.objectName(), box.text(), box.informativeText()))
        press_button(box, QMessageBox.StandardButton.Ok)

    with qtbot.waitSignal(_controller(window).import_finished, timeout=60000) as finished:
        answer(qtbot, choose_file(tmp_path / "broken.lfproj"), read_and_close)
        assert drop_files(window.view.viewport(), [broken])
    assert finished.args == [""]
    name, text, sentence = boxes[0]
    assert name == "errorDialog" and text == "broken.onnx was not imported."
    assert sentence.startswith("broken.onnx is not") and "Traceback" not in sentence
    assert window.project.path == EXAMPLES / "spiral_mlp.lfproj"
    assert window.project.to_json() == before
    assert not (tmp_path / "broken.lfproj").exists() and not (tmp_path / "runs").exists()


def test_a_python_file_asks_before_its_code_runs(window, qtbot, tmp_path):
    script = tmp_path / "model.py"
    marker = tmp_path / "ran.txt"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    seen = answer(qtbot, lambda box: press_button(box, QMessageBox.StandardButton.Cancel))
    assert drop_files(window.view.viewport(), [script])
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0].objectName() == "runCodePrompt"
    assert "runs its Python code" in seen[0].text()
    assert "separate Python process" in seen[0].informativeText()
    assert not marker.exists() and not _controller(window).running


def test_a_model_with_free_sizes_asks_for_the_input_shape(window, qtbot, tmp_path):
    source = _export(_Net(), (1, 12, 12), tmp_path / "free.onnx", dynamic={0: "n", 2: "h", 3: "w"})

    def give_shape(dialog):
        assert isinstance(dialog, QInputDialog) and "--input-shape" in dialog.labelText()
        dialog.setTextValue("1, 10, 14")
        dialog.accept()

    with qtbot.waitSignal(_controller(window).import_finished, timeout=60000) as finished:
        answer(qtbot, choose_file(tmp_path / "free.lfproj"), give_shape)
        _controller(window).start(source, confirmed=True)
    assert finished.args == [str((tmp_path / "free.lfproj").resolve())]
    assert window.project.graph.nodes["input"].params["shape"] == [1, 10, 14]
