"""A step's numbers as a small read-only table: one row per vector, one per matrix row.

A vector (a layer's output, a gradient) is one row; a weight matrix keeps its shape, one
table row per matrix row, so ``weight[3]`` holds the weights of output 3. Long arrays are
cut (:data:`MAX_COLUMNS` values, :data:`MAX_ROWS` matrix rows) with a last cell saying how
many more there are; every cell's tooltip has the full-precision value.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from core.stepthrough.words import SHOWN_COLUMNS as MAX_COLUMNS, SHOWN_ROWS as MAX_ROWS, num
from designer.style import Colors


def cell_of(numbers, label: str, flat: int) -> tuple[str, int] | None:
    """The ``(row label, column)`` where value ``flat`` of the numbers ``label`` is shown, or
    None when it is not among the shown ones."""
    for item in numbers:
        if item.label != label:
            continue
        values = np.asarray(item.values)
        if values.ndim >= 2 and values.shape[0] > 1:
            width = int(np.prod(values.shape[1:]))
            row, column = divmod(int(flat), width)
            shown = row < MAX_ROWS and column < MAX_COLUMNS
            return (f"{label} [{row}]", column) if shown else None
        return (label, int(flat)) if flat < MAX_COLUMNS else None
    return None


def table_rows(numbers) -> list[tuple[str, list[float], str]]:
    """``(row label, values, note)`` for each table row of ``numbers`` (a tuple of
    ``core.stepthrough.Numbers``); ``note`` says what was cut ("… 52 more")."""
    rows = []
    for item in numbers:
        values = np.asarray(item.values, np.float64)
        if values.ndim >= 2 and values.shape[0] > 1:
            matrix = values.reshape(values.shape[0], -1)
            for r in range(min(len(matrix), MAX_ROWS)):
                rows.append(_row(f"{item.label} [{r}]", matrix[r]))
            if len(matrix) > MAX_ROWS:
                rows.append((f"{item.label} …", [], f"{len(matrix) - MAX_ROWS} more rows"))
        else:
            rows.append(_row(item.label, values.reshape(-1)))
    return rows


def _row(label: str, values: np.ndarray) -> tuple[str, list[float], str]:
    extra = len(values) - MAX_COLUMNS
    return label, [float(v) for v in values[:MAX_COLUMNS]], f"… {extra} more" if extra > 0 else ""


class NumbersTable(QTableWidget):
    """The numbers of the current step (``show_numbers``)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("stepNumbers")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setWordWrap(False)
        self.rows: list[tuple[str, list[float], str]] = []
        self.focused: list[tuple[str, int]] = []  # the highlighted cells, (row label, column)

    def show_numbers(self, numbers, focus=()) -> None:
        """Show ``numbers``; the values ``focus`` names (``(label, flat index)``, the ones the
        step's text works out) are highlighted."""
        self.rows = table_rows(numbers)
        width = max((len(values) + (1 if note else 0) for _label, values, note in self.rows), default=0)
        self.clear()
        self.setRowCount(len(self.rows))
        self.setColumnCount(width)
        self.setHorizontalHeaderLabels([str(i) if i < MAX_COLUMNS else "…" for i in range(width)])
        self.setVerticalHeaderLabels([label for label, _values, _note in self.rows])
        dim = QBrush(QColor(Colors.text_dim))
        for r, (_label, values, note) in enumerate(self.rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(num(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(repr(value))
                if value == 0:
                    item.setForeground(dim)
                self.setItem(r, c, item)
            if note:
                item = QTableWidgetItem(note)
                item.setForeground(dim)
                self.setItem(r, len(values), item)
        self.focused = []
        labels = [label for label, _values, _note in self.rows]
        for label, flat in focus:
            cell = cell_of(numbers, label, flat)
            if cell is None or cell[0] not in labels:
                continue
            item = self.item(labels.index(cell[0]), cell[1])
            if item is not None:
                item.setBackground(QBrush(QColor(Colors.selected).darker(250)))
                item.setForeground(QBrush(QColor(Colors.text)))
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                self.focused.append(cell)

    def cell_text(self, label: str, column: int = 0) -> str:
        """The text of ``label``'s row at ``column`` (tests, screenshots)."""
        row = [r for r, (name, _v, _n) in enumerate(self.rows) if name == label][0]
        return self.item(row, column).text()
