"""The training form bound to the project: it shows the project's settings (and the devices
this machine has); an edit becomes an undoable command, or, while a run is paused, a
change of that run's live settings (learning rate, momentum, ...)."""

from __future__ import annotations

import sys
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer

from core.errors import TrainingError
from designer.devices import DeviceFinder
from designer.training import fields as F
from designer.training.commands import SetTraining
from designer.training.session import IDLE, PAUSED

#: Device detection imports torch in a child process, which takes a core for seconds: it
#: starts this long after the window is up, not while the window is being built.
DETECT_DEVICES_AFTER_MS = 2000


class TrainingFormBinding(QObject):
    """``push`` runs a command (the window's undo stack, or the command alone)."""

    def __init__(self, panel, session, push: Callable, parent: QObject) -> None:
        super().__init__(parent)
        self.panel = panel
        self.form = panel.form
        self.session = session
        self.push = push
        self.project = None
        self.info = None  # the data's facts (task, classes), from the window's analysis
        #: The project the running run was started from (None: a continued run).
        self.run_project = None
        self.devices: list[tuple[str, str]] = [("auto", "auto"), ("cpu", "CPU")]
        self.device_finder = DeviceFinder(self)
        self.device_finder.found.connect(self._on_devices_found)
        QTimer.singleShot(DETECT_DEVICES_AFTER_MS, self, self._detect_devices)
        self.form.edited.connect(self._on_edited)

    def show(self, project, info) -> None:
        """The form shows ``project``'s settings (a paused run's live ones over them)."""
        self.project, self.info = project, info
        base = str(project.directory) if project is not None and project.path else ""
        from core.subnetworks import is_adversarial_graph

        gan = project is not None and is_adversarial_graph(project.graph)
        self.form.show_training(project.training if project is not None else {}, info, base, gan)
        self.form.set_devices(self.devices)
        if self.session.state == PAUSED:
            self.form.show_live_settings(self.session.settings)

    def _detect_devices(self) -> None:
        """Start device detection, unless a run is just starting: its worker is importing
        torch, after which detection needs no child process (see ``designer.devices``)."""
        if self.session.active and "torch" not in sys.modules:
            QTimer.singleShot(500, self, self._detect_devices)
            return
        self.device_finder.start()

    def _on_devices_found(self, devices: list) -> None:
        self.devices = [tuple(d) for d in devices]
        self.form.set_devices(self.devices)

    def _on_edited(self, key: str, value: Any) -> None:
        project, state = self.project, self.session.state
        if project is None:
            return
        if state == PAUSED and key in F.LIVE_KEYS:
            try:
                self.session.update_optimizer(**{key: value})
            except TrainingError as err:
                self.form.set_field_error(key, str(err))
                return
            self.form.set_field_error(key, None)
            title = self.form.rows[key].spec.title
            self.panel.status.setText(f"{title} changed to {value}: Resume to go on with it.")
            if project is not self.run_project:
                return  # a continued run: the project keeps its own settings
        elif state != IDLE:
            return
        training = F.edited(project.training, key, value, self.info)
        if training == project.training:
            return
        self.push(SetTraining(project, training, key, info=self.info))
