"""Thumbnails of a class's images, decoded off the GUI thread as they are needed.

:class:`ThumbnailGrid` is an icon-mode list; :meth:`ThumbnailGrid.show_files` puts a
placeholder for every file at once and a worker thread replaces them one by one (a
``QImage`` may be made in any thread; the ``QPixmap`` is made on the GUI thread).
Showing another class cancels the loading of the previous one.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

from designer.data.signals import emit
from designer.style import Colors

THUMB = 96
MAX_SHOWN = 240


def to_qimage(pixels: np.ndarray) -> QImage:
    """A ``QImage`` owning a copy of ``(H, W)`` or ``(H, W, 3)`` uint8 pixels."""
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    if pixels.ndim == 2:
        image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()


def thumbnail(path: Path) -> QImage:
    """The image oriented and converted as training reads it, fitted to THUMB: shrunk, or a
    small one (28×28) enlarged with its pixels kept sharp, so that it can be seen."""
    from PIL import Image

    from core.data.image_decode import open_image

    image = open_image(path, None, "rgb")
    scale = THUMB / max(image.size)
    if scale > 1:
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        image = image.resize(size, Image.Resampling.NEAREST)
    else:
        image.thumbnail((THUMB, THUMB))
    return to_qimage(np.asarray(image))


class _Loader(QObject):
    loaded = Signal(int, int, QImage)  # generation, row, image
    failed = Signal(int, int)


class ThumbnailGrid(QListWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 16, THUMB + 26))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(False)
        self._loader = _Loader()
        self._loader.loaded.connect(self._on_loaded)
        self._loader.failed.connect(self._on_failed)
        self._generation = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.loaded_count = 0
        placeholder = QPixmap(THUMB, THUMB)
        placeholder.fill(QColor(Colors.card))
        self._placeholder = QIcon(placeholder)

    def show_files(self, root: Path, files: list[str]) -> None:
        """Show ``files`` (relative to ``root``); their pictures arrive as they are decoded."""
        self.stop()
        self._generation += 1
        self.clear()
        self.loaded_count = 0
        shown = files[:MAX_SHOWN]
        for name in shown:
            item = QListWidgetItem(self._placeholder, Path(name).name)
            item.setToolTip(name)
            self.addItem(item)
        if len(files) > MAX_SHOWN:
            self.addItem(QListWidgetItem(f"+{len(files) - MAX_SHOWN:,} more"))
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._load, args=(self._generation, root, shown, self._stop),
            name="layerforge-thumbnails", daemon=True)
        self._thread.start()

    def _load(self, generation: int, root: Path, files: list[str], stop: threading.Event) -> None:
        for row, name in enumerate(files):
            if stop.is_set():
                return
            try:
                image = thumbnail(root / name)
            except Exception:  # noqa: BLE001 - a broken file shows as broken, nothing else
                self._emit(self._loader.failed, generation, row)
                continue
            self._emit(self._loader.loaded, generation, row, image)

    @staticmethod
    def _emit(signal, *args) -> None:
        try:
            emit(signal, *args)
        except RuntimeError:  # the dialog is gone
            pass

    def _on_loaded(self, generation: int, row: int, image: QImage) -> None:
        if generation == self._generation and row < self.count():
            self.item(row).setIcon(QIcon(QPixmap.fromImage(image)))
            self.loaded_count += 1

    def _on_failed(self, generation: int, row: int) -> None:
        if generation == self._generation and row < self.count():
            item = self.item(row)
            item.setForeground(QColor(Colors.error))
            item.setText(f"✕ {item.text()}")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def wait_idle(self) -> bool:
        """True once the current class's thumbnails are all loaded (tests)."""
        return self._thread is None or not self._thread.is_alive()
