"""Export → Generate Samples… and the Export dialog's part choice on a real trained VAE run."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

import designer.export.generate_view as generate_view
from designer.export import ExportDialog, GenerateDialog
from tests.core.test_generative import _project, _train
from tests.designer.test_export_dialogs import open_from_menu, record_threads, when_file_dialog

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vae-project")
    project = _project(folder)
    _train(project, folder / "runs" / "vae-run")
    return folder / "vae.lfproj", folder / "runs" / "vae-run"


def test_generate_shows_a_grid_and_saves_images(qtbot, window, vae_run, tmp_path, monkeypatch):
    project, run = vae_run
    assert window.files.open_path(project, confirm=False)
    threads = record_threads(monkeypatch, generate_view, "run_generate")
    dialog = open_from_menu(qtbot, window, "Generate Samples…", GenerateDialog)
    assert dialog.runs.run_dir == run
    assert not dialog.save_images_button.isEnabled()  # nothing generated yet
    assert dialog.picture.text() == generate_view.PRESS_GENERATE and dialog.generate_button.isEnabled()
    dialog.count.setValue(9)
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.generated is not None, timeout=60000)
    assert threads and threads[0] is not threading.main_thread()
    assert dialog.generated.values.shape == (9, 1, 28, 28)
    pixmap = dialog.picture.pixmap()
    assert not pixmap.isNull() and pixmap.width() % dialog.grid.shape[1] == 0  # a whole number of times larger
    out = tmp_path / "samples"
    out.mkdir()
    seen = when_file_dialog(qtbot, out)
    qtbot.mouseClick(dialog.save_images_button, Qt.MouseButton.LeftButton)
    assert seen and len(list(out.glob("sample_*.png"))) == 9
    # the latent walk: 8 x 8 codes, the first two numbers changing
    dialog.mode.setCurrentIndex(dialog.mode.findData(generate_view.WALK))
    assert not dialog.count.isEnabled()
    first = dialog.generated
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.generated is not first, timeout=60000)
    codes = dialog.generated.codes
    assert codes.shape == (64, 2) and np.unique(codes[:, 0]).size == 8
    dialog.close()


def test_export_offers_the_decoder_alone_as_onnx_or_pt2(qtbot, window, vae_run, tmp_path):
    project, run = vae_run
    assert window.files.open_path(project, confirm=False)
    dialog = open_from_menu(qtbot, window, "Export Model…", ExportDialog)
    assert dialog.parts.isVisible()
    dialog.formats.set_name("python")
    dialog.parts.setCurrentIndex(dialog.parts.findData("decoder"))
    assert dialog.formats.name == "onnx"  # a part exports as ONNX or .pt2 only
    assert not dialog.formats.buttons["python"].isEnabled()
    assert dialog.destination.text().endswith("tiny_vae_decoder.onnx")
    target = tmp_path / "decoder.onnx"
    dialog.destination.setText(str(target))
    dialog._edited = True
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=120000)
    assert dialog.result.ok, dialog.result.error
    assert "random latent codes" in dialog.message.plain
    import onnxruntime as ort

    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[1:] == [2]
    dialog.close()


def test_without_a_run_the_picture_says_what_to_do_not_press_generate(qtbot, window):
    dialog = open_from_menu(qtbot, window, "Generate Samples…", GenerateDialog)
    assert not dialog.generate_button.isEnabled()
    assert dialog.picture.text() == generate_view.NOTHING_TO_GENERATE
    dialog.close()
