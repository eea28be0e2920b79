"""After training: the confusion matrix, per-class metrics and a gallery of sample predictions.

Drawn once from the ``FinalReport`` the worker's report probe sends (numpy arrays).
Images get thumbnails with their true and predicted class (red when wrong); other
inputs get a table of samples; regression gets a predicted-vs-actual plot.

Errors first: **Misclassified only** (regression: **Largest errors first**) and a click
on a confusion-matrix cell filter the gallery, the most confident mistakes first
(:mod:`core.explain.errors`). With the run folder known, the whole validation split is
predicted once in a worker (``designer.explain.jobs.error_samples``) so the filters see
every sample, not only the report's random few. Double-clicking a sample (or Explain…)
opens the Explain window on it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QCheckBox, QGraphicsRectItem, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSplitter, QStackedWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.explain.errors import confusion_cell, largest_errors, misclassified

from designer.training.live import LiveRun
from designer.training.fields import metric_title
from designer.training.plots.images import ConfusionMatrix, input_image
from designer.training.plots.style import add_plot, layout_widget, pen, qcolor, scheme
from designer.training.widgets import read_only_table

THUMBNAIL = 72
#: Samples the gallery shows at most when filtered (the worst first).
MAX_SHOWN = 200


def _item(text: str, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def thumbnail(sample: np.ndarray, size: int = THUMBNAIL) -> QPixmap | None:
    rgb = input_image(sample)
    if rgb is None:
        return None
    rgb = np.ascontiguousarray(rgb)
    image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy()).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.FastTransformation)


class ResultsView(QWidget):
    #: A sample to explain: (run folder, sample id); the training controller opens Explain.
    explain_requested = Signal(object, str)
    title = "Results"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("The results appear here when training ends.")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("explanation")
        self.left = layout_widget()
        self.matrix_plot = add_plot(self.left, 0, 0, "Confusion matrix")
        self.matrix = ConfusionMatrix(self.matrix_plot)
        self.scatter_plot = None
        self.per_class = read_only_table(("Class", "Precision", "Recall", "F1", "Support"))
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListWidget.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.gallery.setGridSize(QSize(THUMBNAIL + 40, THUMBNAIL + 42))
        self.gallery.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.gallery.setMovement(QListWidget.Movement.Static)
        self.gallery.setWordWrap(True)
        self.samples = read_only_table(("Sample", "True", "Predicted", "Confidence"))
        self.gallery_stack = QStackedWidget()
        self.gallery_stack.addWidget(self.gallery)
        self.gallery_stack.addWidget(self.samples)
        self.errors_only = QCheckBox("Misclassified only")
        self.errors_only.setToolTip("Show only the samples the network gets wrong, the most confident"
                                    " mistakes first")
        self.filter_label = QLabel()
        self.filter_label.setObjectName("explanation")
        self.filter_label.setWordWrap(True)
        self.show_all = QPushButton("Show all")
        self.show_all.hide()
        self.explain_button = QPushButton("Explain…")
        self.explain_button.setToolTip("Why did the network decide that? Open the selected sample"
                                       " (or double-click it) in the Explain window")
        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.errors_only)
        filters.addWidget(self.filter_label, 1)
        filters.addWidget(self.show_all)
        filters.addWidget(self.explain_button)
        gallery_box = QWidget()
        gallery_layout = QVBoxLayout(gallery_box)
        gallery_layout.setContentsMargins(0, 0, 0, 0)
        gallery_layout.addLayout(filters)
        gallery_layout.addWidget(self.gallery_stack, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.per_class)
        right.addWidget(gallery_box)
        right.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 4, 6, 0)
        box.addWidget(self.summary)
        box.addWidget(splitter, 1)
        self._version = None
        self.report = None
        self.run_dir = None  # the run folder of the report, when known (live.run_dir)
        self.cell: tuple[int, int] | None = None  # the confusion-matrix cell shown (true, predicted)
        self.all_samples = None  # every validation sample's prediction (loaded on demand)
        self._loader = None
        self._cell_box: QGraphicsRectItem | None = None
        self.errors_only.toggled.connect(lambda _on: self._on_filter_changed())
        self.show_all.clicked.connect(lambda: self.select_cell(None))
        self.matrix_plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.gallery.itemDoubleClicked.connect(lambda item: self.explain_sample(item.data(Qt.ItemDataRole.UserRole)))
        self.samples.cellDoubleClicked.connect(
            lambda row, _col: self.explain_sample(self.samples.item(row, 0).text()))
        self.explain_button.clicked.connect(lambda: self.explain_sample(self._selected_id()))

    def shown(self, live: LiveRun) -> bool:
        return live.report is not None

    # ------------------------------------------------------------------ drawing
    def update_from(self, live: LiveRun) -> bool:
        if live.versions["report"] == self._version:
            return False
        self._version = live.versions["report"]
        self.run_dir = live.run_dir
        self.show_report(live.report)
        return True

    def reset(self) -> None:
        self._version = None

    def show_report(self, report) -> None:
        self.report = report
        self.cell, self.all_samples = None, None
        if self._loader is not None:
            self._loader.cancel()
            self._loader = None
        self._mark_cell()
        if report is None:
            self.summary.setText("The results appear here when training ends.")
            return
        regression = report.regression_true is not None
        self.errors_only.setText("Largest errors first" if regression else "Misclassified only")
        self.errors_only.setEnabled(report.confusion is not None or regression)
        self.explain_button.setEnabled(self.run_dir is not None)
        metrics = ", ".join(f"{metric_title(k)} {v:.4g}" for k, v in report.metrics.items())
        split = {"validation": "validation data", "test": "test data"}.get(report.split, "training data")
        self.summary.setText(f"The final network on the {split}: {metrics or 'no metrics'}.")
        if report.confusion is not None:
            self._show_classes(report)
        elif report.regression_true is not None:
            self._show_regression(report)
        else:
            self.per_class.setRowCount(0)
            self._refill()

    def _show_classes(self, report) -> None:
        self.left.show()
        self.matrix.show(report.confusion, report.class_names)
        names = list(report.class_names or [str(i) for i in range(len(report.confusion))])
        per = report.per_class or {}
        self.per_class.setRowCount(len(names))
        for row, name in enumerate(names):
            values = [name] + [f"{per[key][row]:.3f}" for key in ("precision", "recall", "f1") if key in per]
            values.append(f"{int(per['support'][row]):,}" if "support" in per else "")
            for col, text in enumerate(values):
                self.per_class.setItem(row, col, _item(text, col > 0))
        self._refill()

    def _fill_gallery(self, samples, names: list[str]) -> None:
        self.gallery_stack.setCurrentWidget(self.gallery)
        self.gallery.clear()
        colors = scheme()
        for i in range(len(samples.predicted)):
            true, predicted = int(samples.true[i]), int(samples.predicted[i])
            pixmap = thumbnail(samples.inputs[i])
            item = QListWidgetItem(QIcon(pixmap) if pixmap is not None else QIcon(),
                                   f"{names[predicted]}" + ("" if true == predicted else f"\n(is {names[true]})"))
            item.setForeground(QBrush(QColor(colors.ok if true == predicted else colors.error)))
            item.setToolTip(f"{samples.ids[i]}\ntrue: {names[true]}\npredicted: {names[predicted]}"
                            + (f" ({samples.probabilities[i][predicted]:.0%})"
                               if samples.probabilities is not None else ""))
            item.setData(Qt.ItemDataRole.UserRole, str(samples.ids[i]))
            self.gallery.addItem(item)

    def _fill_samples(self, samples) -> None:
        self.gallery_stack.setCurrentWidget(self.samples)
        names = list(self.report.class_names or [])
        rows = len(samples.predicted)
        self.samples.setRowCount(rows)

        def show(value) -> str:
            value = np.asarray(value)
            if value.ndim == 0:
                v = value.item()
                return names[v] if isinstance(v, (int, np.integer)) and 0 <= v < len(names) else f"{v:.4g}"
            return ", ".join(f"{v:.4g}" for v in value.reshape(-1)[:6])

        for row in range(rows):
            true = samples.true[row] if samples.true is not None else None
            predicted = samples.predicted[row]
            confidence = ""
            if samples.probabilities is not None and np.asarray(predicted).ndim == 0:
                confidence = f"{samples.probabilities[row][int(predicted)]:.0%}"
            cells = (str(samples.ids[row]), "" if true is None else show(true), show(predicted), confidence)
            wrong = true is not None and np.asarray(true).ndim == 0 and int(true) != int(predicted)
            for col, text in enumerate(cells):
                item = _item(text, col == 3)
                if wrong:
                    item.setForeground(QBrush(QColor(scheme().error)))
                self.samples.setItem(row, col, item)

    def _show_regression(self, report) -> None:
        if self.scatter_plot is None:
            self.scatter_plot = add_plot(self.left, 0, 1, "Predicted vs actual", "actual", "predicted")
            colors = scheme()
            self.scatter = pg.ScatterPlotItem(size=4, brush=pg.mkBrush(qcolor(colors.validation, 150)),
                                              pen=pg.mkPen(None))
            self.diagonal = pg.PlotDataItem(pen=pen(colors.text_dim, 1.2, style=Qt.PenStyle.DashLine))
            self.scatter_plot.addItem(self.scatter)
            self.scatter_plot.addItem(self.diagonal)
        self.matrix_plot.hide()
        truth = np.asarray(report.regression_true, np.float64)[:, 0]
        predicted = np.asarray(report.regression_predicted, np.float64)[:, 0]
        self.scatter.setData(truth, predicted)
        low, high = float(min(truth.min(), predicted.min())), float(max(truth.max(), predicted.max()))
        self.diagonal.setData([low, high], [low, high])
        self.per_class.setRowCount(0)
        self._refill()

    # ------------------------------------------------------------------ errors first
    def _refill(self) -> None:
        """Fill the gallery (or the sample table) with the samples the filters choose."""
        report = self.report
        if report is None:
            return
        samples = self.all_samples if self.all_samples is not None and self._filtering else report.samples
        rows = self._chosen_rows(samples)
        shown = _subset(samples, rows[:MAX_SHOWN]) if rows is not None else samples
        self._describe_filter(rows, samples)
        names = list(report.class_names or [str(i) for i in range(len(report.confusion))]) \
            if report.confusion is not None else []
        inputs = shown.inputs
        if report.confusion is not None and (inputs.ndim == 4 or (inputs.ndim == 3 and inputs.shape[0] in (1, 3))):
            self._fill_gallery(shown, names)
        else:
            self._fill_samples(shown)

    @property
    def _filtering(self) -> bool:
        return self.cell is not None or (self.errors_only.isChecked() and self.errors_only.isEnabled())

    def _chosen_rows(self, samples) -> np.ndarray | None:
        """The rows of ``samples`` to show, worst first; None: all, as they come."""
        if not self._filtering or samples.true is None:
            return None
        if self.report.confusion is None:  # regression: the largest errors first
            return largest_errors(samples.true, samples.predicted)
        probabilities = _probabilities_of(samples, len(self.report.confusion))
        if self.cell is not None:
            return confusion_cell(samples.true, probabilities, *self.cell)
        return misclassified(samples.true, probabilities)

    def _describe_filter(self, rows, samples) -> None:
        self.show_all.setVisible(self.cell is not None)
        if rows is None:
            self.filter_label.setText("")
            return
        where = "validation" if samples is self.all_samples else "gallery"
        more = f", the first {MAX_SHOWN} shown" if len(rows) > MAX_SHOWN else ""
        count = f"{len(rows):,} {where} sample{'' if len(rows) == 1 else 's'}"
        if self.cell is not None:
            names = list(self.report.class_names or [str(i) for i in range(len(self.report.confusion))])
            true, predicted = self.cell
            text = f"{count} of class {names[true]} predicted as {names[predicted]}"
        elif self.report.confusion is None:
            text = f"{count}, the largest error first"
        else:
            text = f"{count} misclassified, the most confident first"
        loading = " (looking at every validation sample…)" if self._loader is not None else ""
        self.filter_label.setText(text + more + loading)

    def _on_filter_changed(self) -> None:
        if self._filtering:
            self._load_all_samples()
        self._refill()

    def select_cell(self, cell: tuple[int, int] | None) -> None:
        """Show the samples of one confusion-matrix cell (true class, predicted class); None: all."""
        self.cell = cell
        self._mark_cell()
        self._on_filter_changed()

    def _mark_cell(self) -> None:
        if self._cell_box is not None:
            self.matrix_plot.removeItem(self._cell_box)
            self._cell_box = None
        if self.cell is not None:
            true, predicted = self.cell
            self._cell_box = QGraphicsRectItem(QRectF(predicted, true, 1, 1))
            self._cell_box.setPen(pen(scheme().warning, 3))
            self.matrix_plot.addItem(self._cell_box)

    def _on_scene_clicked(self, event) -> None:
        matrix = self.matrix.matrix
        if (matrix is None or not self.matrix_plot.isVisible() or event.button() != Qt.MouseButton.LeftButton
                or not self.matrix_plot.vb.sceneBoundingRect().contains(event.scenePos())):
            return
        point = self.matrix_plot.vb.mapSceneToView(event.scenePos())
        column, row = int(np.floor(point.x())), int(np.floor(point.y()))
        if 0 <= row < len(matrix) and 0 <= column < len(matrix):
            event.accept()
            self.select_cell(None if self.cell == (row, column) else (row, column))

    def _load_all_samples(self) -> None:
        """Predict every validation sample once, in a worker (the run folder must be known)."""
        if self.all_samples is not None or self._loader is not None or self.run_dir is None:
            return
        from designer.data.tasks import BackgroundTask
        from designer.explain.jobs import error_samples

        run_dir = self.run_dir
        self._loader = BackgroundTask(lambda progress, cancel: error_samples(run_dir, MAX_SHOWN, progress, cancel),
                                      "error-samples", self)
        loader = self._loader
        loader.finished.connect(lambda result: self._on_all_samples(loader, result))
        loader.failed.connect(lambda text: self._on_all_samples(loader, None, text))
        loader.cancelled.connect(lambda: self._on_all_samples(loader, None))
        loader.start()

    def _on_all_samples(self, loader, samples, problem: str = "") -> None:
        if loader is not self._loader:
            return
        self._loader = None
        self.all_samples = samples
        self._refill()
        if problem:
            self.filter_label.setText(self.filter_label.text() + f" — the other validation samples could"
                                      f" not be read: {problem}")

    def _selected_id(self) -> str | None:
        if self.gallery_stack.currentWidget() is self.gallery:
            items = self.gallery.selectedItems() or ([self.gallery.item(0)] if self.gallery.count() else [])
            return items[0].data(Qt.ItemDataRole.UserRole) if items else None
        row = self.samples.currentRow() if self.samples.currentRow() >= 0 else 0
        item = self.samples.item(row, 0)
        return item.text() if item is not None else None

    def explain_sample(self, sample_id: str | None) -> None:
        """Ask for the Explain window on ``sample_id`` of this run (when the run folder is known)."""
        if self.run_dir is None or sample_id is None:
            return
        self.explain_requested.emit(self.run_dir, str(sample_id))

    def save_png(self, path: str | Path) -> None:
        self.grab().save(str(path), "PNG")


def _subset(samples, rows: np.ndarray):
    """The ``rows`` of a ``SamplePredictions`` (same class, same fields)."""
    rows = np.asarray(rows, np.int64)

    def pick(value):
        return None if value is None else np.asarray(value)[rows]

    return type(samples)([samples.ids[i] for i in rows], np.asarray(samples.inputs)[rows], pick(samples.true),
                         np.asarray(samples.predicted)[rows], pick(samples.probabilities))


def _probabilities_of(samples, classes: int) -> np.ndarray:
    """The samples' class probabilities, or one-hot predictions when there are none."""
    if samples.probabilities is not None:
        return np.asarray(samples.probabilities, np.float64)
    return np.eye(max(classes, 2))[np.asarray(samples.predicted, np.int64)]
