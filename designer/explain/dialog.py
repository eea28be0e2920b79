"""The Explain window: a run, a sample, a method; why the network decided what it did.

Opening the run (its network, validation data and predictions), explaining a sample and
ranking the columns all run in a worker thread (:class:`designer.data.tasks.BackgroundTask`,
with progress and Cancel): the GUI thread never runs torch. A CSV file, image or image
folder can be chosen or dropped on the window to explain new data instead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QPushButton, QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from core.errors import LayerForgeError
from core.explain.registry import MAX_REPEATS, METHODS
from designer.data.messages import MessageLabel
from designer.data.tasks import BackgroundTask, ProgressRow
from designer.explain import jobs
from designer.explain.panels import BarsPanel, ResultView
from designer.explain.sample_list import SampleList
from designer.export.runs import RunPicker, run_problem

DATA_FILTER = "Tables and images (*.csv *.tsv *.txt *.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)"


class ExplainDialog(QDialog):
    """Explain the predictions of a run of ``project``; ``sample`` (an id) is explained at once."""

    def __init__(self, project, parent: QWidget | None = None, run_dir: str | Path | None = None,
                 runs_folder: Path | None = None, sample: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Explain the trained model's predictions")
        self.setObjectName("explainDialog")
        self.setAcceptDrops(True)
        self.project = project
        self.task: BackgroundTask | None = None
        self.opened: jobs.OpenRun | None = None  # the samples in the list
        self.validation: jobs.OpenRun | None = None  # the run's validation samples
        self.explanation = None
        self.ranking = None
        self.facts = None
        self._pending_sample = sample

        self.runs = RunPicker(project, folder=runs_folder)
        self.method = QComboBox()
        self.method.setObjectName("method")
        for spec in METHODS:
            self.method.addItem(spec.title, spec.name)
            self.method.setItemData(self.method.count() - 1, spec.doc, Qt.ItemDataRole.ToolTipRole)
        self.layer = QComboBox()
        self.layer.setObjectName("layer")
        self.layer_label = QLabel("Layer:")
        self.repeats = QSpinBox()  # integrated gradients' steps, SmoothGrad's noisy copies
        self.repeats.setObjectName("repeats")
        self.repeats.setRange(1, MAX_REPEATS)
        self.repeats.setToolTip("More steps (copies) give smoother, more exact attributions and take longer")
        self.repeats_label = QLabel()
        self.target = QComboBox()
        self.target.setObjectName("target")
        self.method_doc = QLabel()
        self.method_doc.setWordWrap(True)
        self.method_doc.setObjectName("explanation")
        self.validation_button = QPushButton("Validation samples")
        self.file_button = QPushButton("Open file…")
        self.file_button.setToolTip("Explain a new CSV file or image (or drop one on this window)")
        self.folder_button = QPushButton("Image folder…")
        data_row = QHBoxLayout()
        for button in (self.validation_button, self.file_button, self.folder_button):
            data_row.addWidget(button)
        data_row.addStretch(1)
        method_row = QHBoxLayout()
        method_row.addWidget(self.method)
        method_row.addWidget(self.layer_label)
        method_row.addWidget(self.layer)
        method_row.addWidget(self.repeats_label)
        method_row.addWidget(self.repeats)
        self.target_label = QLabel("Explain:")
        method_row.addWidget(self.target_label)
        method_row.addWidget(self.target, 1)
        method_row.addStretch(0)  # takes the room when the target is hidden (autoencoders)
        form = QFormLayout()
        form.addRow("Trained run:", self.runs)
        form.addRow("Samples:", data_row)
        method_box = QVBoxLayout()
        method_box.setSpacing(2)
        method_box.addLayout(method_row)
        method_box.addWidget(self.method_doc)
        form.addRow("Method:", method_box)

        self.samples = SampleList()
        self.explain_button = QPushButton("Explain")
        self.explain_button.setObjectName("explainButton")
        self.explain_button.setDefault(True)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(self.samples, 1)
        left_box.addWidget(self.explain_button)
        self.result = ResultView()
        self.ranking_bars = BarsPanel("Mean |attribution| per column")
        self.rank_button = QPushButton("Rank the columns over the validation samples")
        ranking_page = QWidget()
        ranking_box = QVBoxLayout(ranking_page)
        ranking_box.addWidget(self.rank_button, 0, Qt.AlignmentFlag.AlignLeft)
        ranking_box.addWidget(self.ranking_bars, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.result, "This sample")
        self.ranking_tab = self.tabs.addTab(ranking_page, "Columns overall")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([380, 620])

        self.progress = ProgressRow()
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)
        self.resize(1080, 680)

        if run_dir is not None:  # before following the picker: the run is opened once
            self.runs.select(run_dir)
        self.runs.changed.connect(self._on_run_changed)
        self.runs.problem.connect(self.message.show_error)
        self.method.currentIndexChanged.connect(lambda _i: self._on_method_changed())
        self.validation_button.clicked.connect(self._on_validation_clicked)
        self.file_button.clicked.connect(self._on_file_clicked)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.explain_button.clicked.connect(self.explain_current)
        self.samples.activated.connect(lambda _row: self.explain_current())
        self.samples.selection_changed.connect(self._update_buttons)
        self.rank_button.clicked.connect(self.rank_columns)
        self.buttons.rejected.connect(self.reject)
        self._on_run_changed()

    # ------------------------------------------------------------------ the run
    def _on_run_changed(self) -> None:
        from core.explain.facts import run_facts

        self._cancel_task()
        self.opened = self.validation = self.explanation = self.ranking = self.facts = None
        self.result.clear()
        problem = run_problem(self.runs.entry, "be explained")
        if problem is None:
            try:
                self.facts = run_facts(self.runs.run_dir)
            except LayerForgeError as err:
                problem = str(err)
        if problem:
            self.message.show_error(problem)
        else:
            self.message.show_notes([])
        self._fill_choices()
        self._update_buttons()
        if self.facts is not None:
            run_dir = self.runs.run_dir
            self._start(lambda progress, cancel: jobs.open_run(run_dir, progress, cancel),
                        f"Opening {run_dir.name}…", self._on_run_opened, "explain-open")

    def _fill_choices(self) -> None:
        facts = self.facts
        model = self.method.model()
        for index, spec in enumerate(METHODS):
            item = model.item(index)
            problem = spec.problem(facts) if facts is not None else None
            item.setEnabled(problem is None)
            item.setToolTip(problem or spec.doc)
        if not model.item(self.method.currentIndex()).isEnabled():
            self.method.setCurrentIndex(1)  # integrated gradients fits every run
        self.layer.clear()
        for layer in (facts.spatial_layers if facts is not None else []):
            self.layer.addItem(layer.label, layer.node_id)
        if facts is not None and facts.default_layer:
            self.layer.setCurrentIndex(self.layer.findData(facts.default_layer))
        self.target.clear()
        if facts is not None and facts.task != "reconstruction":
            self.target.addItem("the predicted class" if facts.class_names else "the first output", None)
            for index, name in enumerate(facts.class_names or facts.target_names):
                self.target.addItem(name, index)
        self.target.setVisible(self.target.count() > 1)
        self.target_label.setVisible(self.target.count() > 1)
        image = facts is not None and facts.kind == "image"
        self.folder_button.setVisible(image)
        ranked = facts is not None and facts.kind != "image" and len(facts.columns) > len(facts.text_columns)
        self.tabs.setTabVisible(self.ranking_tab, ranked)
        self._on_method_changed()

    def _on_method_changed(self) -> None:
        spec = METHODS.get(self.method.currentData())
        self.layer.setVisible(spec.needs_layer)
        self.layer_label.setVisible(spec.needs_layer)
        repeated = spec.repeat_option is not None
        self.repeats.setVisible(repeated)
        self.repeats_label.setVisible(repeated)
        if repeated:
            self.repeats_label.setText(spec.repeat_label)
            self.repeats.setValue(spec.repeats())
        self.method_doc.setText(spec.doc)

    def _on_run_opened(self, opened: jobs.OpenRun) -> None:
        self.validation = opened
        self._show_samples(opened)
        if self._pending_sample is not None:
            sample, self._pending_sample = self._pending_sample, None
            if self.samples.select_id(sample):
                self.explain_current()

    def _show_samples(self, opened: jobs.OpenRun) -> None:
        self.opened = opened
        self.samples.set_samples(opened.samples, opened.predictions)
        self.message.show_notes(opened.notes)
        self._update_buttons()

    # ------------------------------------------------------------------ new data
    def _start_dir(self) -> str:
        data = getattr(self.project, "data", None) or {}
        if data.get("path"):
            return str(self.project.resolve(data["path"]).parent)
        return str(self.project.directory)

    def _on_validation_clicked(self) -> None:
        if self.validation is not None:
            self._show_samples(self.validation)

    def _on_file_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Explain a file", self._start_dir(), DATA_FILTER)
        if path:
            self.open_path(path)

    def _on_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Explain a folder of images", self._start_dir())
        if folder:
            self.open_path(folder)

    def open_path(self, path: str | Path) -> None:
        """List the samples of a CSV file, image or image folder (read in the background)."""
        if self.validation is None:
            self.message.show_error("Wait until the run is open, then choose the file again.")
            return
        base, path = self.validation, Path(path)
        self._start(lambda progress, cancel: jobs.open_file(base, path, progress, cancel),
                    f"Reading {path.name}…", self._show_samples, "explain-file")

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls:
            self.open_path(urls[0].toLocalFile())
            event.acceptProposedAction()

    # ------------------------------------------------------------------ explaining
    def explain_current(self) -> None:
        """Explain the selected sample with the chosen method (in the background)."""
        row = self.samples.current
        if self.opened is None or row is None or self.busy:
            return
        opened, method = self.opened, self.method.currentData()
        spec = METHODS.get(method)
        layer = self.layer.currentData() if spec.needs_layer else None
        options = {spec.repeat_option: self.repeats.value()} if spec.repeat_option else None
        target = self.target.currentData()
        self._start(lambda progress, cancel: jobs.explain_rows(opened, [row], method, layer, target,
                                                               progress, cancel, options),
                    f"{self.method.currentText()} for sample {opened.samples.ids[row]}…",
                    self._on_explained, "explain")

    def _on_explained(self, explanation) -> None:
        self.explanation = explanation
        self.result.show_explanation(explanation)
        self.tabs.setCurrentWidget(self.result)

    def rank_columns(self) -> None:
        if self.validation is None or self.busy:
            return
        validation = self.validation
        self._start(lambda progress, cancel: jobs.rank_columns(validation, progress, cancel),
                    "Ranking the columns…", self._on_ranked, "explain-rank")

    def _on_ranked(self, ranking) -> None:
        self.ranking = ranking
        self.ranking_bars.show_values(ranking.columns, ranking.mean_abs,
                                      f"Mean |attribution| per column over {ranking.samples:,} {ranking.split} samples",
                                      "Integrated gradients, each sample for its predicted class")

    # ------------------------------------------------------------------ tasks
    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done

    def _start(self, function, message: str, on_finished, name: str) -> None:
        self._cancel_task()
        task = BackgroundTask(function, name, self)
        self.task = task
        task.finished.connect(lambda result, t=task: self._on_task_finished(t, on_finished, result))
        task.failed.connect(lambda text, t=task: self._on_task_failed(t, text))
        task.cancelled.connect(lambda t=task: self._on_task_cancelled(t))
        self.progress.follow(task, message)
        task.start()
        self._update_buttons()

    def _on_task_finished(self, task, on_finished, result) -> None:
        if task is self.task:
            on_finished(result)
        self._update_buttons()

    def _on_task_failed(self, task, text: str) -> None:
        if task is self.task:
            self.message.show_error(text)
        self._update_buttons()

    def _on_task_cancelled(self, task) -> None:
        if task is self.task:
            self.message.show_note("Cancelled.")
        self._update_buttons()

    def _cancel_task(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()

    def _update_buttons(self) -> None:
        busy = self.busy
        has_run = self.validation is not None
        self.explain_button.setEnabled(not busy and self.opened is not None and self.samples.current is not None)
        for button in (self.validation_button, self.file_button, self.folder_button):
            button.setEnabled(has_run and not busy)
        self.rank_button.setEnabled(has_run and not busy)

    def done(self, code: int) -> None:  # noqa: D401 - Qt's name
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.task.wait(2.0)  # it stops between chunks
        super().done(code)
