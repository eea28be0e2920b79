"""The live trials table: number, state, metric, each varied setting, epochs, duration."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from core.sweep.study import COMPLETE, FAILED, INTERRUPTED, PRUNED, RUNNING, TrialRow


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


class _Item(QTableWidgetItem):
    """Sorts by the value behind the text (numbers as numbers)."""

    def __init__(self, text: str, key) -> None:
        super().__init__(text)
        self.key = key
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other) -> bool:
        try:
            return (self.key is None, self.key) < (other.key is None, other.key)
        except TypeError:
            return str(self.key) < str(other.key)


class TrialsTable(QTableWidget):
    """Rows redrawn from plain :class:`TrialRow` s; the selection (trial numbers) survives."""

    selection_changed = Signal(list)  # trial numbers

    def __init__(self, parent=None) -> None:
        super().__init__(0, 0, parent)
        self.setObjectName("trialsTable")
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.rows: list[TrialRow] = []
        self.itemSelectionChanged.connect(lambda: self.selection_changed.emit(self.selected_numbers()))

    def selected_numbers(self) -> list[int]:
        numbers = set()
        for index in self.selectionModel().selectedRows():
            item = self.item(index.row(), 0)
            if item is not None:
                numbers.add(int(item.key))
        return sorted(numbers)

    def show_rows(self, rows: list[TrialRow], names: list[str], metric: str, best: int | None) -> None:
        selected = set(self.selected_numbers())
        self.rows = rows
        self.blockSignals(True)
        self.setSortingEnabled(False)
        headers = ["#", "State", metric, *names, "Epochs", "Time"]
        self.setColumnCount(len(headers))
        self.setHorizontalHeaderLabels(headers)
        self.setRowCount(len(rows))
        colors = {COMPLETE: None, PRUNED: "#9aa3b2", FAILED: "#ff5c5c", INTERRUPTED: "#e0a96d",
                  RUNNING: "#4dd0e1"}
        for r, row in enumerate(rows):
            state = row.state + (" ★" if row.number == best else "")
            cells = [_Item(str(row.number), row.number), _Item(state, row.state),
                     _Item(_text(row.value), row.value)]
            cells += [_Item(_text(row.params.get(n)), row.params.get(n)) for n in names]
            cells += [_Item(str(row.epochs), row.epochs), _Item(_duration(row.seconds), row.seconds)]
            tip = row.reason or (f"run folder: {row.run_dir}" if row.run_dir else "")
            for c, cell in enumerate(cells):
                if tip:
                    cell.setToolTip(tip)
                if c == 1 and colors.get(row.state):
                    cell.setForeground(QColor(colors[row.state]))
                self.setItem(r, c, cell)
        self.setSortingEnabled(True)
        self.clearSelection()
        for r in range(self.rowCount()):
            if self.item(r, 0).key in selected:
                self.selectRow(r) if len(selected) == 1 else self._add_row_to_selection(r)
        self.blockSignals(False)

    def _add_row_to_selection(self, row: int) -> None:
        from PySide6.QtCore import QItemSelectionModel

        index = self.model().index(row, 0)
        self.selectionModel().select(index, QItemSelectionModel.SelectionFlag.Select
                                     | QItemSelectionModel.SelectionFlag.Rows)
