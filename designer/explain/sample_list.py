"""The samples one can explain: a table of id, truth, prediction and confidence, errors first.

The list holds the rows of a :class:`~core.explain.samples.SampleSet` in the order chosen:
as they come, or with **Errors first** only the misclassified ones, most confident first
(regression: every sample, the largest error first; :mod:`core.explain.errors`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from core.explain.errors import absolute_errors, errors_first
from designer.style import Colors

#: Rows shown at most (a validation split of 50,000 images would make the table slow).
MAX_ROWS = 2000


class SampleList(QWidget):
    """Pick a sample; ``activated(row)`` on double-click (the row in the SampleSet)."""

    activated = Signal(int)
    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = QLabel()
        self.errors_first = QCheckBox("Errors first")
        self.errors_first.setToolTip("Only the misclassified samples, the most confident mistakes first"
                                     " (regression: the largest errors first)")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Sample", "True", "Predicted", "Confidence"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(self.source, 1)
        top.addWidget(self.errors_first)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(top)
        box.addWidget(self.table, 1)
        self.samples = None
        self.predictions = None
        self.order = np.zeros(0, np.int64)  # table row -> sample row
        self.errors_first.toggled.connect(lambda _on: self._fill())
        self.table.itemSelectionChanged.connect(self.selection_changed.emit)
        self.table.cellDoubleClicked.connect(lambda r, _c: self.activated.emit(int(self.order[r])))

    def set_samples(self, samples, predictions) -> None:
        self.samples, self.predictions = samples, predictions
        regression = predictions.task == "regression"
        reconstruction = predictions.task == "reconstruction"
        self.errors_first.setText("Largest errors first" if regression else "Misclassified only")
        self.errors_first.setEnabled(samples.truth is not None and predictions.task in ("classification", "regression"))
        self.errors_first.setVisible(not reconstruction)
        self.table.setHorizontalHeaderLabels(["Sample", "True", "Reconstruction error" if reconstruction else "Predicted",
                                              "Error" if regression else "Confidence"])
        self.table.setColumnHidden(1, reconstruction)
        self.table.setColumnHidden(3, reconstruction)
        self._fill()

    def _fill(self) -> None:
        samples, predictions = self.samples, self.predictions
        if samples is None:
            return
        if self.errors_first.isChecked() and self.errors_first.isEnabled():
            order = errors_first(samples.truth, predictions)
        else:
            order = np.arange(len(samples))
        self.order = order[:MAX_ROWS]
        noun = "sample" if len(samples) == 1 else "samples"
        what = f"{len(order):,} of {len(samples):,} {noun}" if len(order) != len(samples) else f"{len(samples):,} {noun}"
        more = f", the first {MAX_ROWS:,} shown" if len(order) > MAX_ROWS else ""
        self.source.setText(f"{samples.source}: {what}{more}")
        errors = (absolute_errors(samples.truth, predictions.values)
                  if predictions.task == "regression" and samples.truth is not None else None)
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(self.order))
        for table_row, row in enumerate(self.order):
            truth = self._truth(row)
            predicted = predictions.label(row)
            if errors is not None:
                last = f"{errors[row]:.4g}"
            else:
                confidence = predictions.confidence[row]
                last = f"{confidence:.0%}" if np.isfinite(confidence) else ""
            wrong = (predictions.task == "classification" and samples.truth is not None
                     and int(samples.truth[row]) != int(predictions.predicted[row]))
            for col, text in enumerate((samples.ids[row], truth, predicted, last)):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if wrong:
                    item.setForeground(QBrush(QColor(Colors.error)))
                self.table.setItem(table_row, col, item)
        self.table.setUpdatesEnabled(True)
        if len(self.order):
            self.table.selectRow(0)

    def _truth(self, row: int) -> str:
        truth = self.samples.truth
        if truth is None:
            return ""
        value = np.asarray(truth[row])
        if value.ndim == 0 and self.predictions.task == "classification":
            names = self.predictions.class_names
            return names[int(value)] if 0 <= int(value) < len(names) else str(int(value))
        return ", ".join(f"{v:.4g}" for v in value.reshape(-1)[:4])

    @property
    def current(self) -> int | None:
        """The selected sample's row in the SampleSet."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return int(self.order[rows[0].row()]) if rows else None

    def select_id(self, sample_id: str) -> bool:
        """Select the sample ``sample_id`` (showing every sample if the filter hides it)."""
        if self.samples is None or sample_id not in self.samples.ids:
            return False
        row = self.samples.ids.index(sample_id)
        if row not in set(self.order.tolist()):
            self.errors_first.setChecked(False)
        positions = np.flatnonzero(self.order == row)
        if not len(positions):
            return False
        self.table.selectRow(int(positions[0]))
        self.table.scrollToItem(self.table.item(int(positions[0]), 0))
        return True
