"""After training: the confusion matrix, per-class metrics and a gallery of sample predictions.

Drawn once from the ``FinalReport`` the worker's report probe sends (numpy arrays).
Images get thumbnails with their true and predicted class (red when wrong); other
inputs get a table of samples; regression gets a predicted-vs-actual plot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QLabel, QListWidget, QListWidgetItem, QSplitter, QStackedWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from designer.training.live import LiveRun
from designer.training.fields import metric_title
from designer.training.plots.images import ConfusionMatrix, input_image
from designer.training.plots.style import add_plot, layout_widget, pen, qcolor, scheme
from designer.training.widgets import read_only_table

THUMBNAIL = 72


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
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.per_class)
        right.addWidget(self.gallery_stack)
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

    def shown(self, live: LiveRun) -> bool:
        return live.report is not None

    # ------------------------------------------------------------------ drawing
    def update_from(self, live: LiveRun) -> bool:
        if live.versions["report"] == self._version:
            return False
        self._version = live.versions["report"]
        self.show_report(live.report)
        return True

    def reset(self) -> None:
        self._version = None

    def show_report(self, report) -> None:
        self.report = report
        if report is None:
            self.summary.setText("The results appear here when training ends.")
            return
        metrics = ", ".join(f"{metric_title(k)} {v:.4g}" for k, v in report.metrics.items())
        split = {"validation": "validation data", "test": "test data"}.get(report.split, "training data")
        self.summary.setText(f"The final network on the {split}: {metrics or 'no metrics'}.")
        if report.confusion is not None:
            self._show_classes(report)
        elif report.regression_true is not None:
            self._show_regression(report)
        else:
            self.per_class.setRowCount(0)
            self._fill_samples(report)

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
        samples = report.samples
        if samples.inputs.ndim == 4 or (samples.inputs.ndim == 3 and samples.inputs.shape[0] in (1, 3)):
            self._fill_gallery(report, names)
        else:
            self._fill_samples(report)

    def _fill_gallery(self, report, names: list[str]) -> None:
        self.gallery_stack.setCurrentWidget(self.gallery)
        self.gallery.clear()
        samples = report.samples
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
            self.gallery.addItem(item)

    def _fill_samples(self, report) -> None:
        self.gallery_stack.setCurrentWidget(self.samples)
        samples = report.samples
        names = list(report.class_names or [])
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
        self._fill_samples(report)

    def save_png(self, path: str | Path) -> None:
        self.grab().save(str(path), "PNG")
