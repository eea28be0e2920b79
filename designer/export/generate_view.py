"""Export → Generate Samples…: new images (or table rows) from a trained generative network.

Pick a run (a variational autoencoder or a GAN; the dialog says which, from its run.json),
how many samples and a seed, or a walk over the first two code features, and for a
conditional GAN the class to draw (or every class in turn); the worker thread decodes
them (:mod:`core.generate`, torch never on the GUI thread) and the dialog shows the images
tiled into one picture. Save Images… writes one PNG per sample (a conditional GAN's in a
sub-folder per class), Save Grid… the picture, Save CSV… a table generator's rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from designer.data.messages import MessageLabel
from designer.data.tasks import BackgroundTask, ProgressRow
from designer.export.runs import RunPicker, run_problem

RANDOM, WALK = "random", "walk"
#: The class choice's first item: no one class, an even spread over them.
EVERY_CLASS = "Every class in turn"


#: What the empty picture says, with a run to generate from and without one.
PRESS_GENERATE = "Press Generate."
NOTHING_TO_GENERATE = ("Nothing to generate from yet: train a variational autoencoder or a GAN"
                       " (see the message above), then come back.")


def run_generate(run_dir: Path, mode: str, count: int, seed: int, progress, cancel,
                 label: int | None = None):
    """The worker's job: open the run, decode codes, tile images; returns (Generated, grid pixels).
    ``label``: a conditional GAN's class index (None: every class in turn, a column each)."""
    from core.export.source import open_run
    from core.generate import generate, generative_parts, grid_image, latent_walk

    progress(0.1, "opening the run")
    trained = open_run(run_dir)
    parts = generative_parts(trained)
    codes = latent_walk(parts.latent_shape) if mode == WALK else None
    progress(0.4, "decoding")
    generated = generate(trained, count, seed=seed, codes=codes, label=label)
    columns = 8 if mode == WALK else None
    if generated.labels is not None and label is None and mode != WALK:
        columns = min(len(parts.class_names), count)
    grid = np.asarray(grid_image(generated.values, columns)) if generated.is_image else None
    return generated, grid


def pixmap_of(pixels: np.ndarray, scale: int) -> QPixmap:
    """A QPixmap of uint8 pixels ``(H, W)`` (grey) or ``(H, W, 3)``, enlarged ``scale`` times."""
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    if pixels.ndim == 2:
        image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    image = image.copy()  # own the bytes: the array may go away
    return QPixmap.fromImage(image).scaled(width * scale, height * scale,
                                           Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation)


