"""The Experiments panel: the sweep form, Start/Stop, the live trials and their plots.

Trials train in a ``layerforge sweep`` child process (:class:`SweepProcess`), never in the
GUI process; the panel follows them by reading the Optuna storage on a timer
(:class:`core.sweep.study.StudyReader`) and the trials' ``metrics.csv`` for the curves.
Parameter importances are computed in a background thread when the number of complete
trials changes. The study shown is the one the project's current sweep settings use.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from designer.experiments.commands import SetSweep
from designer.experiments.form import SweepForm
from designer.experiments.plots import CurvesPlot, ImportanceChart, ParallelCoordinates
from designer.experiments.process import SweepProcess
from designer.experiments.trials import TrialsTable

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

POLL_MS = 1000


class ExperimentsPanel(QWidget):
    def __init__(self, services: "Services", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("experimentsPanel")
        self.services = services
        self.project = None
        self.study: str | None = None
        self.runs_dir: Path | None = None
        self.storage: str | None = None
        self.reader = None
        self.rows: list = []
        self.spec = None
        self.process = SweepProcess(self)
        self.process.line.connect(self._on_line)
        self.process.finished.connect(self._on_finished)
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self.poll)
        self._executor: ThreadPoolExecutor | None = None
        self._importance: Future | None = None
        self._importance_for = -1

        self.form = SweepForm()
        self.form.section_edited.connect(self._on_section_edited)
        self.form.start_requested.connect(self.start)
        self.form.stop_requested.connect(self.stop)
        self.table = TrialsTable()
        self.table.selection_changed.connect(lambda _numbers: self._show_curves())
        self.status = QLabel("No sweep yet: add a setting to vary, then Start.", objectName="sweepStatus",
                             wordWrap=True)
        self.open_button = QPushButton("Open trial as project", objectName="openTrial", enabled=False)
        self.open_button.setToolTip("Open the selected trial's design and settings as a new project")
        self.open_button.clicked.connect(self.open_selected_trial)
        self.table.itemSelectionChanged.connect(
            lambda: self.open_button.setEnabled(len(self.table.selected_numbers()) == 1))
        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(QLabel("TRIALS", objectName="sectionTitle"))
        column.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.open_button)
        column.addLayout(row)
        self.coordinates = ParallelCoordinates()
        self.importance = ImportanceChart()
        self.curves = CurvesPlot()
        self.tabs = QTabWidget(objectName="experimentPlots")
        self.tabs.addTab(self.coordinates, "Parallel coordinates")
        self.tabs.addTab(self.importance, "Importance")
        self.tabs.addTab(self.curves, "Curves")
        form_area = QScrollArea(objectName="sweepFormScroll")  # the dock may be short
        form_area.setFrameShape(QFrame.Shape.NoFrame)
        form_area.setWidgetResizable(True)
        form_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        form_area.setWidget(self.form)
        form_area.setMinimumWidth(self.form.minimumSizeHint().width()
                                  + form_area.verticalScrollBar().sizeHint().width())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(form_area)
        splitter.addWidget(middle)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([430, 470, 400])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # ------------------------------------------------------------------ the project
    def set_project(self, project) -> None:
        if self.project is not None:
            for signal in (self.project.sweep_changed, self.project.training_changed,
                           self.project.data_changed, self.project.name_changed):
                signal.disconnect(self.refresh)
        self.project = project
        for signal in (project.sweep_changed, project.training_changed, project.data_changed,
                       project.name_changed):
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the project's sweep section, its problems, and its study's trials."""
        from core.sweep.spec import parse_sweep, study_name, sweep_spec, target_kinds

        project = self.project
        info = self.services.analysis.data_info
        spec, problems = sweep_spec(project, info)
        if project.sweep is None:
            problems = []
        self.form.show_section(project, project.sweep, self._metric_columns(info), problems)
        parsed = parse_sweep(project.sweep, target_kinds(project))[0] if project.sweep else None
        self.spec = parsed
        self.runs_dir = self._runs_dir()
        study = study_name(project, parsed) if parsed is not None and parsed.parameters else None
        if study != self.study:
            self.study, self.reader, self._importance_for = study, None, -1
        self.form.set_running(self.process.running, can_start=not problems and project.sweep is not None)
        self.poll()

    def _metric_columns(self, info) -> list[str]:
        from core.train.spec import parse_training

        metrics = parse_training(self.project.training, info)[0].metrics
        return ["val_loss", *[f"val_{m}" for m in metrics], "train_loss"]

    def _runs_dir(self) -> Path:
        from designer import settings

        return settings.runs_folder_for(self.project.path.parent if self.project.path else None)

    def _on_section_edited(self, section) -> None:
        self.services.undo_stack.push(SetSweep(self.project, section))

    def vary(self, name: str) -> None:
        """Add ``name`` (``node.param`` or a training setting) with a range around its value."""
        from core.sweep.space import default_range

        self.form.set_parameter(name, default_range(self.project, name))

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        from core.project import Project
        from core.sweep.spec import check_sweep, study_name
        from core.sweep.storage import default_storage

        if self.process.running:
            return
        problem = self._start_problem()
        if problem:
            self.form.show_problems([problem])
            return
        spec = check_sweep(self.project, self.services.analysis.data_info)
        self.study = study_name(self.project, spec)
        self.runs_dir = self._runs_dir()
        self.storage = default_storage(self.runs_dir)
        snapshot = self.runs_dir / "sweep-projects" / f"{self.study}.lfproj"
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        Project.from_dict(self.project.to_dict(), path=self.project.path).save(snapshot)
        self.reader = None
        self.process.start(snapshot, study=self.study, storage=self.storage, runs_dir=self.runs_dir,
                           trials=spec.trials, workers=self.form.workers.value(), timeout=spec.timeout)
        self.form.set_running(True)
        self.status.setText(f"Starting {self.form.workers.value()} worker(s) for study {self.study}…")
        self.timer.start()
        self.services.set_activity(f"Sweeping: study {self.study}")

    def _start_problem(self) -> str | None:
        from core.sweep.spec import sweep_problems

        if self.project.data is None:
            return "Load data first: a sweep trains the network on the project's data."
        analysis = self.services.analysis
        if analysis.waiting_for_data:
            return "The data is still being read: start again in a moment."
        blocking = analysis.blocking_problem()
        if blocking:
            return blocking
        problems = sweep_problems(self.project, analysis.data_info)
        return problems[0] if problems else None

    def stop(self) -> None:
        if self.process.running:
            self.process.stop()
            self.status.setText("Stopping after the running trials' current batch…")

    def shutdown(self) -> None:
        self.timer.stop()
        self.process.shutdown()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def _on_line(self, line: str) -> None:
        if line.startswith(("trial ", "study ", "layerforge sweep", "note:")):
            self.status.setText(line.splitlines()[0][:300])

    def _on_finished(self, code: int) -> None:
        self.timer.stop()
        self.form.set_running(False, can_start=self.project.sweep is not None)
        self.services.set_activity(None)
        self.poll()
        if code == 130:
            self.status.setText("Stopped. Start again to go on with the study.")
        elif code != 0:
            last = self.process.lines[-1] if self.process.lines else f"exit code {code}"
            self.status.setText(f"The sweep stopped with a problem: {last}")
            self.form.show_problems([last])
        else:
            self.status.setText(self._counts_text() + " — done.")

    # ------------------------------------------------------------------ following the study
    def poll(self) -> None:
        """Read the study again and redraw the table and plots."""
        from core.errors import LayerForgeError
        from core.sweep.storage import DB_NAME, default_storage
        from core.sweep.study import StudyReader, best_row

        if self.study is None or self.runs_dir is None or not (self.runs_dir / DB_NAME).is_file():
            self._show([])
            return
        try:
            if self.reader is None:
                self.storage = default_storage(self.runs_dir)
                self.reader = StudyReader(self.storage, self.study)
            rows = self.reader.rows()
        except LayerForgeError as err:
            self.status.setText(str(err))
            return
        self._show(rows)
        if not self.process.running and rows:
            best = best_row(rows, self._direction())
            self.status.setText(self._counts_text() + (f"; best: trial {best.number}" if best else ""))

    def _direction(self) -> str:
        return self.spec.resolved_direction(self.project.training) if self.spec else "minimize"

    def _metric(self) -> str:
        return self.spec.resolved_metric(self.project.training) if self.spec else "val_loss"

    def _show(self, rows) -> None:
        from core.sweep.study import best_row

        self.rows = rows
        names = [v.name for v in self.spec.parameters] if self.spec else []
        best = best_row(rows, self._direction())
        self.table.show_rows(rows, names, self._metric(), best.number if best else None)
        logs = {v.name: v.log for v in self.spec.parameters} if self.spec else {}
        self.coordinates.show_rows(rows, names, logs, self._metric(), self._direction())
        self._show_curves()
        self._update_importance(rows)
        if self.process.running:
            self.status.setText(self._counts_text())
        elif not rows and self.spec is not None and self.spec.parameters:
            self.status.setText("No trials yet: press Start sweep.")

    def _counts_text(self) -> str:
        from collections import Counter

        counts = Counter(r.state for r in self.rows)
        wanted = self.spec.trials if self.spec else len(self.rows)
        done = counts["complete"] + counts["pruned"] + counts["failed"]
        extra = ", ".join(f"{n} {s}" for s, n in counts.items() if s not in ("complete",))
        return f"{done} of {wanted} trials done ({counts['complete']} complete{', ' + extra if extra else ''})"

    def _show_curves(self) -> None:
        from core.sweep.pruning import metric_value
        from core.sweep.study import COMPLETE
        from core.train.rundir import METRICS_CSV, read_metrics_csv

        numbers = self.table.selected_numbers()
        chosen = [r for r in self.rows if r.number in numbers]
        if not chosen:  # nothing selected: the three best
            done = [r for r in self.rows if r.state == COMPLETE and r.value is not None]
            chosen = sorted(done, key=lambda r: r.value, reverse=self._direction() == "maximize")[:3]
        metric = self._metric()
        curves = {}
        for row in chosen:
            path = Path(row.run_dir) / METRICS_CSV if row.run_dir else None
            if path is None or not path.is_file():
                continue
            try:
                metrics = read_metrics_csv(path)
            except (OSError, ValueError):
                continue
            points = [(int(m["epoch"]), metric_value(m, metric)) for m in metrics]
            points = [(e, v) for e, v in points if v is not None]
            if points:
                curves[row.number] = ([e for e, _ in points], [v for _, v in points])
        self.curves.show_curves(curves, metric)

    def _update_importance(self, rows) -> None:
        from core.sweep.importance import importances
        from core.sweep.study import COMPLETE, StudyReader

        if self._importance is not None and self._importance.done():
            try:
                self.importance.show_importances(self._importance.result())
            except Exception:  # noqa: BLE001 - the chart stays as it was; the table is the record
                pass
            self._importance = None
        complete = sum(r.state == COMPLETE for r in rows)
        if complete == self._importance_for or self._importance is not None:
            return
        self._importance_for = complete
        if complete < 2:
            self.importance.show_importances(None)
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sweep-importance")
        url, name = self.storage, self.study
        self._importance = self._executor.submit(lambda: importances(StudyReader(url, name).study()))
        QTimer.singleShot(300, self, self._finish_importance)

    def _finish_importance(self) -> None:
        if self._importance is None:
            return
        if not self._importance.done():
            QTimer.singleShot(300, self, self._finish_importance)
            return
        self._update_importance(self.rows)

    # ------------------------------------------------------------------ opening a trial
    def open_selected_trial(self) -> bool:
        from core.project import Project
        from core.sweep.best import trial_project

        numbers = self.table.selected_numbers()
        row = next((r for r in self.rows if r.number in numbers), None)
        if row is None or not row.params:
            return False
        snapshot = self.runs_dir / "sweep-projects" / f"{self.study}.lfproj"
        base = Project.load(snapshot) if snapshot.is_file() else self.project
        folder = Path(row.run_dir).parent if row.run_dir else self.runs_dir
        folder.mkdir(parents=True, exist_ok=True)
        path = trial_project(base, row).save(folder / f"trial-{row.number:04d}.lfproj")
        if not self.services.files.confirm_discard():
            return False
        if not self.services.files.open_as_copy(path):
            return False
        self.services.undo_stack.resetClean()  # a new, unsaved project: closing asks to save it
        return True
