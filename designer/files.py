"""The File menu: New (example gallery), Open, Open Recent, Save, Save As, and dropped files.

Nothing is lost: replacing a project with unsaved changes asks Save / Discard /
Cancel first; saving is atomic (``Project.save`` writes through ``core.atomic``); a
file that cannot be opened gets a dialog saying why and where, and the window keeps
what it had open. Every path here ends in ``MainWindow.set_project``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.errors import LayerForgeError, ProjectError
from core.project import SUFFIX, Project, rebase_paths, rebase_training
from core.resources import examples_dir
from designer import settings

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow

FILE_FILTER = f"LayerForge projects (*{SUFFIX})"


def show_error(parent, title: str, summary: str, err: Exception) -> QMessageBox:
    """A warning dialog: ``summary`` in bold, the reason below, every problem under Details."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, summary, QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(str(err))
    problems = getattr(err, "problems", None)
    if problems and len(problems) > 1:
        box.setDetailedText("\n".join(problems))
    box.setObjectName("errorDialog")
    box.exec()
    return box


class FileActions(QObject):
    """The File menu's actions for ``window``."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        menu = window.menu("File")
        self.new_action = self._action("&New…", QKeySequence.StandardKey.New, self.new_project,
                                       "Start from an example network or an empty canvas")
        self.open_action = self._action("&Open…", QKeySequence.StandardKey.Open, self.open_dialog,
                                        "Open a LayerForge project file (.lfproj)")
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.save_action = self._action("&Save", QKeySequence.StandardKey.Save, self.save,
                                        "Save the project (atomically: a crash never leaves half a file)")
        self.save_as_action = self._action("Save &As…", QKeySequence.StandardKey.SaveAs, self.save_as,
                                           "Save the project under a new name")
        menu.addAction(self.new_action)
        menu.addAction(self.open_action)
        menu.addMenu(self.recent_menu)
        menu.addSeparator()
        menu.addAction(self.save_action)
        menu.addAction(self.save_as_action)
        menu.addSeparator()
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, window.close, "Close LayerForge")
        menu.addAction(self.quit_action)

    def _action(self, text: str, shortcut, slot, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(shortcut)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # ------------------------------------------------------------------ asking first
    def confirm_discard(self) -> bool:
        """``True`` when the current project may be replaced (saved, discarded, or unchanged)."""
        if not self.window.is_dirty():
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Save the changes to {self.window.display_name()}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.window)
        box.setObjectName("unsavedPrompt")
        box.setInformativeText("Your changes are lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # ------------------------------------------------------------------ opening
    def new_project(self) -> bool:
        from designer.gallery import NewProjectDialog

        if not self.confirm_discard():
            return False
        dialog = NewProjectDialog(self.window)
        if not dialog.exec() or dialog.chosen is None:
            return False
        return self.open_as_copy(dialog.chosen) if dialog.chosen else self._start_empty()

    def _start_empty(self) -> bool:
        self.window.set_project(Project("Untitled"))
        return True

    def open_as_copy(self, path: str | Path) -> bool:
        """Open ``path`` as a new untitled project (a template: saving asks where)."""
        try:
            project = Project.load(path)
        except ProjectError as err:
            show_error(self.window, "Cannot open example", f"{Path(path).name} cannot be opened.", err)
            return False
        source_dir = Path(path).resolve().parent
        copy_ = Project(project.name, project.graph, None,
                        rebase_training(project.training, source_dir, Path.cwd()), project.description,
                        project.extra)
        if project.data is not None:
            copy_.data = rebase_paths(copy.deepcopy(project.data), source_dir, copy_.directory)
        self.window.set_project(copy_)
        return True

    def open_dialog(self) -> bool:
        if not self.confirm_discard():
            return False
        dialog = QFileDialog(self.window, "Open project", settings.last_directory(), FILE_FILTER)
        dialog.setObjectName("openDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        if not dialog.exec() or not dialog.selectedFiles():
            return False
        return self.open_path(dialog.selectedFiles()[0], confirm=False)

    def open_path(self, path: str | Path, confirm: bool = True) -> bool:
        """Open a project file; on failure say why and keep the current project."""
        if confirm and not self.confirm_discard():
            return False
        try:
            project = Project.load(path)
        except ProjectError as err:
            show_error(self.window, "Cannot open project", f"{Path(path).name} cannot be opened.", err)
            return False
        self.window.set_project(project)
        settings.add_recent_file(project.path)
        if project.migration_notes:  # an older file: say what changed; saving writes the new format
            self.window.statusBar().showMessage(
                "Updated from an older LayerForge: " + "; ".join(project.migration_notes), 15000)
        return True

    def open_dropped(self, paths: list[str]) -> bool:
        """Open the first dropped ``.lfproj`` file; other files are ignored for now."""
        projects = [p for p in paths if p.lower().endswith(SUFFIX)]
        return self.open_path(projects[0]) if projects else False

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = settings.recent_files()
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setStatusTip(path)
            action.setToolTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not files:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
            return
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear list", settings.clear_recent_files)

    # ------------------------------------------------------------------ saving
    def save(self) -> bool:
        """Save to the project's file; an untitled project, or a shipped example, asks where."""
        project = self.window.project
        if project.path is None or is_example(project.path):
            return self.save_as()
        return self._write(project.path)

    def save_as(self) -> bool:
        project = self.window.project
        if project.path and not is_example(project.path):
            start = str(project.path)
        else:  # examples are templates: a copy goes where the person's own files are
            start = str(Path(settings.last_directory()) / (_file_stem(project.name) + SUFFIX))
        dialog = QFileDialog(self.window, "Save project as", start, FILE_FILTER)
        dialog.setObjectName("saveDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix(SUFFIX.lstrip("."))
        if not dialog.exec() or not dialog.selectedFiles():
            return False
        path = Path(dialog.selectedFiles()[0])
        if path.suffix.lower() != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        return self._write(path)

    def _write(self, path: Path) -> bool:
        try:
            self.window.project.save(path)
        except (OSError, LayerForgeError) as err:
            reason = err if isinstance(err, LayerForgeError) else ProjectError(
                f"{path} cannot be written: {getattr(err, 'strerror', None) or err}")
            show_error(self.window, "Cannot save project", f"{Path(path).name} was not saved.", reason)
            return False
        self.window.mark_saved()
        settings.add_recent_file(path)
        self.window.statusBar().showMessage(f"Saved {path}", 4000)
        return True


def is_example(path: str | Path) -> bool:
    """Whether ``path`` is one of the examples shipped with LayerForge (never overwritten)."""
    return Path(path).resolve().parent == examples_dir().resolve()


def _file_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_ " else "_" for c in name).strip().replace(" ", "_")
    return stem.lower() or "untitled"
