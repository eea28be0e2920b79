"""The Export dialog: a run, a format, a destination; export and verify off the GUI thread.

The export runs in a worker thread (:class:`designer.data.tasks.BackgroundTask`): the
GUI thread never imports torch or runs a kernel. When it ends the dialog shows whether
the file verified, the largest difference from the in-app model and where it is, or
the sentence that says why it failed (nothing is saved then).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from core.export.formats import DEFAULT_FORMAT, EXPORT_FORMATS, FORMATS, TOLERANCE, default_path
from core.export.heads import ALL, ALL_HEADS_FORMATS, PRIMARY, run_heads, run_primary_head
from core.export.parts import PART_FORMATS, PARTS, available_parts
from designer.data.messages import MessageLabel
from designer.data.tasks import BackgroundTask, ProgressRow
from designer.export.runs import RunPicker, run_problem
from designer.style import Colors


def run_export(run_dir: Path, fmt: str, out: Path, progress, cancel, part: str | None = None,
               heads: str = PRIMARY):
    """The worker's job (imports torch there, never on the GUI thread)."""
    from core.export.exporter import export_run

    return export_run(run_dir, fmt, out, progress, cancel, part=part, heads=heads)[0]


class HeadsChoice(QComboBox):
    """The primary head (what predict uses) or every head, one output per Output; shown only
    for runs whose network has several Outputs (core/export/heads.py)."""

    def set_heads(self, names: list[str], primary: str) -> None:
        current = self.heads
        self.blockSignals(True)
        self.clear()
        if names:
            self.addItem(f"The primary head '{primary}' (what predictions use)", PRIMARY)
            self.addItem(f"All heads: one output per Output ({', '.join(names)})", ALL)
        self.setCurrentIndex(max(self.findData(current), 0))
        self.blockSignals(False)

    @property
    def heads(self) -> str:
        return self.currentData() or PRIMARY


class PartChoice(QComboBox):
    """The whole network, or one part of it alone (a VAE's decoder or encoder); shown only
    for runs that have parts."""

    WHOLE = "whole"

    def set_parts(self, parts: list[str]) -> None:
        current = self.part
        self.blockSignals(True)
        self.clear()
        self.addItem("The whole network", self.WHOLE)
        for name in parts:
            self.addItem(f"The {name} alone: {PARTS[name]}", name)
        index = self.findData(current if current in parts else self.WHOLE)
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)

    @property
    def part(self) -> str | None:
        data = self.currentData()
        return None if data in (None, self.WHOLE) else data


