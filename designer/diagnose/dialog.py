"""The Diagnose window: choose experiments, run them in a worker, read each verdict and curve."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFrame, QLabel, QScrollArea,
                               QVBoxLayout, QWidget)

from core.diagnose import DIAGNOSES
from designer.data.messages import MessageLabel
from designer.data.tasks import BackgroundTask, ProgressRow
from designer.style import Colors

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services


def diagnose_job(project_json: str, project_path: str | None, names: list[str], folder: Path | None,
                 progress, cancel):
    """The worker's job: run the experiments on a copy of the project; save them when ``folder``."""
    from core.diagnose import run_all
    from core.diagnose.base import save
    from core.project import Project

    project = Project.from_dict(json.loads(project_json), path=project_path)
    results = run_all(project, names, progress, cancel)
    saved = None
    if folder is not None:
        try:
            saved = save(results, folder)
        except OSError:
            saved = None  # the verdicts still show; only the copy on disk is missing
    return results, saved


class ResultCard(QFrame):
    """One experiment's verdict (coloured by pass / note) and its curve."""

    def __init__(self, result, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = result
        self.setObjectName(f"diagnosis_{result.name}")
        colour = Colors.ok if result.status == "pass" else Colors.warning
        mark = "✓" if result.status == "pass" else "▲"
        self.verdict = QLabel(f"<b style='color:{colour}'>{mark} {result.title}</b><br>{result.verdict}")
        self.verdict.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setFixedHeight(190)
        self.plot.setLogMode(x=result.log_x, y=False)
        self.plot.setLabel("bottom", result.x_label)
        self.plot.setLabel("left", result.y_label)
        if len(result.curves) > 1:
            self.plot.addLegend(offset=(-10, 10))
        palette = (Colors.selected, Colors.warning, Colors.ok)
        self.lines = []
        for i, curve in enumerate(result.curves):
            symbol = "o" if len(curve.x) < 8 else None
            self.lines.append(self.plot.plot(curve.x, curve.y, name=curve.label, symbol=symbol,
                                             pen=pg.mkPen(palette[i % 3], width=2),
                                             symbolBrush=palette[i % 3]))
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.plot)


class DiagnoseDialog(QDialog):
    def __init__(self, services: "Services") -> None:
        super().__init__(services.window)
        self.setWindowTitle("Diagnose the design")
        self.setObjectName("diagnoseDialog")
        self.services = services
        self.results = None
        self.saved: Path | None = None
        self.task: BackgroundTask | None = None
        intro = QLabel("Short trainings on the project's own data, each answering one question."
                       " They write no run; the verdicts also appear in the Problems panel.")
        intro.setWordWrap(True)
        self.choices: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for spec in DIAGNOSES:
            box = QCheckBox(f"{spec.title} — {spec.question}")
            box.setChecked(True)
            box.toggled.connect(self._update)
            self.choices[spec.name] = box
            layout.addWidget(box)
        self.progress = ProgressRow()
        self.message = MessageLabel()
        self.cards = QWidget()
        self.cards_layout = QVBoxLayout(self.cards)
        self.cards_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.cards)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.run_button = self.buttons.addButton("Run", QDialogButtonBox.ButtonRole.ActionRole)
        self.run_button.setDefault(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 760)
        self.run_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        problem = self._problem()
        if problem:
            self.message.show_error(problem)
        self._update()

    def _problem(self) -> str | None:
        analysis = self.services.analysis
        if self.services.project().data is None:
            return "Load data first (Data menu): the experiments train on the project's own data."
        return analysis.blocking_problem() if analysis is not None else None

    def _update(self) -> None:
        busy = self.task is not None and not self.task.done
        chosen = any(box.isChecked() for box in self.choices.values())
        self.run_button.setEnabled(chosen and not busy and self._problem() is None)
        for box in self.choices.values():
            box.setEnabled(not busy)

    def start(self) -> None:
        project = self.services.project()
        names = [name for name, box in self.choices.items() if box.isChecked()]
        runs = self.services.run_context().get("runs_folder")
        if runs is None and project.path is not None:
            runs = project.path.parent / "runs"
        folder = Path(runs) / f"diagnose-{time.strftime('%Y%m%d-%H%M%S')}" if runs is not None else None
        path = str(project.path) if project.path else None
        text = project.to_json()
        self.message.show_notes([])
        self.task = BackgroundTask(
            lambda progress, cancel: diagnose_job(text, path, names, folder, progress, cancel),
            "diagnose", self)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(lambda: (self.message.show_note("Cancelled."), self._update()))
        self.progress.follow(self.task, "Diagnosing…")
        self.task.start()
        self._update()

    def _on_finished(self, outcome) -> None:
        self.results, self.saved = outcome
        while self.cards_layout.count() > 1:
            item = self.cards_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for i, result in enumerate(self.results):
            self.cards_layout.insertWidget(i, ResultCard(result))
        if self.services.problems is not None:
            self.services.problems.show_diagnosis(self.results)
        if self.saved is not None:
            self.message.show_note(f"Verdicts and plots saved in {self.saved}.")
        self._update()

    def _on_failed(self, text: str) -> None:
        self.message.show_error(text)
        self._update()

    def done(self, code: int) -> None:  # noqa: D401 - Qt's name
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.task.wait(2.0)
        super().done(code)
