"""Explain in the designer: why a trained network decided what it did.

``install(services)`` adds **Explain Predictions…** to the Train menu (after its own
entries): :class:`ExplainDialog`, a run, a validation sample (or a CSV file or image
chosen or dropped), a method (saliency, integrated gradients, SmoothGrad, Grad-CAM with
its layer); the image overlay, the column bars or the coloured words, and for tables the
columns ranked over the validation samples. The Results tab of the training plots opens
it on a sample through ``services.provided(ExplainApi)`` (:func:`open_explain_dialog`). Computation: ``core.explain``, in a worker.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from designer.explain.dialog import ExplainDialog
from designer.services import ExplainApi

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

__all__ = ["ExplainDialog", "install", "open_explain_dialog"]


def install(services: "Services") -> dict[str, QAction]:
    """Add the Explain action to the Train menu and offer :class:`ExplainApi`; returns the action by name."""
    action = QAction("E&xplain Predictions…", services.window)
    action.setObjectName("actionExplain")
    action.setStatusTip("Why did the trained model decide that? Attributions of its predictions")
    action.triggered.connect(lambda: open_explain_dialog(services))
    services.provide(ExplainApi, partial(open_explain_dialog, services))
    menu = services.menu("Train")
    menu.addSeparator()
    menu.addAction(action)
    return {"explain": action}


def open_explain_dialog(services: "Services", run_dir=None, sample: str | None = None) -> ExplainDialog:
    """The Explain window for the current project (``run_dir``, ``sample``: what to show first)."""
    context = services.run_context()
    if run_dir is not None:
        context["run_dir"] = run_dir
    dialog = ExplainDialog(services.project(), services.window, sample=sample, **context)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
