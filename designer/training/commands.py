"""The undoable change of a project's ``training`` section (one form edit = one command).

Successive edits of the same setting (a spin box's arrows pressed ten times) merge into
one undo step, as typing does in a text field.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

#: ``QUndoCommand.id()`` of training edits (any number unique among the window's commands).
SET_TRAINING_ID = 0x5452  # "TR"


class SetTraining(QUndoCommand):
    def __init__(self, project, training: dict[str, Any], key: str | None = None,
                 text: str | None = None, parent: QUndoCommand | None = None) -> None:
        super().__init__(text or (f"Change training {key.replace('_', ' ')}" if key else "Change training"),
                         parent)
        self.project = project
        self.key = key
        self.new = copy.deepcopy(training)
        self.old = copy.deepcopy(project.training)

    def redo(self) -> None:
        self.project.set_training(self.new)

    def undo(self) -> None:
        self.project.set_training(self.old)

    def id(self) -> int:
        return SET_TRAINING_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetTraining) or other.project is not self.project or \
                other.key is None or other.key != self.key:
            return False
        self.new = copy.deepcopy(other.new)
        return True
