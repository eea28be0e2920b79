"""Small widget helpers shared by the training views: tables, buttons, bars, "save as" dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QHeaderView, QPushButton, QTableWidget, QWidget

#: File dialog filters by suffix.
FILTERS = {"png": "PNG images (*.png)", "csv": "CSV files (*.csv)"}


def read_only_table(columns: tuple[str, ...], selection: str = "none") -> QTableWidget:
    """A table of text the person reads (and selects rows of: ``single`` or ``extended``)."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode({"none": QTableWidget.SelectionMode.NoSelection,
                            "single": QTableWidget.SelectionMode.SingleSelection,
                            "extended": QTableWidget.SelectionMode.ExtendedSelection}[selection])
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def ask_save_path(parent: QWidget, title: str, name: str) -> str | None:
    """A native "save as" dialog for ``name`` (its suffix picks the filter); the path with
    that suffix, or None when cancelled."""
    suffix = name.rsplit(".", 1)[-1].lower()
    path, _filter = QFileDialog.getSaveFileName(parent, title, name, FILTERS.get(suffix, ""))
    if not path:
        return None
    return path if path.lower().endswith("." + suffix) else f"{path}.{suffix}"


def button(text: str, tip: str = "") -> QPushButton:
    widget = QPushButton(text)
    if tip:
        widget.setToolTip(tip)
    return widget


def bar_row(stretching: QWidget, *widgets: QWidget) -> QHBoxLayout:
    """A row above a panel: ``stretching`` (a title or status) takes the room, then ``widgets``."""
    row = QHBoxLayout()
    row.setContentsMargins(6, 4, 6, 0)
    row.addWidget(stretching, 1)
    for widget in widgets:
        row.addWidget(widget)
    return row