class GenerateDialog(QDialog):
    """Draw samples from a run of ``project`` and save them."""

    def __init__(self, project, parent: QWidget | None = None, run_dir: str | Path | None = None,
                 runs_folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Generate samples")
        self.setObjectName("generateDialog")
        self.generated = None
        self.grid: np.ndarray | None = None
        self.task: BackgroundTask | None = None

        self.runs = RunPicker(project, folder=runs_folder)
        self.about = QLabel()
        self.about.setObjectName("generateAbout")
        self.about.setWordWrap(True)
        self.mode = QComboBox()
        self.mode.addItem("Random samples: codes drawn from the unit Gaussian", RANDOM)
        self.mode.addItem("Latent walk: the first two code numbers from -2.5 to 2.5", WALK)
        self.label = QComboBox()
        self.label.setObjectName("generateClass")
        self.label.setToolTip("The class a conditional GAN draws; every class in turn puts one"
                              " in each column of the grid")
        self.label_row = QLabel("Class:")
        self.count = QSpinBox()
        self.count.setRange(1, 400)
        self.count.setValue(36)
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setToolTip("The same seed gives the same samples")
        numbers = QHBoxLayout()
        numbers.addWidget(QLabel("Count:"))
        numbers.addWidget(self.count)
        numbers.addSpacing(16)
        numbers.addWidget(QLabel("Seed:"))
        numbers.addWidget(self.seed)
        numbers.addStretch(1)
        form = QFormLayout()
        form.addRow("Trained run:", self.runs)
        form.addRow("", self.about)
        form.addRow("Draw:", self.mode)
        form.addRow(self.label_row, self.label)
        form.addRow("", numbers)
        self.picture = QLabel(PRESS_GENERATE)
        self.picture.setObjectName("generatedPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll = scroll = QScrollArea()
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        self.progress = ProgressRow()
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.generate_button = self.buttons.addButton("Generate", QDialogButtonBox.ButtonRole.ActionRole)
        self.generate_button.setDefault(True)
        self.save_images_button = self.buttons.addButton("Save Images…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_grid_button = self.buttons.addButton("Save Grid…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_csv_button = self.buttons.addButton("Save CSV…", QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 680)

        self.runs.changed.connect(self._on_run_changed)
        self.runs.problem.connect(self.message.show_error)
        self.mode.currentIndexChanged.connect(self._update)
        self.generate_button.clicked.connect(self.start)
        self.save_images_button.clicked.connect(self._on_save_images)
        self.save_grid_button.clicked.connect(self._on_save_grid)
        self.save_csv_button.clicked.connect(self._on_save_csv)
        self.buttons.rejected.connect(self.reject)
        if run_dir is not None:
            self.runs.select(run_dir)
        self._on_run_changed()

    # ------------------------------------------------------------------ state
    def kind(self):
        """What the chosen run generates (:mod:`core.generative_kind`, from its run.json)."""
        import json

        from core.generative_kind import GenerativeKind, generative_kind

        try:
            run = json.loads((self.runs.run_dir / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError, AttributeError):
            return GenerativeKind(None)
        return generative_kind(run) if isinstance(run, dict) else GenerativeKind(None)

    def _on_run_changed(self) -> None:
        kind = self.kind() if self.runs.entry else None
        self.about.setText(f"This run is {kind.description}." if kind else "")
        self.about.setVisible(bool(kind))
        names = kind.class_names if kind else ()
        if tuple(self.label.itemText(i) for i in range(1, self.label.count())) != names:
            self.label.clear()
            self.label.addItem(EVERY_CLASS, None)
            for index, name in enumerate(names):
                self.label.addItem(name, index)
        self.label.setVisible(bool(names))
        self.label_row.setVisible(bool(names))
        self._update()

    def _update(self) -> None:
        busy = self.task is not None and not self.task.done
        entry = self.runs.entry
        problem = run_problem(entry, "generate")
        if problem and not busy:
            self.message.show_error(problem)
        walk = self.mode.currentData() == WALK
        self.count.setEnabled(not walk and not busy)
        self.seed.setEnabled(not walk and not busy)
        self.label.setEnabled(not busy)
        usable = bool(entry and entry.usable)
        self.generate_button.setEnabled(usable and not busy)
        if self.generated is None and not busy:  # the empty picture says what to do
            self.picture.setText(PRESS_GENERATE if usable else NOTHING_TO_GENERATE)
        has = self.generated is not None and not busy
        image = has and self.generated.is_image
        self.save_images_button.setVisible(not has or image)
        self.save_grid_button.setVisible(not has or image)
        self.save_csv_button.setVisible(has and not image)
        self.save_images_button.setEnabled(bool(image))
        self.save_grid_button.setEnabled(bool(image))
        self.save_csv_button.setEnabled(bool(has and not image))

    def start(self) -> None:
        run_dir, mode = self.runs.run_dir, self.mode.currentData()
        count, seed = self.count.value(), self.seed.value()
        label = self.label.currentData() if self.label.isVisibleTo(self) else None
        self.message.show_notes([])
        self.task = BackgroundTask(
            lambda progress, cancel: run_generate(run_dir, mode, count, seed, progress, cancel,
                                                  label),
            "generate", self)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.progress.follow(self.task, "Generating…")
        self.task.start()
        self._update()

    def _on_finished(self, result) -> None:
        self.generated, self.grid = result
        if self.grid is not None:
            room = self.scroll.viewport().size()
            scale = max(1, min(4, min(room.width(), room.height()) // max(self.grid.shape[:2])))
            self.picture.setPixmap(pixmap_of(self.grid, scale))
            self.message.show_note(f"{len(self.generated.values):,} images generated.")
        else:
            self.picture.setText(f"{len(self.generated.values):,} table rows generated:"
                                 " Save CSV… writes them with the data's column names.")
        self._update()

    def _on_failed(self, text: str) -> None:
        self.message.show_error(text)
        self._update()

    # ------------------------------------------------------------------ saving
    def _on_save_images(self) -> None:
        from core.generate import write_images

        folder = QFileDialog.getExistingDirectory(self, "Choose the folder for the sample images")
        if folder:
            self._save(lambda: f"{len(write_images(self.generated, folder)):,} images saved to {folder}.")

    def _on_save_grid(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Save the grid", "samples.png", "PNG images (*.png)")
        if path:
            from core.generate import write_png

            self._save(lambda: f"Grid saved to {write_png(self.grid, path)}.")

    def _on_save_csv(self) -> None:
        from core.generate import write_table

        path, _filter = QFileDialog.getSaveFileName(self, "Save the samples", "samples.csv", "CSV (*.csv)")
        if path:
            self._save(lambda: f"Samples saved to {write_table(self.generated, path)}.")

    def _save(self, write) -> None:
        try:
            self.message.show_note(write())
        except OSError as err:
            from core.overwrite import write_failure

            self.message.show_error(write_failure(Path(err.filename or "."), err))

    def done(self, code: int) -> None:  # noqa: D401 - Qt's name
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.task.wait(1.0)
        super().done(code)
