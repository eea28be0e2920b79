"""The editor of a ``name_list`` parameter: the table columns an Input takes.

With a table loaded, the data's feature columns are listed with a check box each (a
categorical column that became several features says how many); the value is the
checked columns in the data's order, and no column checked means ``None`` (every
feature). Without named columns (no data yet, or images) it is a text field taking
comma-separated names, empty meaning ``None``. Names the value holds that the data
lacks stay listed, checked and marked, so the person can see and uncheck them.
Each check or uncheck is one edit (``value_edited``), hence one undo step.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from core.errors import ParamError
from designer.inspector.editors import ParamEditor, show_field_error

NAME_ROLE = Qt.ItemDataRole.UserRole
#: Rows the list shows before it scrolls.
VISIBLE_ROWS = 8


class NameListEditor(ParamEditor):
    """Check the data's columns (or type their names); ``set_columns`` gives the data's."""

    has_auto_box = False

    def _make_field(self) -> QWidget:
        box = QWidget(objectName="nameListField")
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.list = QListWidget(objectName="nameList")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemChanged.connect(self._on_item_changed)
        self.line = QLineEdit(objectName="nameListText")
        none_means = self.param.none_means or "all"
        self.line.setPlaceholderText(f"{none_means}, or names: a, b")
        self.line.editingFinished.connect(self._on_text_finished)
        self.note = QLabel(objectName="fieldNote", wordWrap=True)
        column.addWidget(self.list)
        column.addWidget(self.line)
        column.addWidget(self.note)
        #: The data's columns and how many features each gave, in the data's order.
        self.columns: tuple[tuple[str, int], ...] = ()
        self._in_item_change = False
        self.list.hide()
        return box

    # ------------------------------------------------------------------ the data's columns
    def set_columns(self, feature_columns: tuple[str, ...] | list[str]) -> None:
        """Offer the columns the data's features came from (one name per feature; empty: no
        named columns, so the names are typed)."""
        widths: dict[str, int] = {}
        for name in feature_columns:
            widths[name] = widths.get(name, 0) + 1
        columns = tuple(widths.items())
        if columns == self.columns:
            return
        self.columns = columns
        self._show_in_field(self._value)

    @property
    def checkable(self) -> bool:
        """Whether the data's columns are listed to check (else the names are typed)."""
        return bool(self.columns)

    # ------------------------------------------------------------------ showing a value
    def set_value(self, value: Any) -> None:
        self.show_error(None)
        self._value = list(value) if value else None
        self._show_in_field(self._value)

    def _show_in_field(self, value: Any) -> None:
        chosen = list(value or [])
        self.list.setVisible(self.checkable)
        self.line.setVisible(not self.checkable)
        if self.checkable:
            self._show_in_list(chosen)
        else:
            self.line.blockSignals(True)
            self.line.setText(", ".join(chosen))
            self.line.blockSignals(False)
        self._show_note(chosen)

    def _show_in_list(self, chosen: list[str]) -> None:
        known = [name for name, _width in self.columns]
        rows = [(name, width, False) for name, width in self.columns]
        rows += [(name, 0, True) for name in chosen if name not in known]
        names = [row[0] for row in rows]
        current = [self.list.item(i).data(NAME_ROLE) for i in range(self.list.count())]
        if current != names:
            if self._in_item_change:  # never delete the item whose signal is being handled
                QTimer.singleShot(0, lambda: self._show_in_field(self._value))
            else:
                self._fill_list(rows)
        self.list.blockSignals(True)
        try:
            for i in range(self.list.count()):
                item = self.list.item(i)
                state = Qt.CheckState.Checked if item.data(NAME_ROLE) in chosen else Qt.CheckState.Unchecked
                if item.checkState() != state:
                    item.setCheckState(state)
        finally:
            self.list.blockSignals(False)

    def _fill_list(self, rows: list[tuple[str, int, bool]]) -> None:
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for name, width, missing in rows:
                text = name
                if missing:
                    text += "  (not in the data)"
                elif width > 1:
                    text += f"  ({width} features)"
                item = QListWidgetItem(text)
                item.setData(NAME_ROLE, name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                if missing:
                    item.setToolTip(f"The data has no feature column {name!r}: uncheck it")
                self.list.addItem(item)
        finally:
            self.list.blockSignals(False)
        shown = max(1, min(self.list.count(), VISIBLE_ROWS))
        row = self.list.sizeHintForRow(0) if self.list.count() else self.fontMetrics().height() + 6
        self.list.setFixedHeight(shown * row + 2 * self.list.frameWidth() + 4)

    def _show_note(self, chosen: list[str]) -> None:
        """One line under the field: what the checked columns give (or that it takes all)."""
        none_means = self.param.none_means or "all"
        if not chosen:
            what = "No column checked" if self.checkable else "Empty"
            self.note.setText(f"{what}: takes {none_means}")
            return
        widths = dict(self.columns)
        if self.checkable:
            known = [name for name in chosen if name in widths]  # the others are marked
            features = sum(widths[name] for name in known)
            total = sum(widths.values())
            self.note.setText(f"{len(known)} of {len(widths)} columns checked:"
                              f" {features} of {total} features")
        else:
            self.note.setText(f"{len(chosen)} column{'s' if len(chosen) != 1 else ''}")

    def show_auto(self) -> None:
        """Nothing greyed to update: an empty list already says it takes every feature."""

    # ------------------------------------------------------------------ edits
    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        checked = [self.list.item(i).data(NAME_ROLE) for i in range(self.list.count())
                   if self.list.item(i).checkState() == Qt.CheckState.Checked]
        value = checked or None
        if value == self._value:
            return
        self._in_item_change = True
        try:
            self._emit(value)
        finally:
            self._in_item_change = False

    def _on_text_finished(self) -> None:
        self._commit_text(self.line.text())

    def parse_text(self, text: str) -> Any:
        """``"a, b"`` -> ``["a", "b"]``; an empty text -> ``None`` (every feature)."""
        names = [part.strip() for part in text.split(",")]
        if not any(names):
            return None
        if not all(names):
            raise ParamError(f"{self.param.name} must be {self.param.range_text()} separated by"
                             f" commas, got an empty name in {text.strip()!r}", param=self.param.name)
        names = list(dict.fromkeys(names))
        self.param.validate(names)
        return names

    def show_error(self, message: str | None) -> None:
        show_field_error(self.list if self.checkable else self.line, self.error_label, message)
