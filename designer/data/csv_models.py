"""Table models for the CSV dialog: the file's first rows, and one row per column.

Both are plain ``QAbstractTableModel`` s: the views ask only for the cells they show,
so a file with a thousand columns previews as fast as one with five.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate

from designer.data.signals import emit
from designer.style import Colors

FEATURE, TARGET, IGNORE = "feature", "target", "ignore"
ROLES = (FEATURE, TARGET, IGNORE)
TYPES = ("numeric", "categorical")
_DISPLAY = Qt.ItemDataRole.DisplayRole


class HeadTableModel(QAbstractTableModel):
    """The first rows of the file as text; headers show column names and roles."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.rows: list[list[str]] = []
        self.first_row = 2
        self.roles: dict[str, str] = {}

    def set_head(self, names: list[str], rows: list[list[str]], header: bool) -> None:
        self.beginResetModel()
        self.names, self.rows = list(names), rows
        self.first_row = 2 if header else 1
        self.endResetModel()

    def set_roles(self, roles: dict[str, str]) -> None:
        self.roles = dict(roles)
        if self.names:
            emit(self.headerDataChanged, Qt.Orientation.Horizontal, 0, len(self.names) - 1)
            emit(self.dataChanged, self.index(0, 0), self.index(len(self.rows) - 1, len(self.names) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.names)

    def data(self, index: QModelIndex, role=_DISPLAY):
        if not index.isValid():
            return None
        if role == _DISPLAY:
            row = self.rows[index.row()]
            return row[index.column()] if index.column() < len(row) else ""
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.roles.get(self.names[index.column()]) == IGNORE:
                return QColor(Colors.text_dim)
        return None

    def headerData(self, section: int, orientation, role=_DISPLAY):
        if orientation == Qt.Orientation.Vertical:
            return str(section + self.first_row) if role == _DISPLAY else None
        if section >= len(self.names):
            return None
        name = self.names[section]
        column_role = self.roles.get(name, FEATURE)
        if role == _DISPLAY:
            return name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name}: {column_role}"
        if role == Qt.ItemDataRole.FontRole and column_role == TARGET:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if column_role == TARGET:
                return QColor(Colors.selected)
            if column_role == IGNORE:
                return QColor(Colors.text_dim)
        return None


@dataclass
class ColumnState:
    """One column in the dialog: what the person chose and what the file says."""

    name: str
    role: str = FEATURE
    type: str = "numeric"
    inferred_type: str = "numeric"
    missing: int | None = None
    summary: str = ""
    note: str = ""  # why it is left out by default, or what is odd about it


class ColumnsModel(QAbstractTableModel):
    """Column | Role | Type | Missing | Summary; Role and Type are editable."""

    HEADERS = ("Column", "Role", "Type", "Missing", "Summary")
    ROLE_COLUMN, TYPE_COLUMN = 1, 2
    edited = Signal(str, str, str)  # column name, "role" or "type", new value

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.columns: list[ColumnState] = []

    def set_columns(self, columns: list[ColumnState]) -> None:
        self.beginResetModel()
        self.columns = columns
        self.endResetModel()

    def column(self, name: str) -> ColumnState:
        return next(c for c in self.columns if c.name == name)

    def names_with(self, role: str) -> list[str]:
        return [c.name for c in self.columns if c.role == role]

    def refresh(self) -> None:
        if self.columns:
            emit(self.dataChanged, self.index(0, 0), self.index(len(self.columns) - 1, len(self.HEADERS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation, role=_DISPLAY):
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None

    def flags(self, index: QModelIndex):
        flags = super().flags(index)
        if index.column() in (self.ROLE_COLUMN, self.TYPE_COLUMN):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: QModelIndex, role=_DISPLAY):
        if not index.isValid():
            return None
        column = self.columns[index.row()]
        if role in (_DISPLAY, Qt.ItemDataRole.EditRole):
            return [column.name, column.role, column.type,
                    "" if column.missing is None else f"{column.missing:,}",
                    column.summary][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.note or column.summary or None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column.role == IGNORE:
                return QColor(Colors.text_dim)
            if index.column() == 3 and column.missing:
                return QColor(Colors.warning)
            if column.role == TARGET:
                return QColor(Colors.selected)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in (self.ROLE_COLUMN, self.TYPE_COLUMN):
            return False
        column = self.columns[index.row()]
        key = "role" if index.column() == self.ROLE_COLUMN else "type"
        allowed = ROLES if key == "role" else TYPES
        if value not in allowed or getattr(column, key) == value:
            return False
        setattr(column, key, value)
        emit(self.dataChanged, self.index(index.row(), 0), self.index(index.row(), len(self.HEADERS) - 1))
        emit(self.edited, column.name, key, value)
        return True


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box editor for the Role and Type cells; a choice is committed at once."""

    def createEditor(self, parent, option, index):
        editor = QComboBox(parent)
        editor.addItems(ROLES if index.column() == ColumnsModel.ROLE_COLUMN else TYPES)
        editor.activated.connect(lambda _i, e=editor: (emit(self.commitData, e), emit(self.closeEditor, e)))
        return editor

    def setEditorData(self, editor, index) -> None:
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))

    def setModelData(self, editor, model, index) -> None:
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
