"""Text columns in the CSV dialog: the Type choice "text" and the one-line facts shown for it.

The column list's model and delegate (:mod:`designer.data.csv_models`) know the types
numeric and categorical; these subclasses add "text" (``data.text``: a column of free
text becomes token ids). Whether a column *is* text is core's decision
(:func:`core.data.text.looks_like_text`, through the profile's ``kind``), never the dialog's.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox

from core.data.columns import TEXT
from designer.data.csv_models import ROLES, ChoiceDelegate, ColumnsModel
from designer.data.signals import emit

TYPES = ("numeric", "categorical", TEXT)


def text_summary(facts: dict[str, Any] | None) -> str:
    """``text: vocabulary 1,234; tokens 50% 7, 95% 12; max_length 12, 0.0% truncated``,
    from a schema column's ``text`` dict; just ``text`` without one."""
    if not facts:
        return TEXT
    line = (f"text: vocabulary {int(facts.get('vocab_size', 0)):,};"
            f" tokens 50% {facts.get('tokens_p50', 0)}, 95% {facts.get('tokens_p95', 0)}")
    if facts.get("max_length") is not None:
        line += (f"; max_length {facts['max_length']},"
                 f" {100 * float(facts.get('truncated_rate', 0.0)):.1f}% truncated")
    return line


class TextColumnsModel(ColumnsModel):
    """:class:`ColumnsModel` whose Type may also be "text"."""

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in (self.ROLE_COLUMN, self.TYPE_COLUMN):
            return False
        column = self.columns[index.row()]
        key = "role" if index.column() == self.ROLE_COLUMN else "type"
        if value not in (ROLES if key == "role" else TYPES) or getattr(column, key) == value:
            return False
        setattr(column, key, value)
        emit(self.dataChanged, self.index(index.row(), 0), self.index(index.row(), len(self.HEADERS) - 1))
        emit(self.edited, column.name, key, value)
        return True


class TextChoiceDelegate(ChoiceDelegate):
    """:class:`ChoiceDelegate` offering "text" in the Type combo."""

    def createEditor(self, parent, option, index):
        editor = super().createEditor(parent, option, index)
        if index.column() == ColumnsModel.TYPE_COLUMN and isinstance(editor, QComboBox):
            editor.clear()
            editor.addItems(TYPES)
        return editor
