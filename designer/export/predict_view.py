"""The Predict window: a run, a CSV file or image folder, the predictions in a table, Save as CSV.

Reading the data and running the model happen in a worker thread; the table is a
model over the finished :class:`core.export.predict.PredictionTable` (text cells), so
even a large file scrolls without copying it into Qt items. A run that reads only text
also takes sentences typed into the window (:mod:`designer.export.typed_text`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget)

from designer.data.messages import MessageLabel
from designer.data.tasks import BackgroundTask, ProgressRow
from designer.export.runs import RunPicker, run_problem
from designer.export.typed_text import TypedTextBox, read_run_text

CSV_FILTER = "Tables (*.csv *.tsv *.txt);;All files (*)"
FIRST_COLUMN_WIDTH = 280


def run_predict(run_dir: Path, data: Path, progress, cancel):
    """The worker's job: open the run, encode the data, predict (torch stays off the GUI thread)."""
    from core.export.predict import predict_file

    return predict_file(run_dir, data, progress, cancel=cancel)


def run_predict_texts(run_dir: Path, texts: list[str], progress, cancel):
    """The worker's job for typed sentences (the run's own tokenizer encodes them)."""
    from core.export.predict_text import predict_texts

    return predict_texts(run_dir, texts, progress, cancel=cancel)


def percent(text: str) -> str:
    """A probability cell as a person reads it: ``42.3 %``, ``< 0.1 %``, ``> 99.9 %``, ``100 %``
    (the saved CSV keeps every digit; the cell's tooltip shows them too)."""
    try:
        value = float(text) * 100
    except ValueError:
        return text
    if value in (0.0, 100.0):
        return f"{value:.0f} %"
    if value < 0.05:
        return "< 0.1 %"
    if value > 99.95:
        return "> 99.9 %"
    return f"{value:.1f} %"


