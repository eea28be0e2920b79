"""The undoable change of a project's ``sweep`` section (one form edit = one command)."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand


class SetSweep(QUndoCommand):
    def __init__(self, project, sweep: dict[str, Any] | None, text: str = "Change the sweep") -> None:
        super().__init__(text)
        self.project = project
        self.new = copy.deepcopy(sweep)
        self.old = copy.deepcopy(project.sweep)

    def redo(self) -> None:
        self.project.set_sweep(self.new)

    def undo(self) -> None:
        self.project.set_sweep(self.old)
