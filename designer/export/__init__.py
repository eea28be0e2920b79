"""Export and Predict in the designer: an Export menu with two dialogs.

``install(window)`` adds to the window's Export menu (``window.menu("Export")``):

- **Export Model…** (Ctrl+E): :class:`ExportDialog`, a run, a format and a destination;
  the export is verified in a worker thread and the result shown.
- **Predict…**: :class:`PredictDialog`, a run and a CSV file or image folder; the
  predictions appear in a table and can be saved as CSV.

Both take the current project from ``window.project`` when they open and list its runs
(``runs/`` beside the project, newest first); Browse… picks any run folder.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from designer.export.dialog import ExportDialog
from designer.export.predict_view import PredictDialog

__all__ = ["ExportDialog", "PredictDialog", "install"]


def install(window) -> dict[str, QAction]:
    """Add the Export menu's actions to ``window``; returns them by name."""
    menu = window.menu("Export")
    export = QAction("&Export Model…", window)
    export.setObjectName("actionExportModel")
    export.setShortcut(QKeySequence("Ctrl+E"))
    export.setStatusTip("Export the trained model to ONNX, .pt2, safetensors, Python code or TorchScript")
    export.triggered.connect(lambda: open_export_dialog(window))
    predict = QAction("&Predict…", window)
    predict.setObjectName("actionPredict")
    predict.setStatusTip("Apply the trained model to a CSV file or a folder of images")
    predict.triggered.connect(lambda: open_predict_dialog(window))
    menu.addAction(export)
    menu.addAction(predict)
    return {"export": export, "predict": predict}


def open_export_dialog(window) -> ExportDialog:
    dialog = ExportDialog(window.project, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_predict_dialog(window) -> PredictDialog:
    dialog = PredictDialog(window.project, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
