"""The undoable change of a project's ``data`` section."""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand


class SetData(QUndoCommand):
    """Replace the project's data settings; undo puts the old ones back exactly.

    Both are relative to the project's folder at the time (``base``): after a Save As to
    another folder, undo and redo rebase them so they still name the same files.
    """

    def __init__(self, project, new: dict | None, text: str) -> None:
        super().__init__(text)
        self.project = project
        self.base = project.directory
        self.old = copy.deepcopy(project.data)
        self.new = copy.deepcopy(new)

    def redo(self) -> None:
        self.project.set_data(self.new, relative_to=self.base)

    def undo(self) -> None:
        self.project.set_data(self.old, relative_to=self.base)


def describe_change(data: dict) -> str:
    """The Edit menu's words for applying ``data``: "Load data from iris.csv", ..."""
    from core.data import SOURCES

    return SOURCES.of(data).action(data)
