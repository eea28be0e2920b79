"""Loading data through dialogs: a CSV file or a folder of images -> the project's ``data`` dict.

Entry points for the window (the Data menu, a ``.csv`` dropped on the window, the
undo stack): each returns the new ``data`` dict, or ``None`` when the person cancels,
and changes nothing itself. The caller applies it, e.g. as an undoable
``project.set_data(new)`` command.

- :func:`import_csv(parent, project, path=None)`: a native file dialog (skipped when
  ``path`` is given, as for a dropped file), then :class:`CsvImportDialog`.
- :func:`import_image_folder(parent, project, path=None)`: a native folder dialog, then
  :class:`ImageFolderDialog`.
- :func:`edit_data(parent, project)`: the dialog for the project's current CSV file or
  image folder, with its current settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from designer.data.csv_dialog import CsvImportDialog
from designer.data.image_dialog import ImageFolderDialog

__all__ = ["CsvImportDialog", "ImageFolderDialog", "edit_data", "import_csv", "import_image_folder"]

CSV_FILTER = "Tables (*.csv *.tsv *.txt);;All files (*)"


def _base_dir(project) -> Path | None:
    """Paths are written relative to a saved project's folder, absolute otherwise."""
    return project.path.parent if getattr(project, "path", None) else None


def _start_dir(project) -> str:
    data = getattr(project, "data", None) or {}
    if data.get("path") and getattr(project, "path", None):
        return str(project.resolve(data["path"]).parent)
    return str(_base_dir(project) or Path.home())


def _same_kind(project, kind: str, path: Path) -> dict[str, Any] | None:
    """The project's current data settings when they are for this kind (to start from)."""
    data = getattr(project, "data", None)
    if not data or data.get("kind") != kind:
        return None
    if data.get("path") and getattr(project, "path", None) and project.resolve(data["path"]) != path:
        return {k: v for k, v in data.items() if k not in ("path", "target", "features", "ignore",
                                                          "categorical", "numeric", "sequence")}
    return data


def _resolved(parent: QWidget | None, path: str | os.PathLike) -> Path | None:
    """``path`` resolved; a link loop is said in a dialog (and gives None), never a traceback."""
    from core.data.paths import resolve
    from core.errors import DataError

    try:
        return resolve(path)
    except DataError as err:
        QMessageBox.warning(parent, "Cannot load the data", str(err))
        return None


def import_csv(parent: QWidget | None, project, path: str | os.PathLike | None = None) -> dict | None:
    """Choose a CSV file (unless ``path`` is given) and set it up; the new ``data`` dict or None."""
    if path is None:
        path, _filter = QFileDialog.getOpenFileName(parent, "Load a CSV file", _start_dir(project),
                                                    CSV_FILTER)
        if not path:
            return None
    path = _resolved(parent, path)
    if path is None:
        return None
    graph = getattr(project, "graph", None)
    dialog = CsvImportDialog(path, _base_dir(project), _same_kind(project, "csv", path), parent,
                             read_columns=graph.columns_read() if graph is not None else None)
    return dialog.spec() if dialog.exec() == QDialog.DialogCode.Accepted else None


def import_image_folder(parent: QWidget | None, project,
                        path: str | os.PathLike | None = None) -> dict | None:
    """Choose a folder of class sub-folders (unless ``path`` is given); the new ``data`` dict or None."""
    if path is None:
        path = QFileDialog.getExistingDirectory(parent, "Load a folder of images (one sub-folder per class)",
                                                _start_dir(project))
        if not path:
            return None
    path = _resolved(parent, path)
    if path is None:
        return None
    dialog = ImageFolderDialog(path, _base_dir(project), _same_kind(project, "image_folder", path), parent)
    return dialog.spec() if dialog.exec() == QDialog.DialogCode.Accepted else None


def edit_data(parent: QWidget | None, project) -> dict | None:
    """Reopen the dialog for the project's CSV file or image folder; None if it has neither."""
    data = getattr(project, "data", None) or {}
    if data.get("kind") not in ("csv", "image_folder") or not data.get("path"):
        return None
    path = project.resolve(data["path"])
    if data["kind"] == "csv":
        return import_csv(parent, project, path)
    return import_image_folder(parent, project, path)
