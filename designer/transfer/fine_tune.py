"""Train ▸ Fine-tune from a Run…: start from an earlier run's weights, with the backbone frozen.

Pick a run (this project's or any run folder); a worker works out, layer by layer, which
weights load (same node id and shape) and which start fresh, e.g. a new head for other
classes (:func:`core.transfer.layer_matches`, reading only the file's header). Apply sets
``training.init_from`` to the run and, when asked, freezes the layers whose weights all
load except the Outputs, in one undo step. With the backbone frozen, "then unfreeze them at
epoch N with the learning rate × f" (on by default, :mod:`designer.transfer.two_stage`)
lets the whole network fine-tune in the same run; or unfreeze later by hand (the card's
lock, Ctrl+Shift+K).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from designer.data.messages import MessageLabel
from designer.data.tasks import BackgroundTask, ProgressRow
from designer.export.runs import RunPicker, run_problem
from designer.style import Colors
from designer.training.commands import SetTraining
from designer.transfer.two_stage import TwoStageRow

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services


def match_job(project_json: str, project_path: str | None, run_dir: Path, progress, cancel):
    """The worker's job: the per-layer matches of a copy of the project against ``run_dir``."""
    from core.project import Project
    from core.transfer import layer_matches

    progress(0.2, "comparing the layers with the run's weights")
    project = Project.from_dict(json.loads(project_json), path=project_path)
    return layer_matches(project, run_dir)


def init_from_text(run_dir: Path, project_dir: Path | None) -> str:
    """The run as ``training.init_from`` says it: relative to the project's folder when inside it."""
    run_dir = Path(run_dir).resolve()
    if project_dir is not None:
        try:
            return Path(os.path.relpath(run_dir, Path(project_dir).resolve())).as_posix() \
                if run_dir.is_relative_to(Path(project_dir).resolve()) else str(run_dir)
        except ValueError:  # another drive (Windows)
            pass
    return str(run_dir)


class FineTuneDialog(QDialog):
    """Choose the run to start from, see what loads, apply."""

    def __init__(self, services: "Services", run_dir: str | Path | None = None,
                 runs_folder: Path | None = None) -> None:
        super().__init__(services.window)
        self.setWindowTitle("Fine-tune from a run")
        self.setObjectName("fineTuneDialog")
        self.services = services
        self.project = services.project()
        self.matches = None
        self.task: BackgroundTask | None = None
        self.runs = RunPicker(self.project, folder=runs_folder)
        form = QFormLayout()
        form.addRow("Start from:", self.runs)
        intro = QLabel(f"<span style='color:{Colors.text_dim}'>Layers with the same name and shape"
                       " take the run's weights; the others (a new head for other classes) start"
                       " fresh. Freezing the backbone trains only the head: fast and safe with"
                       " little data. Unfreezing it later, at a smaller learning rate, fine-tunes"
                       " everything.</span>")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("layerMatches")
        self.table.setHorizontalHeaderLabels(["Layer", "Type", "Weights"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.freeze = QCheckBox("Freeze the layers whose weights all load (the backbone); the head trains")
        self.freeze.setChecked(True)
        self.two_stage = TwoStageRow(self.project.training or {})
        self.freeze.toggled.connect(self.two_stage.set_available)
        self.progress = ProgressRow()
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.addButton("Fine-tune from This Run",
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.freeze)
        layout.addWidget(self.two_stage)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(760, 520)
        self.runs.changed.connect(self._on_run_changed)
        self.runs.problem.connect(self.message.show_error)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        if run_dir is not None:
            self.runs.select(run_dir)
        self._on_run_changed()

    # ------------------------------------------------------------------ matching
    def _on_run_changed(self) -> None:
        self.matches = None
        self.table.setRowCount(0)
        self.apply_button.setEnabled(False)
        entry = self.runs.entry
        problem = run_problem(entry, "fine-tune from")
        if problem:
            self.message.show_error(problem)
            return
        self.message.show_notes([])
        path = str(self.project.path) if self.project.path else None
        task = BackgroundTask(lambda progress, cancel: match_job(self.project.to_json(), path,
                                                                  entry.path, progress, cancel),
                              "fine-tune", self)
        task.finished.connect(lambda matches, t=task: self._on_matched(t, matches))
        task.failed.connect(lambda text, t=task: self._on_failed(t, text))
        self.task = task
        self.progress.follow(task, "Comparing layers…")
        task.start()

    def _on_matched(self, task, matches) -> None:
        if task is not self.task:
            return  # an older run's answer
        from core.transfer import FRESH, LOADS

        self.matches = matches
        colours = {LOADS: Colors.shape_text, FRESH: Colors.warning}
        self.table.setRowCount(len(matches))
        for row, match in enumerate(matches):
            status = QTableWidgetItem(f"{match.status}: {match.detail}")
            status.setForeground(QColor(colours.get(match.status, Colors.text)))
            status.setToolTip(match.detail)
            for column, item in enumerate((QTableWidgetItem(match.node_id), QTableWidgetItem(match.type), status)):
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        loads = sum(m.status == LOADS for m in matches)
        if not loads:
            self.message.show_error("No layer of this network has the same name and shape as in that"
                                    " run: nothing would load. Choose a run of a similar network.")
        else:
            self.message.show_note(f"{loads} of {len(matches)} layers with weights load from"
                                   f" {self.runs.run_dir.name}.")
        self.apply_button.setEnabled(bool(loads))

    def _on_failed(self, task, text: str) -> None:
        if task is self.task:
            self.message.show_error(text)

    # ------------------------------------------------------------------ applying
    def apply(self) -> None:
        """Set ``training.init_from``, freeze the backbone and (two-stage) when to unfreeze it,
        as one undo step."""
        from core.transfer import backbone

        if not self.matches:
            return
        services, project = self.services, self.project
        source = init_from_text(self.runs.run_dir, project.path.parent if project.path else None)
        frozen = backbone(self.matches, project.graph) if self.freeze.isChecked() else []
        stack = services.undo_stack
        stack.beginMacro(f"Fine-tune from {self.runs.run_dir.name}")
        try:
            training = self.two_stage.settings({**project.training, "init_from": source}, bool(frozen))
            stack.push(SetTraining(project, training, "init_from"))
            services.editor.set_frozen(frozen, True)
        finally:
            stack.endMacro()
        unfreeze = training.get("unfreeze_at_epoch")
        services.status_bar.showMessage(
            f"Training starts from {self.runs.run_dir.name}"
            + (f"; {len(frozen)} layers frozen" if frozen else "")
            + (f" until epoch {unfreeze}" if frozen and unfreeze else ""), 8000)
        self.accept()

    def done(self, code: int) -> None:  # noqa: D401 - Qt's name
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.task.wait(1.0)
        super().done(code)
