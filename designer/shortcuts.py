"""Help ▸ Keyboard Shortcuts, generated from the window's real actions, and a few window actions.

The list is read from the window's menus, toolbars and canvas actions each time it
opens (:func:`collect_shortcuts`), so it always shows the keys that work: an action
added later (training, export) appears with its own shortcut. Keys are shown in the
platform's native form (``Ctrl+S``, ``⌘S`` on macOS). Mouse gestures, which no
action carries, follow in their own section.

:func:`install_window_actions` adds the window-wide actions that have a platform
convention and no other home: Edit ▸ Find Layer (``QKeySequence.Find``, focuses the
palette's search) and View ▸ Full Screen (``QKeySequence.FullScreen``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLineEdit, QMenu, QTableWidget,
                               QTableWidgetItem, QToolBar, QVBoxLayout, QWidget)

from designer.style import Colors

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow

#: Gestures that no action carries (the canvas handles them itself).
MOUSE = [
    ("Drag a palette item onto the canvas", "Add that layer where it is dropped"),
    ("Double-click a palette item (or Enter)", "Add it after the selected layer, wired"),
    ("Drag from an output port to an input port", "Connect two layers"),
    ("Click, Shift/Ctrl+click, rubber band", "Select layers and wires"),
    ("Wheel", "Zoom around the cursor"),
    ("Middle drag, or Space + drag", "Pan the canvas"),
    ("Double-click a layer", "Rename it (in the inspector)"),
    ("Double-click a group's frame or its collapsed card", "Collapse or expand the group"),
    ("Right-click a palette item", "Add it, or open its guide page"),
]


@dataclass(frozen=True)
class ShortcutRow:
    where: str  # "File", "Edit", "Canvas", a toolbar's title
    action: str
    keys: str  # native text, alternatives joined by ", "


def action_text(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…").strip()


def typable(sequence: QKeySequence) -> bool:
    """Whether a person can type ``sequence`` on a usual keyboard (not a dedicated Redo or Find key)."""
    return not sequence.isEmpty() and all(sequence[i].key().value < Qt.Key.Key_Help.value
                                          for i in range(sequence.count()))


def keys_text(action: QAction) -> str:
    """The action's keys as the platform writes them; dedicated media/office keys left out."""
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if typable(k))


def collect_shortcuts(window: "MainWindow") -> list[ShortcutRow]:
    """Every action of ``window`` that has a shortcut: menus in menu-bar order, then the rest."""
    rows: list[ShortcutRow] = []
    seen: set[int] = set()

    def add(action: QAction, where: str) -> None:
        if id(action) in seen or action.isSeparator():
            return
        if action.menu() is not None:
            seen.add(id(action))
            for child in action.menu().actions():
                add(child, where)
            return
        keys = keys_text(action)
        if keys and action_text(action):
            seen.add(id(action))
            rows.append(ShortcutRow(where, action_text(action), keys))

    for top in window.menuBar().actions():
        menu = top.menu()
        if menu is not None:
            for action in menu.actions():
                add(action, action_text(top))
    for toolbar in window.findChildren(QToolBar):
        for action in toolbar.actions():
            add(action, toolbar.windowTitle() or "Toolbar")
    for widget in [window, *window.findChildren(QWidget)]:
        if isinstance(widget, QMenu):
            continue
        for action in widget.actions():
            add(action, "Canvas" if widget.objectName() == "canvas" else "Window")
    return rows


class ShortcutsDialog(QDialog):
    """The table of shortcuts with a filter box; rebuilt from the window's actions on open."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        self.window_ = window
        self.search = QLineEdit(placeholderText="Filter: an action or a key, e.g. save or ctrl", objectName="guideSearch")
        self.search.setClearButtonEnabled(True)
        self.table = QTableWidget(0, 3, objectName="shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut", "Where"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self.filter)
        self.refresh()
        self.resize(620, 640)

    def refresh(self) -> None:
        rows = [(r.action, r.keys, r.where) for r in collect_shortcuts(self.window_)]
        rows += [(what, gesture, "Mouse") for gesture, what in MOUSE]
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            for column, text in enumerate(row):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setForeground(QColor(Colors.shape_text))
                self.table.setItem(index, column, item)
        self.filter(self.search.text())

    def rows(self, visible_only: bool = True) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())
                if not (visible_only and self.table.isRowHidden(r))]

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for r in range(self.table.rowCount()):
            haystack = " ".join(self.table.item(r, c).text() for c in range(3)).lower()
            self.table.setRowHidden(r, not all(w in haystack for w in words))


def show_shortcuts(window: "MainWindow") -> ShortcutsDialog:
    """The window's shortcuts list (made once, a child of the window), shown."""
    dialog = window.findChild(ShortcutsDialog, options=Qt.FindChildOption.FindDirectChildrenOnly)
    if dialog is None:
        dialog = ShortcutsDialog(window)
    dialog.refresh()
    dialog.show()
    dialog.raise_()
    return dialog


def _action(window: "MainWindow", text: str, key, slot, tip: str) -> QAction:
    action = QAction(text, window)
    bindings = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [QKeySequence(key)]
    action.setShortcuts(bindings)
    action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def install_window_actions(window: "MainWindow") -> dict[str, QAction]:
    """Edit ▸ Find Layer and View ▸ Full Screen."""
    def find_layer() -> None:
        dock = window.palette.parentWidget()
        if dock is not None and not dock.isVisible():
            dock.show()
        window.palette.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        window.palette.search.selectAll()

    def full_screen() -> None:
        window.showNormal() if window.isFullScreen() else window.showFullScreen()

    actions = {
        "find": _action(window, "&Find Layer…", QKeySequence.StandardKey.Find, find_layer,
                        "Type to find a layer in the palette; Enter adds it"),
        "full_screen": _action(window, "&Full Screen", QKeySequence.StandardKey.FullScreen, full_screen,
                               "Use the whole screen for the canvas (the same key leaves it)"),
    }
    edit = window.menu("Edit")
    edit.addSeparator()
    edit.addAction(actions["find"])
    window.menu("View").insertAction(window.panels_menu.menuAction(), actions["full_screen"])
    return actions
