"""The run actions of the Train menu and toolbar: Train, Pause, Resume, Stop, Continue.

:class:`RunActions` makes them, gives them icons in the theme's colours and enables each
for the session's state; the controller decides what they do.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from designer.training.session import IDLE, LOADING, PAUSED, RUNNING

TRAIN_TIP = "Train the network on the project's data (F5)"


class RunActions:
    def __init__(self, parent: QWidget, *, train, pause, resume, stop, continue_selected) -> None:
        def action(text: str, slot, shortcut=None, tip: str = "") -> QAction:
            act = QAction(text, parent)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(tip or text)
            act.setStatusTip(tip or text)
            act.triggered.connect(slot)
            return act

        self.train_action = action("&Train", train, "F5", "Train the network on the project's data")
        self.pause_action = action("&Pause", pause, "F6", "Pause after the current batch")
        self.resume_action = action("&Resume", resume, "F7", "Go on training")
        self.stop_action = action("&Stop", stop, "Shift+F5", "Stop; the run keeps its last epoch")
        self.continue_action = action("&Continue Selected Run…", continue_selected, None,
                                      "Go on training the run selected in the Runs panel")
        #: The four that the toolbar shows, in order.
        self.run_actions = [self.train_action, self.pause_action, self.resume_action, self.stop_action]
        self.restyle()

    def restyle(self) -> None:
        """The icons in the theme's text colour (again when the theme changes)."""
        from designer.icons import themed_icon

        for act, name in zip(self.run_actions, ("play", "pause", "resume", "stop")):
            act.setIcon(themed_icon(name))

    def update(self, state: str, can_train: bool, blocked_tip: str | None) -> None:
        """Enable each action for ``state``; Train's tip says why it is refused, if it is."""
        tip = blocked_tip or TRAIN_TIP
        self.train_action.setToolTip(tip)
        self.train_action.setStatusTip(tip)
        self.train_action.setEnabled(state == IDLE and can_train)
        self.pause_action.setEnabled(state in (LOADING, RUNNING))
        self.resume_action.setEnabled(state == PAUSED)
        self.stop_action.setEnabled(state in (LOADING, RUNNING, PAUSED))
