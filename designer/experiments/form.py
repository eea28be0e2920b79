"""The sweep form: the varied settings (a table) and how the sweep runs (metric, trials...).

It shows the project's ``sweep`` section and sends every edit as a whole new section
(``section_edited``); the panel turns it into an undoable change, and the form redraws
from the project. The problems ``core.sweep.spec.sweep_problems`` finds are listed under
it, one sentence each.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QMenu, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

from core.sweep.choices import PRUNERS, SAMPLERS
from core.sweep.spec import DEFAULT_TRIALS

COLUMNS = ("Setting", "Low", "High", "Log", "Choices")
NAME, LOW, HIGH, LOG, CHOICES = range(5)
#: Training settings offered in "Add setting" (the most useful first).
TRAINING_KEYS = ("learning_rate", "batch_size", "weight_decay", "optimizer", "epochs", "momentum",
                 "label_smoothing", "seed")
AUTOMATIC = "automatic"


def default_section() -> dict[str, Any]:
    return {"parameters": {}, "trials": DEFAULT_TRIALS, "sampler": "tpe", "pruner": "hyperband"}


def parse_choices(text: str) -> list[Any]:
    """``adam, sgd`` -> ``["adam", "sgd"]``; ``16, 32`` -> ``[16, 32]``; true/false/null as JSON."""
    values = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        try:
            values.append(json.loads(token))
        except ValueError:
            values.append(token)
    return values


def parse_number(text: str) -> float | int | str:
    """A number from a cell (an int when it has no point), or the text itself (then the
    section's check says what is wrong)."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class SweepForm(QWidget):
    section_edited = Signal(object)  # the whole new sweep section
    start_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepForm")
        self.project = None
        self.section: dict[str, Any] = default_section()
        self._updating = False
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 8)
        column.setSpacing(6)
        self.problems = QLabel(objectName="fieldError", wordWrap=True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems.hide()
        column.addWidget(self.problems)
        run = QHBoxLayout()
        self.start_button = QPushButton("Start sweep", objectName="startSweep")
        self.start_button.setToolTip("Train the trials in worker processes; starting again goes on with the study")
        self.start_button.clicked.connect(self.start_requested)
        self.stop_button = QPushButton("Stop", objectName="stopSweep", enabled=False)
        self.stop_button.setToolTip("Stop after the running trials' current batch; they run again at the next start")
        self.stop_button.clicked.connect(self.stop_requested)
        run.addWidget(self.start_button)
        run.addWidget(self.stop_button)
        run.addStretch(1)
        column.addLayout(run)
        column.addWidget(QLabel("WHAT VARIES", objectName="sectionTitle"))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("variedTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.ResizeToContents)
        for col in (LOW, HIGH):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LOG, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CHOICES, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(84)
        self.table.itemChanged.connect(self._on_item_changed)
        column.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QToolButton(text="Add setting", objectName="addVaried")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setToolTip("Vary a training setting or a layer's parameter (also: right-click a"
                                   " parameter in the Inspector)")
        self.add_menu = QMenu(self.add_button)
        self.add_menu.aboutToShow.connect(self._fill_add_menu)
        self.add_button.setMenu(self.add_menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Stop varying the selected settings")
        self.remove_button.clicked.connect(self._remove_selected)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        column.addLayout(buttons)

        column.addWidget(QLabel("HOW IT RUNS", objectName="sectionTitle"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self.metric_box = QComboBox(editable=True, objectName="sweepMetric")
        self.metric_box.setToolTip("The metrics.csv column to optimise (automatic: the training monitor)")
        self.metric_box.lineEdit().editingFinished.connect(self._on_metric)
        self.metric_box.activated.connect(lambda _i: self._on_metric())
        self.direction = QComboBox(objectName="sweepDirection")
        self.direction.addItems([AUTOMATIC, "minimize", "maximize"])
        self.direction.activated.connect(lambda _i: self._set("direction", None if self.direction.currentText()
                                                              == AUTOMATIC else self.direction.currentText()))
        self.trials = QSpinBox(objectName="sweepTrials", minimum=1, maximum=100000, keyboardTracking=False)
        self.trials.setToolTip("How many trials the study has in all; starting again goes on to this number")
        self.trials.valueChanged.connect(lambda v: self._set("trials", int(v)))
        self.timeout = QDoubleSpinBox(objectName="sweepTimeout", minimum=0, maximum=1e6, decimals=0,
                                      keyboardTracking=False, suffix=" min", specialValueText="no limit")
        self.timeout.setToolTip("Start no trial after this many minutes")
        self.timeout.valueChanged.connect(lambda v: self._set("timeout", float(v) * 60 if v else None))
        self.sampler = QComboBox(objectName="sweepSampler")
        for spec in SAMPLERS:
            self.sampler.addItem(spec.title, spec.name)
            self.sampler.setItemData(self.sampler.count() - 1, spec.doc, Qt.ItemDataRole.ToolTipRole)
        self.sampler.activated.connect(lambda _i: self._set("sampler", self.sampler.currentData()))
        self.pruner = QComboBox(objectName="sweepPruner")
        for spec in PRUNERS:
            self.pruner.addItem(spec.title, spec.name)
            self.pruner.setItemData(self.pruner.count() - 1, spec.doc, Qt.ItemDataRole.ToolTipRole)
        self.pruner.activated.connect(lambda _i: self._set("pruner", self.pruner.currentData()))
        self.workers = QSpinBox(objectName="sweepWorkers", minimum=1, maximum=max(1, os.cpu_count() or 1))
        self.workers.setValue(min(2, os.cpu_count() or 1))
        self.workers.setToolTip("Trials trained at the same time, each in a process of its own (the CPU's"
                                " cores are shared between them)")
        pairs = (("Metric", self.metric_box), ("Direction", self.direction), ("Trials", self.trials),
                 ("Time budget", self.timeout), ("Sampler", self.sampler), ("Pruning", self.pruner),
                 ("At a time", self.workers))
        for index, (label, field) in enumerate(pairs):  # two label-field pairs per line
            row, col = divmod(index, 2)
            grid.addWidget(QLabel(label), row, 2 * col)
            grid.addWidget(field, row, 2 * col + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        column.addLayout(grid)

    # ------------------------------------------------------------------ showing
    def show_section(self, project, section: dict[str, Any] | None, metrics: list[str],
                     problems: list[str]) -> None:
        """Show ``section`` (a default when None) of ``project``, the metric columns to offer and
        the section's problems."""
        self._updating = True
        try:
            self.project = project
            self.section = copy.deepcopy(section) if section else default_section()
            parameters = self.section.get("parameters") or {}
            self.table.setRowCount(0)
            for name, raw in parameters.items():
                self._add_row(str(name), raw if isinstance(raw, dict) else {})
            self.metric_box.clear()
            self.metric_box.addItem(AUTOMATIC)
            self.metric_box.addItems(metrics)
            self.metric_box.setCurrentText(self.section.get("metric") or AUTOMATIC)
            self.direction.setCurrentText(self.section.get("direction") or AUTOMATIC)
            self.trials.setValue(int(self.section.get("trials") or DEFAULT_TRIALS))
            timeout = self.section.get("timeout")
            self.timeout.setValue(float(timeout) / 60 if isinstance(timeout, (int, float)) else 0)
            self._select(self.sampler, self.section.get("sampler", "tpe"))
            self._select(self.pruner, self.section.get("pruner", "hyperband"))
            self.show_problems(problems)
        finally:
            self._updating = False

    def show_problems(self, problems: list[str]) -> None:
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))

    def set_running(self, running: bool, can_start: bool = True) -> None:
        self.start_button.setEnabled(not running and can_start)
        self.stop_button.setEnabled(running)
        for widget in (self.table, self.add_button, self.remove_button, self.metric_box, self.direction,
                       self.trials, self.timeout, self.sampler, self.pruner, self.workers):
            widget.setEnabled(not running)

    @staticmethod
    def _select(box: QComboBox, name: str) -> None:
        index = box.findData(name)
        if index >= 0:
            box.setCurrentIndex(index)

    def _add_row(self, name: str, raw: dict[str, Any]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(name)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(row, NAME, item)
        is_choice = "choices" in raw
        for col, text in ((LOW, _cell(raw.get("low"))), (HIGH, _cell(raw.get("high"))),
                          (CHOICES, ", ".join(json.dumps(c) if not isinstance(c, str) else c
                                              for c in raw.get("choices") or []))):
            cell = QTableWidgetItem("—" if (col == CHOICES) != is_choice else text)
            if (col == CHOICES) != is_choice:
                cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable & ~Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, col, cell)
        log = QTableWidgetItem()
        log.setFlags((log.flags() | Qt.ItemFlag.ItemIsUserCheckable) & ~Qt.ItemFlag.ItemIsEditable)
        if is_choice:
            log.setFlags(log.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        else:
            log.setCheckState(Qt.CheckState.Checked if raw.get("log") else Qt.CheckState.Unchecked)
        self.table.setItem(row, LOG, log)

    # ------------------------------------------------------------------ editing
    def _emit(self, section: dict[str, Any]) -> None:
        if not self._updating:
            self.section_edited.emit(section)

    def _set(self, key: str, value: Any) -> None:
        if self._updating:
            return
        section = copy.deepcopy(self.section)
        if value is None:
            section.pop(key, None)
        else:
            section[key] = value
        if section != self.section:
            self._emit(section)

    def _on_metric(self) -> None:
        text = self.metric_box.currentText().strip()
        self._set("metric", None if text in ("", AUTOMATIC) else text)

    def set_parameter(self, name: str, raw: dict[str, Any]) -> None:
        """Vary ``name`` over ``raw`` (a range or choices); replaces what it had."""
        section = copy.deepcopy(self.section)
        section.setdefault("parameters", {})[name] = raw
        self._emit(section)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        row = item.row()
        name = self.table.item(row, NAME).text()
        old = (self.section.get("parameters") or {}).get(name) or {}
        raw = dict(old)
        if item.column() == CHOICES:
            raw = {"choices": parse_choices(item.text())}
        elif item.column() in (LOW, HIGH):
            raw["low" if item.column() == LOW else "high"] = parse_number(item.text())
        elif item.column() == LOG:
            raw["log"] = item.checkState() == Qt.CheckState.Checked
            if not raw["log"]:
                raw.pop("log")
        if raw != old:
            self.set_parameter(name, raw)

    def _remove_selected(self) -> None:
        names = {self.table.item(index.row(), NAME).text() for index in self.table.selectionModel().selectedRows()}
        if not names:
            return
        section = copy.deepcopy(self.section)
        section["parameters"] = {k: v for k, v in (section.get("parameters") or {}).items() if k not in names}
        self._emit(section)

    def _fill_add_menu(self) -> None:
        """Training settings and every layer's numeric or choice parameters, for this project."""
        from core.layers import REGISTRY
        from core.sweep.space import default_range
        from core.sweep.spec import training_kinds

        self.add_menu.clear()
        if self.project is None:
            return
        varied = set((self.section.get("parameters") or {}))
        kinds = training_kinds()
        training = self.add_menu.addMenu("Training")
        for key in TRAINING_KEYS:
            if key in kinds and key not in varied:
                action = training.addAction(key.replace("_", " "))
                action.triggered.connect(lambda _=False, k=key: self.set_parameter(k, default_range(self.project, k)))
        layers = self.add_menu.addMenu("Layers")
        for node_id, node in self.project.graph.nodes.items():
            if node.type in ("Input", "Output"):
                continue
            params = [p for p in REGISTRY.get(node.type).params
                      if p.kind in ("int", "float", "choice", "bool") and f"{node_id}.{p.name}" not in varied]
            if not params:
                continue
            sub = layers.addMenu(f"{node_id} ({node.type})")
            for param in params:
                name = f"{node_id}.{param.name}"
                action = sub.addAction(param.name)
                action.setToolTip(param.doc)
                action.triggered.connect(lambda _=False, n=name: self.set_parameter(n, default_range(self.project, n)))
        layers.setEnabled(not layers.isEmpty())
