"""The image-folder dialog, driven like a person: classes, thumbnails, skipped files, options, OK."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from designer.data import ImageFolderDialog, import_image_folder
from tests.core.data.images import BROKEN, draw, make_folder


def open_dialog(qtbot, path, **kwargs) -> ImageFolderDialog:
    dialog = ImageFolderDialog(path, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def folder(tmp_path):
    root = make_folder(tmp_path / "shapes", {"circle": 7, "square": 5, "triangle": 4},
                       size=(30, 20), broken=True)
    (root / "empty_class").mkdir()
    return root


def class_rows(dialog) -> list[tuple[str, str]]:
    tree = dialog.classes
    return [(tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1))
            for i in range(tree.topLevelItemCount())]


def test_a_folder_with_broken_files_shows_classes_thumbnails_and_what_is_skipped(qtbot, folder):
    dialog = open_dialog(qtbot, folder)
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=20000)
    assert class_rows(dialog) == [("circle", "7"), ("square", "5"), ("triangle", "4")]
    skipped = [dialog.skipped.item(i).text() for i in range(dialog.skipped.count())]
    assert skipped == [f"circle/{name} — {reason}" for name, reason in sorted(BROKEN.items())]
    assert "class folder 'empty_class' has no images: left out" in dialog.message.plain
    assert (dialog.height_spin.value(), dialog.width_spin.value()) == (20, 30)  # the median
    assert "median of the images: 20×30" in dialog.median_label.text()
    assert dialog.summary.text().startswith("16 images · input 3×20×30 · 3 classes")
    qtbot.waitUntil(lambda: dialog.grid.loaded_count == 7, timeout=10000)  # circle is selected
    square = dialog.classes.topLevelItem(1)
    rect = dialog.classes.visualItemRect(square)
    qtbot.mouseClick(dialog.classes.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.grid.count() == 5 and dialog.grid.item(0).text() == "square_000.png"
    qtbot.waitUntil(lambda: dialog.grid.loaded_count == 5, timeout=10000)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    spec = dialog.spec()
    assert spec["kind"] == "image_folder" and spec["path"] == str(folder)
    assert spec["image_size"] == [20, 30] and spec["color"] == "rgb"
    assert spec["split"] == {"validation": 0.2, "test": 0.0, "stratify": True, "seed": 0}


def test_settings_and_augmentation_preview(qtbot, folder, monkeypatch):
    import core.data.augment as augment

    threads = []
    real_preview = augment.preview
    monkeypatch.setattr(augment, "preview", lambda *a, **k: threads.append(threading.current_thread())
                        or real_preview(*a, **k))
    dialog = open_dialog(qtbot, folder, base_dir=folder.parent)
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=20000)
    qtbot.mouseClick(dialog.augment.hflip, Qt.MouseButton.LeftButton, pos=QPoint(6, 6))
    dialog.augment.rotation.setFocus()
    qtbot.keyClicks(dialog.augment.rotation, "3")  # 0 -> 3 -> (select all first) 30
    dialog.augment.rotation.selectAll()
    qtbot.keyClicks(dialog.augment.rotation, "30")
    qtbot.waitUntil(lambda: dialog.preview.shown_count == 6 and dialog.augment.status.text()
                    == "as training sees them", timeout=10000)
    assert threads and threading.main_thread() not in threads  # numpy/Pillow, off the GUI thread
    dialog.height_spin.setValue(16)
    dialog.width_spin.setValue(16)
    dialog.color.setCurrentIndex(dialog.color.findData("grayscale"))
    dialog.color.activated.emit(dialog.color.currentIndex())
    qtbot.waitUntil(lambda: dialog.info is not None and dialog.info.input_shape == (1, 16, 16),
                    timeout=20000)
    spec = dialog.spec()
    assert spec["path"] == "shapes"
    assert spec["augment"] == {"hflip": True, "vflip": False, "rotation": 30,
                               "random_resized_crop": 0.0, "color_jitter": 0.0}
    assert spec["image_size"] == [16, 16] and spec["color"] == "grayscale"


def test_a_separate_validation_folder(qtbot, folder, tmp_path):
    val = make_folder(tmp_path / "val", {"circle": 2, "square": 2, "triangle": 1}, size=(30, 20))
    dialog = open_dialog(qtbot, folder, base_dir=tmp_path)
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=20000)
    qtbot.mouseClick(dialog.use_validation_folder, Qt.MouseButton.LeftButton, pos=QPoint(6, 6))
    assert not dialog.validation.isEnabled()
    dialog.validation_folder.setFocus()
    qtbot.keyClicks(dialog.validation_folder, str(val))
    qtbot.keyClick(dialog.validation_folder, Qt.Key.Key_Tab)  # leaving the field applies it
    qtbot.waitUntil(lambda: dialog.info is not None and dialog.info.samples == 21, timeout=20000)
    assert dialog.spec()["validation_path"] == "val"


@pytest.mark.parametrize("layout, words", [("flat", "holds images but no class sub-folders"),
                                           ("one", "has only one class with images ('cat')")])
def test_a_folder_that_cannot_work_is_explained_inline(qtbot, tmp_path, layout, words):
    root = tmp_path / "pics"
    root.mkdir()
    if layout == "flat":
        draw("circle").save(root / "a.png")
    else:
        make_folder(root, {"cat": 3})
    dialog = open_dialog(qtbot, root)
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=10000)
    assert words in dialog.message.plain and "one sub-folder per class" in dialog.message.plain
    assert not dialog.ok_button.isEnabled()


def test_decoding_a_large_folder_stays_responsive_and_can_be_cancelled(qtbot, tmp_path, monkeypatch):
    import designer.data.image_dialog as image_dialog

    root = make_folder(tmp_path / "many", {"a": 60, "b": 60}, size=(12, 12))
    real = image_dialog.check_images

    def slowed(spec, base, progress, cancel):  # the real loader, with a slow progress callback
        def slow(fraction, message):
            time.sleep(0.05)
            progress(fraction, message)
        return real(spec, base, slow, cancel)

    monkeypatch.setattr(image_dialog, "check_images", slowed)
    monkeypatch.setattr("core.data.image_cache.CHUNK", 2)
    dialog = open_dialog(qtbot, root)
    qtbot.waitUntil(lambda: dialog.scan is not None and dialog.progress.isVisible(), timeout=20000)
    ticks = []
    timer = QTimer(dialog, interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.wait(200)
    assert len(ticks) >= 5
    qtbot.mouseClick(dialog.progress.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Stopped" in dialog.message.plain, timeout=20000)
    # the row hides on the task's own signal, which a loaded machine may deliver a little later
    qtbot.waitUntil(lambda: not dialog.progress.isVisible(), timeout=5000)
    assert dialog.ok_button.isEnabled()  # the scan is enough to use the folder


def test_import_image_folder_asks_for_the_folder(qtbot, monkeypatch, folder):
    from core.project import Project

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    seen = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ImageFolderDialog) and dialog.info is not None:
            seen.append(dialog)
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        else:
            QTimer.singleShot(50, poll)

    QTimer.singleShot(50, poll)
    data = import_image_folder(None, Project(path=folder.parent / "p.lfproj"))
    assert seen and data["path"] == "shapes" and data["kind"] == "image_folder"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    assert import_image_folder(None, Project()) is None
