"""The image-folder import dialog: classes, thumbnails, size, colour, split, augmentation.

The folder is scanned (image headers only) in a background thread; then every image is
decoded once into LayerForge's cache, also in the background, which finds the files
that only fail when decoded. Both show a progress bar with Cancel. OK returns the
project's new ``data`` dict (:meth:`spec`).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton, QSpinBox,
                               QSplitter, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from core.data.cache import cache_dir
from designer.data.augment_view import AugmentPanel, AugmentPreview
from designer.data.import_dialog import ImportDialog, facts_line, load_facts
from designer.data.messages import relative_path
from designer.data.thumbnails import ThumbnailGrid

_MANAGED = ("path", "image_size", "color", "validation_path", "augment", "split")


def check_images(spec: dict[str, Any], base_dir: str, progress, cancel) -> tuple:
    """Decode the folder into the cache as training will read it; the facts and what was skipped."""
    from core.data import image_source

    return load_facts(image_source.load, spec, base_dir, progress, cancel)


class ImageFolderDialog(ImportDialog):
    """Classes, thumbnails, skipped files, size, colour, split, augmentation; OK gives :meth:`spec`."""

    STOPPED = "Stopped: not every image was checked; training will read them when it starts."
    OK_TEXT = "Use these images"

    def __init__(self, path: str | os.PathLike, base_dir: str | os.PathLike | None = None,
                 spec: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(path, base_dir, spec, parent, check_delay_ms=500)
        self.scan = None
        self.default_size: tuple[int, int] | None = None
        self.setWindowTitle(f"Load images - {self.path.name}")
        self.resize(1180, 800)
        self._build()
        self._start_scan()

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        self.path_label = QLabel(str(self.path))
        self.classes = QTreeWidget()
        self.classes.setHeaderLabels(["Class", "Images"])
        self.classes.setRootIsDecorated(False)
        self.classes.setColumnWidth(0, 170)
        self.classes.currentItemChanged.connect(self._on_class_selected)
        self.skipped = QListWidget()
        self.skipped.setWordWrap(True)
        self.skipped.setToolTip("These files are left out; training goes on with the rest")
        self.skipped_box = QGroupBox("Files that cannot be read (skipped)")
        QVBoxLayout(self.skipped_box).addWidget(self.skipped)
        self.skipped_box.hide()  # until the scan finds some
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.classes)
        left.addWidget(self.skipped_box)
        left.setSizes([420, 200])

        self.grid = ThumbnailGrid()
        settings = QGroupBox("Images")
        form = QFormLayout(settings)
        self.height_spin, self.width_spin = QSpinBox(), QSpinBox()
        for spin in (self.height_spin, self.width_spin):
            spin.setRange(4, 4096)
            spin.valueChanged.connect(lambda _v: self._on_settings_changed())
        self.median_label = QLabel()
        size_row = QHBoxLayout()
        size_row.addWidget(self.height_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.width_spin)
        size_row.addWidget(self.median_label, 1)
        self.color = QComboBox()
        for text, value in (("auto", "auto"), ("grayscale (1 channel)", "grayscale"),
                            ("colour (RGB, 3 channels)", "rgb")):
            self.color.addItem(text, value)
        self.color.activated.connect(lambda _i: self._on_settings_changed())
        split_row, order_row = self.split_widgets()
        split_row.addLayout(order_row)
        self.use_validation_folder = QCheckBox("Separate validation folder")
        self.validation_folder = QLineEdit()
        self.validation_folder.setPlaceholderText("a folder with the same class sub-folders")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._choose_validation_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.use_validation_folder)
        folder_row.addWidget(self.validation_folder, 1)
        folder_row.addWidget(self.browse)
        form.addRow("Size (height × width)", size_row)
        form.addRow("Colour", self.color)
        form.addRow("Split", split_row)
        form.addRow(folder_row)
        self.use_validation_folder.toggled.connect(self._on_validation_folder_toggled)
        self.validation_folder.editingFinished.connect(self._on_settings_changed)
        self.augment = AugmentPanel()
        self.preview = AugmentPreview(self.augment)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.grid, 1)
        right_layout.addWidget(settings)
        right_layout.addWidget(self.augment)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([330, 850])

        self.summary.setText("Scanning the folder…")
        layout = QVBoxLayout(self)
        layout.addWidget(self.path_label)
        layout.addWidget(splitter, 1)
        self.status_widgets(layout)
        self._apply_initial()

    def _apply_initial(self) -> None:
        spec = self.initial
        index = self.color.findData(spec.get("color") or "auto")
        self.color.setCurrentIndex(max(index, 0))
        if spec.get("validation_path"):
            self.use_validation_folder.setChecked(True)
            self.validation_folder.setText(str(spec["validation_path"]))
        self._on_validation_folder_toggled(self.use_validation_folder.isChecked())
        self.augment.set_options(spec.get("augment"))

    # ------------------------------------------------------------------ tasks
    def _start_scan(self) -> None:
        from core.data.image_scan import scan_folder

        root = self.path
        self._first_task = self.run(
            lambda progress, cancel: scan_folder(root, cache_root=cache_dir(), progress=progress,
                                                 cancel=cancel),
            "scan", f"Scanning {self.path.name}…", self._on_scanned)

    def _on_scanned(self, _task, scan) -> None:
        from core.data.image_source import default_size

        self.scan = scan
        counts = scan.counts()
        self.classes.clear()
        for name, count in zip(scan.classes, counts):
            item = QTreeWidgetItem([name, f"{count:,}"])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
            self.classes.addTopLevelItem(item)
        self._show_skipped(scan.skipped)
        self.default_size = default_size(scan)
        median = scan.median_size()
        self.median_label.setText(f"median of the images: {median[0]}×{median[1]}")
        size = self.initial.get("image_size") or list(self.default_size)
        size = [size, size] if isinstance(size, int) else size
        for spin, value in ((self.height_spin, size[0]), (self.width_spin, size[1])):
            spin.blockSignals(True)
            spin.setValue(int(value))
            spin.blockSignals(False)
        gray = scan.all_grayscale()
        self.color.setItemText(0, f"auto ({'grayscale' if gray else 'colour'})")
        self.message.show_notes(list(scan.notes))
        self.summary.setText(f"{len(scan.entries):,} images in {len(scan.classes)} classes")
        if self.classes.topLevelItemCount():
            self.classes.setCurrentItem(self.classes.topLevelItem(0))
        self._update_preview_samples()
        self.ok_button.setEnabled(True)
        self.start_check()

    def _show_skipped(self, skipped: list) -> None:
        self.skipped.clear()
        for path, reason in skipped:
            self.skipped.addItem(f"{path} — {reason}")
        self.skipped_box.setTitle(f"Files that cannot be read (skipped): {len(skipped)}")
        self.skipped_box.setVisible(bool(skipped))  # an empty box would take the classes' room

    def _on_class_selected(self, item, _previous=None) -> None:
        if item is None or self.scan is None:
            return
        label = self.scan.classes.index(item.text(0))
        files = [e.path for e in self.scan.entries if e.label == label]
        self.grid.show_files(self.scan.root, files)

    def _update_preview_samples(self) -> None:
        if self.scan is None:
            return
        firsts: dict[int, list] = {}
        for entry in self.scan.entries:
            firsts.setdefault(entry.label, []).append(entry)
        picks = []
        while len(picks) < 6 and any(firsts.values()):
            for label in list(firsts):
                if firsts[label]:
                    picks.append(self.scan.absolute(firsts[label].pop(0)))
        self.preview.set_samples(picks[:6], self.size(), self.resolved_color())

    # ------------------------------------------------------------------ settings
    def size(self) -> tuple[int, int]:
        return self.height_spin.value(), self.width_spin.value()

    def resolved_color(self) -> str:
        color = self.color.currentData()
        if color == "auto":
            return "grayscale" if self.scan is not None and self.scan.all_grayscale() else "rgb"
        return color

    def _on_validation_folder_toggled(self, on: bool) -> None:
        self.validation_folder.setEnabled(on)
        self.browse.setEnabled(on)
        self.validation.setEnabled(not on)
        self._on_settings_changed()

    def _choose_validation_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Validation folder", str(self.path.parent))
        if folder:
            self.validation_folder.setText(folder)
            self._on_settings_changed()

    def _on_settings_changed(self) -> None:
        if self.scan is None:
            return
        self._update_preview_samples()
        self.schedule_check()

    def schedule_check(self) -> None:
        if self.scan is not None:
            super().schedule_check()

    def spec(self) -> dict[str, Any]:
        """The ``data`` section these choices describe (what OK returns)."""
        spec = {k: v for k, v in copy.deepcopy(self.initial).items() if k not in _MANAGED}
        spec["kind"] = "image_folder"
        spec["path"] = relative_path(self.path, self.base_dir)
        spec["image_size"] = list(self.size())
        spec["color"] = self.resolved_color()
        folder = self.validation_folder.text().strip()
        if self.use_validation_folder.isChecked() and folder:
            folder_path = Path(folder) if Path(folder).is_absolute() else (self.base_dir or self.path.parent) / folder
            spec["validation_path"] = relative_path(folder_path.resolve(), self.base_dir)
        spec["augment"] = self.augment.options()
        spec["split"] = self.split_spec()
        return spec

    # ------------------------------------------------------------------ checking
    def start_check(self) -> None:
        if self._check_task is not None:
            self._check_task.cancel()
        spec = self.spec()
        base = str(self.base_dir or self.path.parent)
        self._check_task = self.run(
            lambda progress, cancel: check_images(spec, base, progress, cancel), "decode",
            "Decoding every image once (kept in the cache for training)…", self._on_checked)

    def _on_checked(self, task, result) -> None:
        if task is not self._check_task:
            return
        info, notes, schema = result
        self.info = info
        self._show_skipped(schema.get("skipped") or [])
        self.summary.setText(facts_line(info, f"{schema.get('images', info.samples):,} images"))
        self.message.show_notes([n for n in notes if "files skipped" not in n])
        self.ok_button.setEnabled(True)

    def _on_failed(self, task, message: str) -> None:
        super()._on_failed(task, message)
        if self.scan is None:
            self.summary.setText("")

    def stop_workers(self) -> None:
        self.grid.stop()
        self.preview.stop()
