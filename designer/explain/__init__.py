"""Explain in the designer: why a trained network decided what it did.

``install(window)`` adds **Explain Predictions…** to the Train menu (after its own
entries): :class:`ExplainDialog`, a run, a validation sample (or a CSV file or image
chosen or dropped), a method (saliency, integrated gradients, SmoothGrad, Grad-CAM with
its layer); the image overlay, the column bars or the coloured words, and for tables the
columns ranked over the validation samples. The Results tab of the training plots opens
it on a sample (:func:`open_explain_dialog`). Computation: ``core.explain``, in a worker.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from designer.explain.dialog import ExplainDialog

__all__ = ["ExplainDialog", "install", "open_explain_dialog"]


def install(window) -> dict[str, QAction]:
    """Add the Explain action to ``window``'s Train menu; returns it by name."""
    action = QAction("E&xplain Predictions…", window)
    action.setObjectName("actionExplain")
    action.setStatusTip("Why did the trained model decide that? Attributions of its predictions")
    action.triggered.connect(lambda: open_explain_dialog(window))
    menu = window.menu("Train")
    menu.addSeparator()
    menu.addAction(action)
    return {"explain": action}


def open_explain_dialog(window, run_dir=None, sample: str | None = None) -> ExplainDialog:
    """The Explain window for ``window``'s project (``run_dir``, ``sample``: what to show first)."""
    from designer.export import run_context

    context = run_context(window) if hasattr(window, "extensions") else {}
    if run_dir is not None:
        context["run_dir"] = run_dir
    dialog = ExplainDialog(window.project, window, sample=sample, **context)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
