"""The undoable change of a project's ``training`` section (one form edit = one command).

Successive edits of the same setting (a spin box's arrows pressed ten times) merge into
one undo step, as typing does in a text field. An edit of one key goes through the typed
setter (``project.training.set``), which announces that key alone; an edit that changes
other keys too (switching to Adam drops an SGD momentum) replaces the section.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

_NONE = object()
#: ``QUndoCommand.id()`` of training edits (any number unique among the window's commands).
SET_TRAINING_ID = 0x5452  # "TR"


class SetTraining(QUndoCommand):
    def __init__(self, project, training: dict[str, Any], key: str | None = None,
                 text: str | None = None, parent: QUndoCommand | None = None, info=None) -> None:
        super().__init__(text or (f"Change training {key.replace('_', ' ')}" if key else "Change training"),
                         parent)
        self.project = project
        self.key = key
        self.new = copy.deepcopy(training)
        self.old = copy.deepcopy(project.training)
        self.info = info  # the data's facts, for judging the new value (None: not known)
        #: The validator's sentences about ``key`` after the last redo (empty when fine).
        self.problems: list[str] = []

    def redo(self) -> None:
        self.problems = self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)

    def _apply(self, target: dict[str, Any]) -> list[str]:
        training = self.project.training
        changed = {k for k in set(training) | set(target)
                   if training.get(k, _NONE) != target.get(k, _NONE)}
        if self.key is None or changed != {self.key}:
            self.project.set_training(target)
            return []
        if self.key not in target:
            del training[self.key]
            return []
        return training.set(self.key, target[self.key], self.info)

    def id(self) -> int:
        return SET_TRAINING_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetTraining) or other.project is not self.project or \
                other.key is None or other.key != self.key:
            return False
        self.new = copy.deepcopy(other.new)
        return True
