"""Choosing a finished training run: the project's ``runs/`` folder, newest first, or any folder.

Reading ``run.json`` is plain JSON (no torch), so the list is filled on the GUI thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QPushButton, QWidget

from core.generative_kind import is_gan_project

USABLE = ("completed", "stopped")


@dataclass
class RunEntry:
    """One run folder and what its ``run.json`` says."""

    path: Path
    status: str
    started: str
    summary: str
    project_name: str = ""
    #: What the run's model reads, in words ("a CSV file with the columns x, y").
    inputs: str = ""

    @property
    def usable(self) -> bool:
        return self.status in USABLE


def read_entry(folder: Path) -> RunEntry | None:
    """The entry of a run folder, or None when it has no readable ``run.json``."""
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(run, dict) or run.get("format") != "layerforge.run":
        return None
    status = str(run.get("status") or "unknown")
    parts = [status]
    if run.get("epochs_completed") is not None:
        done = run["epochs_completed"]
        parts.append(f"{done} epoch{'' if done == 1 else 's'}")
    project = run.get("project") if isinstance(run.get("project"), dict) else {}
    monitor, best = run.get("monitor"), run.get("best") or {}
    if is_gan_project(project):  # a GAN keeps its last epoch: no loss says which one is best
        parts.append("GAN, last epoch kept")
    elif monitor and isinstance(best.get(monitor), (int, float)):
        parts.append(f"best {monitor} {best[monitor]:.4g}")
    if not (folder / "model.safetensors").is_file():
        parts.append("no weights")
        status = "no weights" if status in USABLE else status
    return RunEntry(folder, status, str(run.get("started") or ""), ", ".join(parts),
                    str(project.get("name") or ""), expected_input(run))


def expected_input(run: dict) -> str:
    """What a run's model predicts from, in words, from its ``run.json`` ("" when unknown)."""
    project = run.get("project") if isinstance(run.get("project"), dict) else {}
    data = project.get("data") if isinstance(project.get("data"), dict) else {}
    if data.get("kind") == "image_folder":
        return "an image folder (or one image) like the training images"
    info = (run.get("data") or {}).get("info") if isinstance(run.get("data"), dict) else None
    columns = (info or {}).get("feature_columns") or (info or {}).get("feature_names") or []
    if not columns or not all(isinstance(c, str) for c in columns):
        return ""
    columns = list(dict.fromkeys(columns))  # a one-hot column is several features of one column
    shown = ", ".join(columns[:8]) + (f" and {len(columns) - 8} more" if len(columns) > 8 else "")
    return f"a CSV file with the column{'s' if len(columns) > 1 else ''} {shown}"


def run_problem(entry: RunEntry | None, what: str) -> str | None:
    """Why ``entry`` cannot be used to ``what`` ("be exported", "predict"), or None."""
    if entry is None:
        return ("This project has no training runs yet: train it first, or choose a run folder"
                " with Browse…")
    if not entry.usable:
        return f"{entry.path.name} cannot {what} ({entry.summary}): choose a completed run"
    return None


def runs_folder_of(project) -> Path:
    """Where training puts the project's runs (``runs/`` beside it, or the user's runs folder
    for the shipped examples and unsaved projects: :func:`core.train.rundir.runs_folder`)."""
    from core.train.rundir import runs_folder

    return runs_folder(project.directory if getattr(project, "path", None) else None)


def project_runs(project, folder: Path | None = None) -> list[RunEntry]:
    """The project's runs in ``folder`` (default: :func:`runs_folder_of`), newest first.

    In a folder shared by several projects (not ``runs/`` beside this one) only the runs
    of a project with this project's name are listed.
    """
    folder = Path(folder) if folder is not None else runs_folder_of(project)
    if not folder.is_dir():
        return []
    entries = [e for e in (read_entry(p) for p in folder.iterdir() if p.is_dir()) if e is not None]
    own = getattr(project, "path", None) and folder.resolve() == (Path(project.directory) / "runs").resolve()
    if not own:
        entries = [e for e in entries if e.project_name == project.name]
    return sorted(entries, key=lambda e: (e.started, e.path.name), reverse=True)


class RunPicker(QWidget):
    """A combo of the project's runs (newest first) and a Browse… button for any run folder."""

    changed = Signal()
    problem = Signal(str)  # a chosen folder that is not a run

    def __init__(self, project, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.folder = folder  # where the project's runs are (None: runs/ beside the project)
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(40)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setToolTip("Choose another run folder (runs/<name>-<time>/)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.browse_button)
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.reload()

    def reload(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        for entry in project_runs(self.project, self.folder):
            self._add(entry)
        self.combo.blockSignals(False)
        self.changed.emit()

    def _add(self, entry: RunEntry) -> None:
        self.combo.addItem(f"{entry.path.name}  ({entry.summary})", entry)

    @property
    def entry(self) -> RunEntry | None:
        return self.combo.currentData()

    @property
    def run_dir(self) -> Path | None:
        entry = self.entry
        return entry.path if entry is not None else None

    def select(self, folder: str | Path) -> RunEntry | None:
        """Show ``folder`` (added to the list when it is not there); None if it is not a run."""
        folder = Path(folder).resolve()
        for index in range(self.combo.count()):
            if self.combo.itemData(index).path.resolve() == folder:
                self.combo.setCurrentIndex(index)
                return self.combo.itemData(index)
        entry = read_entry(folder)
        if entry is None:
            return None
        self._add(entry)
        self.combo.setCurrentIndex(self.combo.count() - 1)
        return entry

    def _on_browse_clicked(self) -> None:
        start = str(self.run_dir.parent if self.run_dir else Path(self.project.directory))
        folder = QFileDialog.getExistingDirectory(self, "Choose a training run folder", start)
        if folder and self.select(folder) is None:
            self.problem.emit(f"{folder} is not a training run folder (it has no run.json):"
                              " choose a folder under runs/ beside the project")
