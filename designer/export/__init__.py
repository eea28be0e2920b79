"""Export and Predict in the designer: an Export menu with two dialogs.

``install(window)`` adds to the window's Export menu (``window.menu("Export")``):

- **Export Model…** (Ctrl+E): :class:`ExportDialog`, a run, a format and a destination;
  the export is verified in a worker thread and the result shown.
- **Predict…**: :class:`PredictDialog`, a run and a CSV file or image folder; the
  predictions appear in a table and can be saved as CSV.
- **Generate Samples…**: :class:`GenerateDialog`, new samples from a variational
  autoencoder's decoder, shown tiled and saved as PNGs or CSV.

Both take the current project from ``window.project`` when they open and list its runs,
newest first; Browse… picks any run folder. When the training part is installed
(``window.extensions``), its runs folder is used (unsaved projects train elsewhere than
``runs/`` beside the file) and the run selected in its Runs panel is chosen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from designer.export.dialog import ExportDialog
from designer.export.generate_view import GenerateDialog
from designer.export.predict_view import PredictDialog

__all__ = ["ExportDialog", "GenerateDialog", "PredictDialog", "install"]


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
    generate = QAction("&Generate Samples…", window)
    generate.setObjectName("actionGenerate")
    generate.setStatusTip("Draw new samples from a trained variational autoencoder or GAN")
    generate.triggered.connect(lambda: open_generate_dialog(window))
    menu.addAction(export)
    menu.addAction(predict)
    menu.addAction(generate)
    return {"export": export, "predict": predict, "generate": generate}


def _training(window):
    """The training part's controller, when the window has one (duck-typed: optional)."""
    extensions = getattr(window, "extensions", None) or {}
    return next((part for name, part in extensions.items() if name.startswith("designer.training")), None)


def run_context(window) -> dict:
    """Where the current project's runs are and which run to show first."""
    training = _training(window)
    context: dict = {}
    folder = getattr(training, "runs_folder", None)
    if callable(folder):
        context["runs_folder"] = folder()
    history = getattr(training, "history", None)
    selected = history.selected_runs() if history is not None and hasattr(history, "selected_runs") else []
    if selected:
        context["run_dir"] = selected[0].path
    return context


def open_export_dialog(window) -> ExportDialog:
    dialog = ExportDialog(window.project, window, **run_context(window))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_predict_dialog(window) -> PredictDialog:
    dialog = PredictDialog(window.project, window, **run_context(window))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_generate_dialog(window) -> GenerateDialog:
    dialog = GenerateDialog(window.project, window, **run_context(window))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