class PredictionModel(QAbstractTableModel):
    """A read-only table over a PredictionTable's header and rows; class probabilities
    (``prob_<class>`` columns) show as percentages."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self._percent: set[int] = set()

    def set_table(self, table) -> None:
        self.beginResetModel()
        self.header, self.rows = list(table.header), table.rows
        self._percent = {i for i, name in enumerate(self.header) if name.startswith("prob_")}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.header)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        text = self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return percent(text) if index.column() in self._percent else text
        if role == Qt.ItemDataRole.ToolTipRole and (index.column() in self._percent or index.column() == 0):
            return text  # every digit; the whole sentence or path
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.header[section] if section < len(self.header) else None
        return str(section + 1)


class PredictDialog(QDialog):
    """Apply a run of ``project`` to a file the person chooses and show the predictions."""

    def __init__(self, project, parent: QWidget | None = None, run_dir: str | Path | None = None,
                 runs_folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Predict with the trained model")
        self.setObjectName("predictDialog")
        self.project = project
        self.table = None  # the last PredictionTable
        self.data_path: Path | None = None
        self.source = ""  # what the shown predictions are for, in words
        self.task: BackgroundTask | None = None
        self.text_task: BackgroundTask | None = None  # reading the run's text column

        self.runs = RunPicker(project, folder=runs_folder)
        self.csv_button = QPushButton("CSV file…")
        self.folder_button = QPushButton("Image folder…")
        self.data_label = QLabel("No data chosen")
        data_row = QHBoxLayout()
        data_row.addWidget(self.csv_button)
        data_row.addWidget(self.folder_button)
        data_row.addWidget(self.data_label, 1)
        form = QFormLayout()
        form.addRow("Trained run:", self.runs)
        form.addRow("Data:", data_row)
        self.typed = TypedTextBox()
        self.model = PredictionModel(self)
        self.view = QTableView()
        self.view.setObjectName("predictions")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)  # a long sentence is one elided line; its tooltip has it all
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.verticalHeader().hide()  # the first column already numbers the rows
        self.progress = ProgressRow()
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton("Save as CSV…", QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.typed)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.buttons)
        self.resize(980, 620)

        self.csv_button.clicked.connect(self._on_csv_clicked)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.typed.predict_requested.connect(self.predict_typed)
        self.runs.changed.connect(self._on_run_changed)
        self.runs.problem.connect(self.message.show_error)
        self.buttons.rejected.connect(self.reject)
        if run_dir is not None:
            self.runs.select(run_dir)
        self._on_run_changed()

    def _start_dir(self) -> str:
        data = getattr(self.project, "data", None) or {}
        if data.get("path"):
            return str(self.project.resolve(data["path"]).parent)
        return str(self.project.directory)

    def _gan_refusal(self) -> str | None:
        """Why the chosen run cannot predict because it is a GAN (it generates), or None."""
        from core.export.predict import gan_refusal

        entry = self.runs.entry
        return gan_refusal(entry.path) if entry is not None else None

    def _on_run_changed(self) -> None:
        problem = run_problem(self.runs.entry, "predict") or self._gan_refusal()
        if problem:
            self.message.show_error(problem)
        else:
            self.message.show_notes([])
        if self.data_path is None:  # nothing chosen yet: say what to choose for this run
            entry = self.runs.entry
            wanted = entry.inputs if entry is not None and entry.usable else ""
            self.data_label.setText(f"No data chosen: {wanted}" if wanted else "No data chosen")
        self._read_run_text()
        self._update_buttons()

    def _read_run_text(self) -> None:
        """Offer typed sentences when the chosen run reads text (preprocessing.json holds its
        tokenizer and can be large: it is read in the background)."""
        self.typed.set_run(None, None)
        if self.text_task is not None:
            self.text_task.cancel()
        entry = self.runs.entry
        if entry is None or not entry.usable:
            return
        task = BackgroundTask(lambda progress, cancel: read_run_text(entry.path, progress, cancel),
                              "run-text", self)
        task.finished.connect(lambda result, t=task: self._on_run_text(t, result))
        task.failed.connect(lambda text, t=task: t is self.text_task and self.message.show_error(text))
        self.text_task = task
        task.start()

    def _on_run_text(self, task: BackgroundTask, result) -> None:
        if task is self.text_task:
            self.typed.set_run(*result)
            self._update_buttons()

    def _on_csv_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Predict for a CSV file", self._start_dir(), CSV_FILTER)
        if path:
            self.predict(path)

    def _on_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Predict for a folder of images", self._start_dir())
        if folder:
            self.predict(folder)

    def predict(self, data: str | Path) -> None:
        """Predict for ``data`` in the background; the table fills when it is done."""
        run_dir, self.data_path = self.runs.run_dir, Path(data)
        self.source = self.data_path.name
        self.data_label.setText(self.data_path.name)
        self.data_label.setToolTip(str(self.data_path))
        path = self.data_path
        self._start(lambda progress, cancel: run_predict(run_dir, path, progress, cancel),
                    f"Predicting for {self.data_path.name}…")

    def predict_typed(self) -> None:
        """Predict for the sentences typed in the box (one per line) in the background."""
        texts = self.typed.sentences()
        if not texts:
            self.message.show_error("Type a sentence to predict for (one per line) in the box above.")
            self.typed.editor.setFocus()
            return
        run_dir, self.data_path = self.runs.run_dir, None
        self.source = f"{len(texts)} typed sentence{'s' if len(texts) != 1 else ''}"
        self.data_label.setText("typed sentences")
        self.data_label.setToolTip("")
        self._start(lambda progress, cancel: run_predict_texts(run_dir, texts, progress, cancel),
                    f"Predicting for {self.source}…")

    def _start(self, job, message: str) -> None:
        self.message.show_notes([])
        self.task = BackgroundTask(job, "predict", self)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(lambda: self.message.show_note("Prediction cancelled."))
        self.task.cancelled.connect(self._update_buttons)
        self.progress.follow(self.task, message)
        self.task.start()
        self._update_buttons()

    def _on_finished(self, table) -> None:
        self.table = table
        self.model.set_table(table)
        self.view.resizeColumnsToContents()
        if self.view.columnWidth(0) > FIRST_COLUMN_WIDTH:  # a long sentence or path: its tooltip has it all
            self.view.setColumnWidth(0, FIRST_COLUMN_WIDTH)
        self.message.show_notes([f"{len(table.rows):,} predictions for {self.source}"] + table.notes)
        self._update_buttons()

    def _on_failed(self, text: str) -> None:
        self.message.show_error(text)
        self._update_buttons()

    def _on_save_clicked(self) -> None:
        start = (str(self.data_path.with_name(f"{self.data_path.stem}_predictions.csv")) if self.data_path
                 else str(Path(self.project.directory) / "typed_predictions.csv"))
        path, _filter = QFileDialog.getSaveFileName(self, "Save the predictions", start, CSV_FILTER)
        if path:
            self.save(path)

    def save(self, path: str | Path) -> None:
        from core.errors import LayerForgeError

        try:
            saved = self.table.write_csv(path)
        except LayerForgeError as err:
            self.message.show_error(str(err))
            return
        self.message.show_note(f"Saved {len(self.table.rows):,} predictions to {saved}")

    def _update_buttons(self) -> None:
        entry = self.runs.entry
        busy = self.task is not None and not self.task.done
        ready = bool(entry and entry.usable) and not busy and self._gan_refusal() is None
        self.csv_button.setEnabled(ready)
        self.folder_button.setEnabled(ready)
        self.typed.set_ready(ready)
        self.runs.setEnabled(not busy)
        self.save_button.setEnabled(self.table is not None and not busy)

    def done(self, code: int) -> None:  # noqa: D401 - Qt's name
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.task.wait(1.0)  # it stops at its next batch
        if self.text_task is not None:
            self.text_task.wait(1.0)
        super().done(code)
