"""Train ▸ Diagnose…: the sanity experiments of :mod:`core.diagnose`, with their verdicts.

``install(services)`` adds the action; :class:`DiagnoseDialog` lets a person choose the
experiments (learning-rate range test, overfit one batch, data-size check), runs them in
a worker thread on a copy of the project, and shows each verdict with its curve. The
verdicts also go to the Problems panel as hints, and are saved with their plots in a
``diagnose-<time>`` folder beside the project's runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from designer.diagnose.dialog import DiagnoseDialog

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

__all__ = ["DiagnoseDialog", "install", "open_diagnose_dialog"]


def install(services: "Services") -> dict[str, QAction]:
    action = QAction("&Diagnose…", services.window)
    action.setObjectName("actionDiagnose")
    action.setStatusTip("Quick experiments that say what to fix: the learning rate, the design, the data size")
    action.triggered.connect(lambda: open_diagnose_dialog(services))
    services.menu("Train").addAction(action)
    return {"diagnose": action}


def open_diagnose_dialog(services: "Services") -> DiagnoseDialog:
    dialog = DiagnoseDialog(services)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
