"""Autosave and crash recovery.

While a project has unsaved changes, :class:`Autosave` writes it every minute (the
``autosave_minutes`` preference; 0 switches it off) to a recovery file in the designer's state folder (``designer.settings.state_dir() /
"recovery"``), never over the project file itself. Each running window holds a
``QLockFile`` for its own recovery files; saving or discarding the changes deletes
them. After a crash or a kill the lock is stale, and the next launch offers to
restore the work (:func:`offer_recovery`): the restored project keeps its original
file name, shows ``*``, and is saved where it came from.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from core.atomic import write_text_atomic
from core.errors import ProjectError
from core.project import Project, rebase_paths, rebase_training
from designer.settings import autosave_minutes, state_dir

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow

MINUTE_MS = 60_000


def recovery_dir() -> Path:
    folder = state_dir() / "recovery"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Recovery:
    """Unsaved work left behind by a window that did not close normally."""

    session: str
    project_file: Path
    meta_file: Path
    lock_file: Path
    original_path: str | None
    name: str
    directory: str
    saved_at: float

    def remove(self) -> None:
        for path in (self.project_file, self.meta_file, self.lock_file):
            path.unlink(missing_ok=True)


class Autosave(QObject):
    """Writes the window's project to its recovery file every ``interval_ms`` while dirty."""

    def __init__(self, window: "MainWindow", interval_ms: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.session = uuid.uuid4().hex[:12]
        folder = recovery_dir()
        self.project_file = folder / f"{self.session}.lfproj"
        self.meta_file = folder / f"{self.session}.json"
        self._lock = QLockFile(str(folder / f"{self.session}.lock"))
        self._lock.setStaleLockTime(0)
        self._lock.tryLock(0)
        self.timer = QTimer(self, interval=MINUTE_MS)
        self.timer.timeout.connect(self.save_now)
        if interval_ms is None:
            self.set_interval_minutes(autosave_minutes())
        else:
            self.timer.start(interval_ms)

    def set_interval_minutes(self, minutes: int) -> None:
        """Write recovery copies every ``minutes`` (0: never; the existing copy stays until saved)."""
        if minutes <= 0:
            self.timer.stop()
        else:
            self.timer.start(int(minutes) * MINUTE_MS)

    def save_now(self) -> bool:
        """Write the recovery copy if there are unsaved changes; remove it if there are none."""
        if not self.window.is_dirty():
            self.discard()
            return False
        project = self.window.project
        write_text_atomic(self.project_file, project.to_json())
        meta = {"session": self.session, "original_path": str(project.path) if project.path else None,
                "name": project.name, "directory": str(project.directory), "saved_at": time.time()}
        write_text_atomic(self.meta_file, json.dumps(meta, indent=2))
        return True

    def discard(self) -> None:
        self.project_file.unlink(missing_ok=True)
        self.meta_file.unlink(missing_ok=True)

    def close(self) -> None:
        """The window closed normally: nothing to recover."""
        self.timer.stop()
        self.discard()
        self._lock.unlock()


def pending_recoveries(own_session: str | None = None) -> list[Recovery]:
    """Recovery files whose window is gone (its lock is stale), newest first."""
    found = []
    for meta_file in recovery_dir().glob("*.json"):
        session = meta_file.stem
        if session == own_session:
            continue
        lock_path = meta_file.with_suffix(".lock")
        lock = QLockFile(str(lock_path))
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):
            continue  # another window is alive and owns it
        lock.unlock()
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        project_file = meta_file.with_suffix(".lfproj")
        if not project_file.is_file():
            meta_file.unlink(missing_ok=True)
            continue
        found.append(Recovery(session, project_file, meta_file, lock_path, meta.get("original_path"),
                              str(meta.get("name") or "Untitled"), str(meta.get("directory") or "."),
                              float(meta.get("saved_at") or project_file.stat().st_mtime)))
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def load_recovery(recovery: Recovery) -> Project:
    """The recovered project, pointing at its original file (data paths still resolve)."""
    text = recovery.project_file.read_text(encoding="utf-8")
    project = Project.from_json(text, path=recovery.original_path)
    if recovery.original_path is None:
        if project.data is not None:
            project.data = rebase_paths(project.data, Path(recovery.directory), project.directory)
        project.training = rebase_training(project.training, Path(recovery.directory), project.directory)
    return project


def offer_recovery(window: "MainWindow") -> bool:
    """Ask about each piece of left-behind work; returns whether one was restored."""
    for recovery in pending_recoveries(window.autosave.session):
        when = time.strftime("%H:%M on %d %b %Y", time.localtime(recovery.saved_at))
        where = recovery.original_path or "a project that was never saved"
        box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                          f"LayerForge did not close normally. Unsaved changes to \"{recovery.name}\""
                          f" were kept at {when}.", parent=window)
        box.setObjectName("recoveryPrompt")
        box.setInformativeText(f"From: {where}\n\nRestore them now? Discarding deletes the"
                               " recovery copy; your project file is unchanged either way.")
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(restore)
        box.exec()
        if box.clickedButton() is not restore:
            recovery.remove()
            continue
        try:
            project = load_recovery(recovery)
        except (OSError, ProjectError) as err:
            from designer.files import show_error

            show_error(window, "Cannot restore", "The recovery copy cannot be opened.", err)
            recovery.remove()
            continue
        window.set_project(project, dirty=True)
        window.autosave.save_now()  # this window's own copy, before the old one goes
        recovery.remove()
        return True
    return False
