"""The Export dialog on a run with two heads: a Heads row offers every head, one ONNX output
per Output (core/export/heads.py); runs with one Output show no such row."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.export import ExportDialog
from tests.designer.test_export_dialogs import open_from_menu
from tests.designer.test_training_helpers import example_copy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_head_project(tmp_path_factory):
    """autoencoder_classifier (heads 'shape' and 'rebuilt') trained for an epoch, runs/ beside it."""
    from core.cli import main as cli

    folder = tmp_path_factory.mktemp("two-heads-gui")
    path = example_copy(folder, "autoencoder_classifier", data={"samples": 240}, training={"epochs": 1})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAYERFORGE_CACHE_DIR", str(folder / "cache"))
        assert cli(["train", str(path), "--quiet"]) == 0
    return path


def test_every_head_is_exported_from_the_dialog_as_one_onnx_output_each(qtbot, window, two_head_project, tmp_path):
    import onnxruntime as ort

    assert window.files.open_path(two_head_project, confirm=False)
    dialog = open_from_menu(qtbot, window, "Export Model…", ExportDialog)
    heads = dialog.heads
    assert heads.isVisible() and dialog.heads_label.isVisible()
    assert [heads.itemText(i) for i in range(heads.count())] == [
        "The primary head 'shape' (what predictions use)",
        "All heads: one output per Output (shape, rebuilt)"]
    assert heads.heads == "primary"
    qtbot.mouseClick(dialog.formats.buttons["python"], Qt.MouseButton.LeftButton)
    heads.setFocus()
    QTest.keyClick(heads, Qt.Key.Key_Down)  # to "All heads"
    assert heads.heads == "all"
    # the standalone code holds the primary head only: not offered, ONNX chosen instead
    assert not dialog.formats.buttons["python"].isEnabled()
    assert dialog.formats.name == "onnx"
    target = tmp_path / "both.onnx"
    dialog.destination.setText(str(target))
    dialog.destination.textEdited.emit(str(target))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=120000)
    assert dialog.result.ok, dialog.message.plain
    assert "outputs: shape (primary), rebuilt" in dialog.message.plain
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["shape", "rebuilt"]
    QTest.keyClick(heads, Qt.Key.Key_Up)  # back to the primary head: every format again
    assert dialog.formats.buttons["python"].isEnabled()
    dialog.close()
