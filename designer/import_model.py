"""File ▸ Import Model… and model files dropped on the window: an ONNX, .pt2 or .py model as a project.

The person chooses the model (a real file dialog), is told plainly that a ``.py`` file's
code will run (in a separate Python process) before anything runs, and chooses where the
project goes. The import itself (:func:`core.importers.api.import_model`: conversion,
verification, writing) runs in a worker thread; the window stays usable and its status bar
says what is happening. On success the new project opens; on failure a message box gives
the one sentence (every detail under Details) and the canvas keeps what it had. A model
whose input sizes are not fixed asks for the shape of one sample and tries again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

from core.importers.errors import ImportModelError
from designer import settings

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

SUFFIXES = (".onnx", ".pt2", ".py")
MODEL_FILTER = ("Models (*.onnx *.pt2 *.py);;ONNX models (*.onnx);;PyTorch exported programs (*.pt2);;"
                "Python files with an nn.Module (*.py)")
PROJECT_FILTER = "LayerForge projects (*.lfproj)"


class _NeedsShape:
    """What the worker hands back when the model's input sizes are not fixed."""

    def __init__(self, message: str) -> None:
        self.message = message


class ImportController(QObject):
    """The Import Model action, the drop handler and the import running in the background."""

    #: Emitted with the project path after an import opened, or with "" when it failed.
    import_finished = Signal(str)

    def __init__(self, services: "Services") -> None:
        super().__init__(services.window)
        self.services = services
        self.window = window = services.window  # the parent of its dialogs
        self.task = None
        self.last_error: str = ""
        self.action = QAction("&Import Model…", window)
        self.action.setObjectName("importModelAction")
        self.action.setStatusTip("Import an ONNX, .pt2 (torch.export) or .py (nn.Module) model with"
                                 " its weights as a new project")
        self.action.triggered.connect(lambda _checked=False: self.choose_and_import())
        menu = services.menu("File")
        before = services.files.save_action if services.files is not None else None
        if before is not None and before in menu.actions():
            menu.insertAction(before, self.action)
            menu.insertSeparator(before)
        else:
            menu.addAction(self.action)
        services.drop_handlers.append(self.open_dropped)

    # ------------------------------------------------------------------ starting
    def choose_and_import(self) -> bool:
        """Ask for a model file, then import it."""
        if not self.services.files.confirm_discard():
            return False
        dialog = QFileDialog(self.window, "Import model", settings.last_directory(), MODEL_FILTER)
        dialog.setObjectName("importModelDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        if not dialog.exec() or not dialog.selectedFiles():
            return False
        return self.start(Path(dialog.selectedFiles()[0]), confirmed=True)

    def open_dropped(self, paths: list[str]) -> bool:
        """A model file dropped on the window: import the first one."""
        models = [Path(p) for p in paths if Path(p).suffix.lower() in SUFFIXES and Path(p).is_file()]
        if not models:
            return False
        self.start(models[0])
        return True

    def start(self, model: Path, *, confirmed: bool = False, input_shape=None,
              project: Path | None = None) -> bool:
        """Ask what must be asked (running code, where to save), then import in the background."""
        if self.running:
            self.services.status_bar.showMessage("An import is already running", 4000)
            return False
        if not confirmed and not self.services.files.confirm_discard():
            return False
        if project is None:
            if model.suffix.lower() == ".py" and not self._allow_code(model):
                return False
            project = self._ask_project_path(model)
            if project is None:
                return False
        return self._run(model, project, input_shape)

    def _allow_code(self, model: Path) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, "Run this file's code?",
                          f"Importing {model.name} runs its Python code.",
                          QMessageBox.StandardButton.Cancel, self.window)
        box.setObjectName("runCodePrompt")
        box.setInformativeText(
            "LayerForge imports the file in a separate Python process, builds its nn.Module and"
            " runs it on random inputs to convert it. The code can do anything your account can"
            " do: import only files you trust.")
        run = box.addButton("Run and Import", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is run

    def _ask_project_path(self, model: Path) -> Path | None:
        start = model.with_suffix(".lfproj")
        if not _writable(model.parent):
            start = Path(settings.last_directory()) / start.name
        dialog = QFileDialog(self.window, "Save the imported project as", str(start), PROJECT_FILTER)
        dialog.setObjectName("importSaveDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix("lfproj")
        if not dialog.exec() or not dialog.selectedFiles():
            return None
        path = Path(dialog.selectedFiles()[0])
        return path if path.suffix.lower() == ".lfproj" else path.with_name(path.name + ".lfproj")

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.task is not None and self.task.running

    def _run(self, model: Path, project: Path, input_shape) -> bool:
        from designer.data.tasks import BackgroundTask

        def work(progress, cancel):
            from core.importers.api import import_model

            try:
                return import_model(model, project, input_shape=input_shape, overwrite=True,
                                    progress=progress, cancel=cancel)
            except ImportModelError as err:  # handed back whole: its details go under Details
                return _NeedsShape(str(err)) if err.needs_input_shape else err

        self.task = BackgroundTask(work, name="import-model", parent=self)
        self.task.progress.connect(self._on_progress)
        self.task.finished.connect(lambda result: self._on_finished(model, project, result))
        self.task.failed.connect(lambda message: self._on_failed(model, message))
        self.task.cancelled.connect(self._on_cancelled)
        self.action.setEnabled(False)
        self.services.set_activity(f"Importing {model.name}…")
        self.task.start()
        return True

    def _done(self) -> None:
        self.action.setEnabled(True)
        self.services.set_activity(None)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.services.status_bar.showMessage(f"Importing: {message} ({fraction:.0%})")

    def _on_finished(self, model: Path, project: Path, result) -> None:
        self._done()
        if isinstance(result, ImportModelError):
            self._show_failure(model, result)
            return
        if isinstance(result, _NeedsShape):
            shape = self._ask_shape(model, result.message)
            if shape is not None:
                self._run(model, project, shape)
            else:
                self.import_finished.emit("")
            return
        self.services.status_bar.clearMessage()
        opened = self.services.files.open_path(result.project_path, confirm=True)
        d = result.difference
        if opened:
            self.services.status_bar.showMessage(
                f"Imported {model.name}: {result.layers} layers, verified against the original"
                f" (max difference {d.absolute:.1e}); weights in {result.run_dir.name}", 15000)
        self.import_finished.emit(str(result.project_path) if opened else "")

    def _ask_shape(self, model: Path, message: str):
        from core.importers.onnx_file import parse_shape

        dialog = QInputDialog(self.window)
        dialog.setObjectName("inputShapeDialog")
        dialog.setWindowTitle("Input shape")
        dialog.setLabelText(f"{message}.\n\nShape of one sample of {model.name}, without the batch"
                            " (e.g. 3,224,224):")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        while dialog.exec():
            try:
                return parse_shape(dialog.textValue())
            except ImportModelError as err:
                dialog.setLabelText(f"{err}.\n\nShape of one sample of {model.name}, without the"
                                    " batch (e.g. 3,224,224):")
        return None

    def _on_failed(self, model: Path, message: str) -> None:
        self._done()
        self._show_failure(model, ImportModelError(message))

    def _show_failure(self, model: Path, err: ImportModelError) -> None:
        from designer.files import show_error

        self.services.status_bar.clearMessage()
        self.last_error = str(err)
        show_error(self.window, "Cannot import model", f"{model.name} was not imported.", err)
        self.import_finished.emit("")

    def _on_cancelled(self) -> None:
        self._done()
        self.services.status_bar.showMessage("Import cancelled", 4000)
        self.import_finished.emit("")


def _writable(folder: Path) -> bool:
    import os

    return folder.is_dir() and os.access(folder, os.W_OK)


def install(services: "Services") -> ImportController:
    """Add File ▸ Import Model… and the drop handler for model files (an ``EXTENSIONS`` entry)."""
    return ImportController(services)