class FormatChoice(QWidget):
    """One radio button per format with its one-line description; deprecated ones say so."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for fmt in EXPORT_FORMATS:
            button = QRadioButton(fmt.title)
            button.setObjectName(f"format_{fmt.name}")
            self.group.addButton(button)
            self.buttons[fmt.name] = button
            text = html.escape(fmt.description)
            if fmt.deprecated:
                text += f" <span style='color:{Colors.warning}'>{html.escape(fmt.deprecated)}.</span>"
            description = QLabel(f"<span style='color:{Colors.text_dim}'>{text}</span>")
            description.setWordWrap(True)
            description.setTextFormat(Qt.TextFormat.RichText)
            description.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(button)
            layout.addWidget(description)
        self.buttons[DEFAULT_FORMAT].setChecked(True)

    @property
    def name(self) -> str:
        return next(name for name, button in self.buttons.items() if button.isChecked())

    def set_name(self, name: str) -> None:
        self.buttons[name].setChecked(True)


class ExportDialog(QDialog):
    """Export a run of ``project`` to one format, verified before it is saved."""

    def __init__(self, project, parent: QWidget | None = None, run_dir: str | Path | None = None,
                 runs_folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export the trained model")
        self.setObjectName("exportDialog")
        self.project = project
        self.result = None  # the last ExportResult
        self.task: BackgroundTask | None = None
        self._edited = False  # the person typed or chose a destination themselves

        self.runs = RunPicker(project, folder=runs_folder)
        self.formats = FormatChoice()
        self.parts = PartChoice()
        self.parts.setObjectName("exportPart")
        self.parts_label = QLabel("Export:")
        self.heads = HeadsChoice()
        self.heads.setObjectName("exportHeads")
        self.heads_label = QLabel("Heads:")
        self.destination = QLineEdit()
        self.destination.setObjectName("destination")
        self.choose_button = QPushButton("Choose…")
        destination_row = QHBoxLayout()
        destination_row.addWidget(self.destination, 1)
        destination_row.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow("Trained run:", self.runs)
        form.addRow(self.parts_label, self.parts)
        form.addRow(self.heads_label, self.heads)
        form.addRow("Format:", self.formats)
        form.addRow("Save to:", destination_row)
        self.verify_note = QLabel(
            f"<span style='color:{Colors.text_dim}'>After writing, the file is loaded back with its"
            " own runtime and compared with the model in LayerForge on validation data; more than"
            f" {TOLERANCE:g} relative difference fails and nothing is saved.</span>")
        self.verify_note.setWordWrap(True)
        self.progress = ProgressRow()
        self.message = MessageLabel()
        self.message.setObjectName("exportMessage")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.verify_note)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(680, 560)

        self.runs.changed.connect(self._on_choice_changed)
        self.runs.problem.connect(self.message.show_error)
        self.formats.group.buttonToggled.connect(lambda *_args: self._on_choice_changed())
        self.parts.currentIndexChanged.connect(lambda *_args: self._on_choice_changed())
        self.heads.currentIndexChanged.connect(lambda *_args: self._on_choice_changed())
        self.destination.textEdited.connect(self._on_destination_edited)
        self.choose_button.clicked.connect(self._on_choose_clicked)
        self.export_button.clicked.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        if run_dir is not None:
            self.runs.select(run_dir)
        self._on_choice_changed()

    # ------------------------------------------------------------------ choices
    def _on_choice_changed(self) -> None:
        entry = self.runs.entry
        self._show_parts()
        if not self._edited:
            self.destination.setText(str(self.default_destination()) if entry else "")
            self.destination.setCursorPosition(0)
        problem = run_problem(entry, "be exported")
        if problem:
            self.message.show_error(problem)
        else:
            self.message.show_notes([])
        self._update_buttons()

    def default_destination(self) -> Path:
        run = self.runs.run_dir
        part = self.parts.part
        name = self.project_name() + (f" {part}" if part else "")
        return default_path(run / "export", name, FORMATS[self.formats.name])

    def _run_project(self) -> dict:
        import json

        try:
            run = json.loads((self.runs.run_dir / "run.json").read_text(encoding="utf-8"))
            return run["project"] if isinstance(run.get("project"), dict) else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def project_name(self) -> str:
        name = self._run_project().get("name")
        return name if isinstance(name, str) else self.project.name

    def _show_parts(self) -> None:
        """The part row for runs with parts; a part limits the formats to ONNX and .pt2."""
        parts = available_parts(self._run_project()) if self.runs.entry else []
        self.parts.set_parts(parts)
        self.parts.setVisible(bool(parts))
        self.parts_label.setVisible(bool(parts))
        self._show_heads()
        only = (PART_FORMATS if self.parts.part
                else ALL_HEADS_FORMATS if self.heads.heads == ALL else None)
        for name, button in self.formats.buttons.items():
            button.setEnabled(only is None or name in only)
        if only is not None and self.formats.name not in only:
            self.formats.set_name(only[0])

    def _show_heads(self) -> None:
        """The heads row for runs whose network has several Outputs (and no part chosen)."""
        project = self._run_project() if self.runs.entry and not self.parts.part else {}
        names = run_heads(project)
        several = len(names) >= 2
        self.heads.set_heads(names if several else [], run_primary_head(project) or "")
        self.heads.setVisible(several)
        self.heads_label.setVisible(several)

    def _on_destination_edited(self, _text: str) -> None:
        self._edited = True
        self._update_buttons()

    def _on_choose_clicked(self) -> None:
        fmt = FORMATS[self.formats.name]
        current = self.destination.text() or str(self.default_destination())
        if fmt.folder:
            folder = QFileDialog.getExistingDirectory(self, "Choose the folder to create the code in",
                                                      str(Path(current).parent))
            chosen = str(Path(folder) / Path(current).name) if folder else ""
        else:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, f"Save the {fmt.title} export", current, f"{fmt.title} (*{fmt.suffix});;All files (*)")
        if chosen:
            self._edited = True
            self.destination.setText(chosen)
        self._update_buttons()

    def _update_buttons(self) -> None:
        entry = self.runs.entry
        busy = self.task is not None and not self.task.done
        self.export_button.setEnabled(bool(entry and entry.usable and self.destination.text().strip()
                                           and not busy))
        for widget in (self.runs, self.formats, self.heads, self.destination, self.choose_button):
            widget.setEnabled(not busy)

    # ------------------------------------------------------------------ exporting
    def start_export(self) -> None:
        run_dir, fmt, part, heads = self.runs.run_dir, self.formats.name, self.parts.part, self.heads.heads
        out = Path(self.destination.text().strip()).expanduser()
        if out.exists() and not self._replace_confirmed(out):
            return
        self.message.show_notes([])
        self.task = BackgroundTask(
            lambda progress, cancel: run_export(run_dir, fmt, out, progress, cancel, part, heads),
            "export", self)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(self._on_cancelled)
        self.progress.follow(self.task, f"Exporting {FORMATS[fmt].title}…")
        self.task.start()
        self._update_buttons()

    def _replace_confirmed(self, out: Path) -> bool:
        """Ask before an export replaces something already there (the CLI wants --overwrite)."""
        what = "folder" if out.is_dir() else "file"
        answer = QMessageBox.question(
            self, "Replace it?", f"{out} already exists. Replace this {what} with the export?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _on_finished(self, result) -> None:
        self.result = result
        if result.ok:
            d = result.difference
            text = (f"Verified: the largest difference from the model in LayerForge is {d.absolute:.2e}"
                    f" (relative {d.relative:.2e}) on {result.checked_on}. Saved to {result.path}.")
            for note in result.notes:
                text += f" Note: {note}."
            self.message.setText(f"<span style='color:{Colors.shape_text}'>✔ {html.escape(text)}</span>")
            self.message.is_error, self.message.plain = False, text
            self.message.setVisible(True)
        else:
            self.message.show_error(f"Export failed: {result.error}.")
        self._update_buttons()

    def _on_failed(self, text: str) -> None:
        self.message.show_error(text)
        self._update_buttons()

    def _on_cancelled(self) -> None:
        self.message.show_note("Export cancelled: nothing was saved.")
        self._update_buttons()

    def done(self, code: int) -> None:  # noqa: D401 - Qt's name
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.task.wait(1.0)  # it stops at its next step and removes its staging folder
        super().done(code)
