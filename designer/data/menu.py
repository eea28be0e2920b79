"""The Data menu and dropped data files: where the import dialogs meet the window.

``install(services)`` (listed in ``designer.main_window.EXTENSIONS``) adds Data ▸ Load
CSV File…, Load Image Folder…, Built-in Dataset…, Edit Data Settings…, and lets a
``.csv`` file or a folder dropped on the window open the matching dialog. Every
accepted dialog becomes one undoable command (``SetData``); the canvas's Input and
Output shapes follow from the project's ``data_changed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from designer.data.commands import SetData, describe_change

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


class DataMenu:
    """The Data menu's actions for one window."""

    def __init__(self, services: "Services") -> None:
        self.services = services
        self.window = services.window  # the parent of its actions and dialogs
        menu = services.menu("Data")
        self.load_csv = self._action(menu, "Load &CSV File…", self.choose_csv, "Ctrl+Shift+O",
                                     "Load a table: pick the target column, see a preview")
        self.load_images = self._action(menu, "Load &Image Folder…", self.choose_image_folder,
                                        "Ctrl+Shift+I", "Load a folder of images, one sub-folder per class")
        self.builtin = self._action(menu, "&Built-in Dataset…", self.choose_builtin, None,
                                    "Spirals, moons, circles, sine waves, shapes: data that works offline")
        menu.addSeparator()
        self.edit = self._action(menu, "&Edit Data Settings…", self.edit_settings, None,
                                 "Reopen the settings of the current data")
        services.drop_handlers.append(self.open_dropped)

    def _action(self, menu, text: str, slot, shortcut: str | None, tip: str) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # ------------------------------------------------------------------ actions
    def apply(self, data: dict | None) -> bool:
        """Push the new data settings as one undoable edit (``None``: the person cancelled)."""
        if data is None or data == self.services.project().data:
            return False
        self.services.undo_stack.push(SetData(self.services.project(), data, describe_change(data)))
        return True

    def choose_csv(self, path: str | None = None) -> bool:
        from designer.data import import_csv

        return self.apply(import_csv(self.window, self.services.project(), path))

    def choose_image_folder(self, path: str | None = None) -> bool:
        from designer.data import import_image_folder

        return self.apply(import_image_folder(self.window, self.services.project(), path))

    def choose_builtin(self) -> bool:
        from designer.data.builtin_dialog import BuiltinDataDialog

        dialog = BuiltinDataDialog(self.services.project().data, self.window)
        return self.apply(dialog.spec() if dialog.exec() else None)

    def edit_settings(self) -> bool:
        data = self.services.project().data or {}
        if data.get("kind") == "builtin" or not data:
            return self.choose_builtin()
        from designer.data import edit_data

        return self.apply(edit_data(self.window, self.services.project()))

    def open_dropped(self, paths: list[str]) -> bool:
        """A dropped table opens the CSV dialog; a dropped folder the image-folder dialog."""
        for path in paths:
            if path.lower().endswith(TABLE_SUFFIXES):
                return self.choose_csv(path)
            if Path(path).is_dir():
                return self.choose_image_folder(path)
        return False


def install(services: "Services") -> DataMenu:
    return DataMenu(services)
