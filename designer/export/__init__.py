"""Export and Predict in the designer: an Export menu with two dialogs.

``install(services)`` adds to the window's Export menu (``services.menu("Export")``):

- **Export Model…** (Ctrl+E): :class:`ExportDialog`, a run, a format and a destination;
  the export is verified in a worker thread and the result shown.
- **Predict…**: :class:`PredictDialog`, a run and a CSV file or image folder; the
  predictions appear in a table and can be saved as CSV.
- **Generate Samples…**: :class:`GenerateDialog`, new samples from a variational
  autoencoder's decoder, shown tiled and saved as PNGs or CSV.

Both take the current project from ``services.project()`` when they open and list its
runs, newest first; Browse… picks any run folder. When the training part is installed
(``services.run_context()``), its runs folder is used (unsaved projects train elsewhere
than ``runs/`` beside the file) and the run selected in its Runs panel is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from designer.export.dialog import ExportDialog
from designer.export.generate_view import GenerateDialog
from designer.export.predict_view import PredictDialog

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

__all__ = ["ExportDialog", "GenerateDialog", "PredictDialog", "install"]


def install(services: "Services") -> dict[str, QAction]:
    """Add the Export menu's actions to ``services.window``; returns them by name."""
    window = services.window
    menu = services.menu("Export")
    export = QAction("&Export Model…", window)
    export.setObjectName("actionExportModel")
    export.setShortcut(QKeySequence("Ctrl+E"))
    export.setStatusTip("Export the trained model to ONNX, .pt2, safetensors, Python code or TorchScript")
    export.triggered.connect(lambda: open_export_dialog(services))
    predict = QAction("&Predict…", window)
    predict.setObjectName("actionPredict")
    predict.setStatusTip("Apply the trained model to a CSV file or a folder of images")
    predict.triggered.connect(lambda: open_predict_dialog(services))
    generate = QAction("&Generate Samples…", window)
    generate.setObjectName("actionGenerate")
    generate.setStatusTip("Draw new samples from a trained variational autoencoder or GAN")
    generate.triggered.connect(lambda: open_generate_dialog(services))
    menu.addAction(export)
    menu.addAction(predict)
    menu.addAction(generate)
    return {"export": export, "predict": predict, "generate": generate}


def _open(services: "Services", dialog_class):
    dialog = dialog_class(services.project(), services.window, **services.run_context())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_export_dialog(services: "Services") -> ExportDialog:
    return _open(services, ExportDialog)


def open_predict_dialog(services: "Services") -> PredictDialog:
    return _open(services, PredictDialog)


def open_generate_dialog(services: "Services") -> GenerateDialog:
    return _open(services, GenerateDialog)
