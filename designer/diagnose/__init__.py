"""Train ▸ Diagnose…: the sanity experiments of :mod:`core.diagnose`, with their verdicts.

``install(window)`` adds the action; :class:`DiagnoseDialog` lets a person choose the
experiments (learning-rate range test, overfit one batch, data-size check), runs them in
a worker thread on a copy of the project, and shows each verdict with its curve. The
verdicts also go to the Problems panel as hints, and are saved with their plots in a
``diagnose-<time>`` folder beside the project's runs.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from designer.diagnose.dialog import DiagnoseDialog

__all__ = ["DiagnoseDialog", "install", "open_diagnose_dialog"]


def install(window) -> dict[str, QAction]:
    action = QAction("&Diagnose…", window)
    action.setObjectName("actionDiagnose")
    action.setStatusTip("Quick experiments that say what to fix: the learning rate, the design, the data size")
    action.triggered.connect(lambda: open_diagnose_dialog(window))
    window.menu("Train").addAction(action)
    return {"diagnose": action}


def open_diagnose_dialog(window) -> DiagnoseDialog:
    dialog = DiagnoseDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
