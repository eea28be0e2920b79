"""The augmentation options with a live preview of augmented samples.

The preview is computed by :func:`core.data.augment.preview` (numpy and Pillow, the
same transforms the trainer applies with torch) in a worker thread, so the GUI thread
never runs torch kernels and stays responsive while the options change.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from core.data.augment import DEFAULTS, augment_options
from designer.data.signals import emit
from designer.data.tasks import BackgroundTask
from designer.data.thumbnails import to_qimage

SAMPLES = 6
SHOWN = 80


def augmented_samples(paths: list[Path], size: tuple[int, int], color: str,
                      options: dict, seed: int) -> list:
    """Decode ``paths`` at ``size`` and augment them: QImages for the preview (worker thread)."""
    from core.data.augment import preview
    from core.data.image_decode import decode

    images = []
    for path in paths:
        try:
            images.append(decode(path, size, color))
        except Exception:  # noqa: BLE001 - broken files are listed elsewhere
            continue
    if not images:
        return []
    augmented = preview(np.stack(images), options, seed)
    out = []
    for pixels in augmented:
        shown = pixels[0] if pixels.shape[0] == 1 else pixels.transpose(1, 2, 0)
        out.append(to_qimage(shown))
    return out


class AugmentPanel(QGroupBox):
    """Flip, rotation, crop and colour options; ``changed`` when any of them changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Augmentation (training images only)", parent)
        self.hflip = QCheckBox("Mirror left-right")
        self.vflip = QCheckBox("Mirror top-bottom")
        self.rotation = QSpinBox()
        self.rotation.setRange(0, 180)
        self.rotation.setSuffix("°")
        self.crop = QDoubleSpinBox()
        self.crop.setRange(0, 0.9)
        self.crop.setSingleStep(0.05)
        self.jitter = QDoubleSpinBox()
        self.jitter.setRange(0, 1)
        self.jitter.setSingleStep(0.05)
        self.crop.setToolTip("Crop a random part covering 1 - value to all of the image, stretched back")
        self.jitter.setToolTip("Change brightness, contrast and saturation by up to this fraction")
        flips = QHBoxLayout()
        flips.addWidget(self.hflip)
        flips.addWidget(self.vflip)
        form = QFormLayout()
        form.addRow(flips)
        form.addRow("Rotate up to", self.rotation)
        form.addRow("Random crop", self.crop)
        form.addRow("Colour jitter", self.jitter)
        self.previews = [QLabel() for _ in range(SAMPLES)]
        strip = QHBoxLayout()
        for label in self.previews:
            label.setFixedSize(SHOWN, SHOWN)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("background: #181b20; border: 1px solid #3b4251;")
            strip.addWidget(label)
        strip.addStretch(1)
        self.again = QPushButton("New samples")
        self.again.setToolTip("Draw other random augmentations")
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(strip)
        row = QHBoxLayout()
        row.addWidget(self.again)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        for box in (self.hflip, self.vflip):
            box.toggled.connect(lambda _c: emit(self.changed))
        for spin in (self.rotation, self.crop, self.jitter):
            spin.valueChanged.connect(lambda _v: emit(self.changed))

    def set_options(self, options: dict | None) -> None:
        options = augment_options(options)
        self.hflip.setChecked(options["hflip"])
        self.vflip.setChecked(options["vflip"])
        self.rotation.setValue(int(options["rotation"]))
        self.crop.setValue(float(options["random_resized_crop"]))
        self.jitter.setValue(float(options["color_jitter"]))

    def options(self) -> dict:
        options = dict(DEFAULTS)
        options.update(hflip=self.hflip.isChecked(), vflip=self.vflip.isChecked(),
                       rotation=self.rotation.value(),
                       random_resized_crop=round(self.crop.value(), 3),
                       color_jitter=round(self.jitter.value(), 3))
        return options


class AugmentPreview(QWidget):
    """Keeps the panel's preview strip up to date with the options and sample images."""

    def __init__(self, panel: AugmentPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.paths: list[Path] = []
        self.size = (32, 32)
        self.color = "rgb"
        self.seed = 0
        self.task: BackgroundTask | None = None
        self.shown_count = 0
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self._render)
        panel.changed.connect(self._timer.start)
        panel.again.clicked.connect(self._reshuffle)
        self.hide()

    def set_samples(self, paths: list[Path], size: tuple[int, int], color: str) -> None:
        self.paths, self.size, self.color = list(paths)[:SAMPLES], tuple(size), color
        self._timer.start()

    def _reshuffle(self) -> None:
        self.seed += 1
        self._timer.start()

    def _render(self) -> None:
        if not self.paths:
            return
        if self.task is not None:
            self.task.cancel()
        paths, size, color, options, seed = self.paths, self.size, self.color, self.panel.options(), self.seed
        self.panel.status.setText("drawing samples…")
        task = BackgroundTask(lambda _p, _c: augmented_samples(paths, size, color, options, seed),
                              "augment-preview", self)
        task.finished.connect(lambda images, t=task: self._on_rendered(t, images))
        task.failed.connect(self.panel.status.setText)
        self.task = task.start()

    def _on_rendered(self, task: BackgroundTask, images: list) -> None:
        if task is not self.task:
            return
        for label, image in zip(self.panel.previews, images):
            label.setPixmap(QPixmap.fromImage(image).scaled(
                SHOWN - 2, SHOWN - 2, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        self.shown_count = len(images)
        any_on = any(v for v in self.panel.options().values())
        self.panel.status.setText("as training sees them" if any_on else "no augmentation: images as they are")

    def stop(self) -> None:
        self._timer.stop()
        if self.task is not None:
            self.task.cancel()
            self.task.wait(2.0)
