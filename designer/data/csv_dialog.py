"""The CSV import dialog: see what LayerForge understood of a table, fix what it guessed wrong.

The head of the file (256 kB) is read at once for the preview; the whole file is
profiled in a background thread (progress bar, Cancel), then every change of the
options is checked by the real loader in the background, so the message shown is the
one training would give. OK returns the project's new ``data`` dict (:meth:`spec`).
"""

from __future__ import annotations

import copy
import os
import sys
import traceback
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QSpinBox,
                               QSplitter, QTableView, QVBoxLayout, QWidget)

from core.data.columns import CATEGORICAL, IGNORE as IGNORED_KIND, TEXT
from core.data.csv_format import DELIMITER_NAMES, ENCODINGS, read_head
from core.errors import DataError
from designer.data.class_chart import ClassBalanceChart
from designer.data.csv_models import FEATURE, IGNORE, TARGET, ColumnState, HeadTableModel
from designer.data.csv_text import TextChoiceDelegate, TextColumnChoices, TextColumnsModel, text_summary
from designer.data.import_dialog import ImportDialog, facts_line, load_facts
from designer.data.messages import relative_path
from designer.scrolling import scrolling

TASKS = ("auto", "classification", "regression", "multilabel", "reconstruction")
MISSING = {"mean": "fill with the training mean", "most_frequent": "fill with the most frequent value",
           "drop": "leave the row out"}
SCALES = {"standard": "standardise (mean 0, sd 1)", "minmax": "min-max to [0, 1]", "none": "none"}
_MANAGED = ("path", "target", "features", "ignore", "task", "categorical", "numeric", "text", "missing",
            "scale", "delimiter", "encoding", "decimal", "header", "split", "sequence", "text_options")


def check_csv(spec: dict[str, Any], base_dir: str, progress, cancel) -> tuple:
    """What the dialog shows after a check: the data's facts and the loader's notes."""
    from core.data import csv_source

    return load_facts(csv_source.load, spec, base_dir, progress, cancel)


class CsvImportDialog(TextColumnChoices, ImportDialog):
    """Preview, detected format, per-column roles and types, task, split; OK gives :meth:`spec`."""

    STOPPED = "Stopped: the file was not read to the end."

    def __init__(self, path: str | os.PathLike, base_dir: str | os.PathLike | None = None,
                 spec: dict[str, Any] | None = None, parent: QWidget | None = None,
                 read_columns: list[str] | None = None) -> None:
        super().__init__(path, base_dir, spec, parent, check_delay_ms=250)
        #: The columns the project's Inputs read (``Graph.columns_read``): the file's other
        #: columns start as ignored, as ``--data`` leaves them out, so a word count or an id
        #: is not encoded into features no layer reads (and needed by every file to predict).
        self.read_columns = read_columns
        self.detected = None  # CsvFormat found without overrides
        self.profile = None
        self._checked: dict | None = None
        self._defaults: dict[str, str] = {}  # each column's role when nobody says otherwise
        self._typed: set[str] = set()  # columns whose type the person chose
        self._summaries: dict[str, str] = {}  # each column's summary from the profile
        self._text_facts: dict[str, dict] = {}  # text columns' facts from the last check
        self.setWindowTitle(f"Load CSV - {self.path.name}")
        self.resize(1180, 780)
        self._build()
        self._read_head()

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        self.path_label = QLabel(str(self.path))
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.delimiter = QComboBox()
        for char, name in DELIMITER_NAMES.items():
            self.delimiter.addItem(f"{name} ({'⇥' if char == chr(9) else char})", char)
        self.encoding = QComboBox()
        for name in ENCODINGS:
            self.encoding.addItem(name, name)
        self.decimal = QComboBox()
        self.decimal.addItem("point (1.5)", ".")
        self.decimal.addItem("comma (1,5)", ",")
        self.header = QCheckBox("First row holds the column names")
        self.detected_label = QLabel()
        self.detected_label.setObjectName("detected")
        format_row = QHBoxLayout()
        for label, widget in (("Delimiter", self.delimiter), ("Encoding", self.encoding),
                              ("Decimal", self.decimal)):
            format_row.addWidget(QLabel(label))
            format_row.addWidget(widget)
        format_row.addWidget(self.header)
        format_row.addStretch(1)
        for combo in (self.delimiter, self.encoding, self.decimal):
            combo.activated.connect(lambda _i: self._read_head())
        self.header.clicked.connect(lambda _c: self._read_head())

        self.head_model = HeadTableModel(self)
        self.preview = QTableView()
        self.preview.setModel(self.head_model)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setDefaultSectionSize(110)
        self.preview.verticalHeader().setDefaultSectionSize(22)

        self.columns_model = TextColumnsModel(self)
        self.columns_model.edited.connect(self._on_column_edited)
        self.columns_view = QTableView()
        self.columns_view.setModel(self.columns_model)
        self.columns_view.setItemDelegate(TextChoiceDelegate(self.columns_view))
        self.columns_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.columns_view.verticalHeader().hide()
        self.columns_view.verticalHeader().setDefaultSectionSize(22)
        header = self.columns_view.horizontalHeader()
        for section, width in ((0, 150), (1, 80), (2, 100), (3, 70)):
            header.resizeSection(section, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self._build_text_panel()
        columns_side = QSplitter(Qt.Orientation.Vertical)
        columns_side.addWidget(self.columns_view)
        columns_side.addWidget(self.text_area)
        columns_side.setSizes([120, 420])

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.preview)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(columns_side)
        lower.addWidget(scrolling(self._build_options(), sideways=False))
        lower.setSizes([700, 440])
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.preview.setMinimumHeight(180)

        self.summary.setText("Reading the file…")
        layout = QVBoxLayout(self)
        layout.addWidget(self.path_label)
        layout.addLayout(format_row)
        layout.addWidget(self.detected_label)
        layout.addWidget(splitter, 1)
        self.status_widgets(layout)

    def _build_options(self) -> QWidget:
        panel = QWidget()
        form = QFormLayout(panel)
        self.target = QComboBox()
        self.target.activated.connect(self._on_target_chosen)
        self.task = QComboBox()
        for task in TASKS:
            self.task.addItem(task, task)
        self.task.activated.connect(lambda _i: self._on_task_chosen())
        self.chart = ClassBalanceChart()
        self.chart_box = QGroupBox("Class balance")
        QVBoxLayout(self.chart_box).addWidget(self.chart)
        self.missing = QComboBox()
        for key, text in MISSING.items():
            self.missing.addItem(text, key)
        self.scale = QComboBox()
        for key, text in SCALES.items():
            self.scale.addItem(text, key)
        split_row, order_row = self.split_widgets()
        self.sequence = QGroupBox("Time series: each sample is a window of rows")
        self.sequence.setCheckable(True)
        self.sequence.setChecked(False)
        self.window = QSpinBox()
        self.window.setRange(1, 100_000)
        self.window.setValue(30)
        self.horizon = QSpinBox()
        self.horizon.setRange(0, 100_000)
        self.horizon.setValue(1)
        self.order_by = QComboBox()
        sequence_form = QFormLayout(self.sequence)
        sequence_form.addRow("Window (rows)", self.window)
        sequence_form.addRow("Predict rows ahead", self.horizon)
        sequence_form.addRow("Order by", self.order_by)
        form.addRow("Target", self.target)
        form.addRow("Task", self.task)
        form.addRow(self.chart_box)
        form.addRow("Missing values", self.missing)
        form.addRow("Scaling", self.scale)
        form.addRow("Split", split_row)
        form.addRow("", order_row)
        form.addRow(self.sequence)
        for combo in (self.missing, self.scale, self.order_by):
            combo.activated.connect(lambda _i: self.schedule_check())
        for spin in (self.window, self.horizon):
            spin.valueChanged.connect(lambda _v: self.schedule_check())
        self.sequence.toggled.connect(self._on_sequence_toggled)
        self._apply_initial_options()
        return panel

    def _apply_initial_options(self) -> None:
        spec = self.initial
        _select(self.missing, spec.get("missing", "mean"))
        _select(self.scale, spec.get("scale", "standard"))
        _select(self.task, spec.get("task", "auto"))
        sequence = spec.get("sequence")
        if sequence:
            self.sequence.setChecked(True)
            self.window.setValue(sequence.get("window", 30))
            self.horizon.setValue(sequence.get("horizon", 1))

    # ------------------------------------------------------------------ reading
    def _overrides(self) -> dict[str, Any]:
        """Format choices that differ from what was detected (None before detection)."""
        if self.detected is None:
            return {k: self.initial[k] for k in ("delimiter", "encoding", "decimal", "header")
                    if self.initial.get(k) is not None}
        chosen = {"delimiter": self.delimiter.currentData(), "encoding": self.encoding.currentData(),
                  "decimal": self.decimal.currentData(), "header": self.header.isChecked()}
        return {k: v for k, v in chosen.items() if v != getattr(self.detected, k)}

    def _read_head(self) -> None:
        overrides = self._overrides()
        try:
            if self.detected is None:
                self.detected = read_head(self.path, max_rows=1).format
            head = read_head(self.path, **{k: overrides.get(k) for k in
                                           ("encoding", "delimiter", "decimal", "header")})
        except DataError as err:
            self._show_head_problem(str(err))
            return
        except Exception as err:  # noqa: BLE001 - a bug must not stop the dialog from opening
            traceback.print_exc(file=sys.stderr)
            self._show_head_problem(f"LayerForge could not read this ({type(err).__name__}: {err});"
                                    " this is a bug, please report it")
            return
        fmt = head.format
        for combo, value in ((self.delimiter, fmt.delimiter), (self.encoding, fmt.encoding),
                             (self.decimal, fmt.decimal)):
            if combo.findData(value) < 0:
                combo.addItem(value, value)
            _select(combo, value)
        self.header.setChecked(fmt.header)
        self.detected_label.setText(f"Detected: {self.detected.describe()}"
                                    + (f" — reading it as {fmt.describe()}" if overrides else ""))
        self.head_model.set_head(list(fmt.names), head.rows, fmt.header)
        self._fit_preview_columns()
        more = "+" if head.truncated else ""
        self.summary.setText(f"Preview of the first {len(head.rows)}{more} rows; reading the whole file…")
        self.message.show_notes(list(fmt.notes))
        self._start_profile(fmt)

    def _show_head_problem(self, message: str) -> None:
        self.head_model.set_head([], [], True)
        self.message.show_error(message)
        self.summary.setText("")
        self.ok_button.setEnabled(False)

    def _fit_preview_columns(self) -> None:
        names = self.head_model.names
        if len(names) > 60:  # wide files keep the default width: measuring costs time
            return
        self.preview.resizeColumnsToContents()
        for section in range(len(names)):
            width = self.preview.columnWidth(section)
            self.preview.setColumnWidth(section, max(70, min(width + 16, 260)))

    def _start_profile(self, fmt) -> None:
        from core.data.csv_profile import profile_csv

        self.cancel_tasks()
        self.profile, self.info, self._checked = None, None, None
        self.ok_button.setEnabled(False)
        self._first_task = self.run(
            lambda progress, cancel: profile_csv(self.path, fmt, progress=progress, cancel=cancel),
            "profile", f"Reading {self.path.name}…", self._on_profiled)

    # ------------------------------------------------------------------ the profile
    def _on_profiled(self, task, profile) -> None:
        if task is not self._first_task:
            return
        self.profile = profile
        self.summary.setText(f"{profile.rows:,} rows, {len(profile.columns)} columns")
        spec = self.initial
        targets = spec.get("target") if "target" in spec else None
        targets = [targets] if isinstance(targets, str) else list(targets or [])
        names = list(profile.columns)
        if not targets and spec.get("task") != "reconstruction" and len(names) > 1:
            targets = [names[-1]]
        ignored, categorical, numeric, text = (set(spec.get(k) or [])
                                               for k in ("ignore", "categorical", "numeric", "text"))
        features = spec.get("features")
        unread = self._unread_columns(names, targets) if features is None and not ignored else set()
        states = []
        for name, column in profile.columns.items():
            if column.kind == TEXT:  # core's detection (core.data.text.looks_like_text)
                inferred = TEXT
            elif (column.kind == CATEGORICAL or column.distinct) and not column.text_count:
                inferred = "categorical"
            else:
                inferred = "numeric"
            state = ColumnState(name=name, type=inferred, inferred_type=inferred, missing=column.missing,
                                summary=column.summary, note=column.reason)
            if name in text:
                state.type = TEXT
            elif name in categorical:
                state.type = "categorical"
            elif name in numeric:
                state.type = "numeric"
            if name in targets:
                state.role = TARGET
            elif name in ignored or (features is not None and name not in features):
                state.role = IGNORE
            elif column.kind == IGNORED_KIND and name not in categorical and name not in text:
                state.role = IGNORE
            elif name in unread:
                state.role = IGNORE
                state.note = "no Input of the network reads this column: set its role to feature to use it"
                state.summary = f"read by no Input · {column.summary}"
            if column.text_count:
                state.note = (f"holds text in rows {', '.join(map(str, column.text_rows))}:"
                              " choose its type")
            states.append(state)
        self._summaries = {s.name: s.summary for s in states}
        self._text_facts = {}
        self._show_text_summaries(states)
        self.columns_model.set_columns(states)
        self._defaults = {name: IGNORE if column.kind == IGNORED_KIND else FEATURE  # the loader's own choice
                          for name, column in profile.columns.items()}
        self.target.clear()
        self.target.addItem("(none: reconstruct the inputs)", None)
        self.order_by.clear()
        self.order_by.addItem("file order", None)
        for name in names:
            self.target.addItem(name, name)
            self.order_by.addItem(name, name)
        order_by = (spec.get("sequence") or {}).get("order_by")
        _select(self.order_by, order_by)
        self._sync_target_combo()
        self._update_roles()
        self.schedule_check()

    def _sync_target_combo(self) -> None:
        targets = self.columns_model.names_with(TARGET)
        if len(targets) == 1:
            _select(self.target, targets[0])
        elif not targets:
            self.target.setCurrentIndex(0)
        else:
            self.target.setItemText(0, f"{len(targets)} target columns")
            self.target.setCurrentIndex(0)

    # ------------------------------------------------------------------ edits
    def _on_target_chosen(self, _index: int = 0) -> None:
        chosen = self.target.currentData()
        for state in self.columns_model.columns:
            if state.role == TARGET:
                state.role = FEATURE if self._defaults.get(state.name) != IGNORE else IGNORE
            if state.name == chosen:
                state.role = TARGET
        if chosen is None:
            _select(self.task, "reconstruction")
        elif self.task.currentData() == "reconstruction":
            _select(self.task, "auto")
        self.columns_model.refresh()
        self._update_roles()
        self.schedule_check()

    def _on_task_chosen(self) -> None:
        if self.task.currentData() == "reconstruction":
            for state in self.columns_model.columns:
                if state.role == TARGET:
                    state.role = FEATURE
            self.columns_model.refresh()
            self._sync_target_combo()
        self._update_roles()
        self.schedule_check()

    def _on_column_edited(self, name: str, key: str, value: str) -> None:
        if key == "type":
            self._typed.add(name)
            self._show_text_summaries(self.columns_model.columns)
            self.columns_model.refresh()
        if key == "role" and value == TARGET and self.task.currentData() not in ("multilabel", "regression"):
            for state in self.columns_model.columns:
                if state.role == TARGET and state.name != name:
                    state.role = FEATURE
            self.columns_model.refresh()
        if key == "role":
            self._sync_target_combo()
        self._update_roles()
        self.schedule_check()

    def _on_sequence_toggled(self, on: bool) -> None:
        self._update_roles()  # stratifying applies to a classification that is not a time series
        self.schedule_check()

    def _update_roles(self) -> None:
        """Headers, task label, class chart and text column panel follow the chosen target(s)."""
        self.head_model.set_roles({s.name: s.role for s in self.columns_model.columns})
        self._update_text_panel()
        self._fit_preview_columns()
        if self.profile is None:
            return
        targets = self.columns_model.names_with(TARGET)
        facts = self.profile.target_facts(targets) if self.task.currentData() != "reconstruction" \
            else self.profile.target_facts([])
        self.task.setItemText(0, f"auto ({facts.task})")
        task = self.task.currentData()
        classifying = (task == "classification" or (task == "auto" and facts.task == "classification"))
        if classifying and targets:
            facts = self.profile.class_facts(targets[0])
            self.chart.set_counts(facts.class_names or [], facts.class_counts or [])
        self.chart_box.setVisible(bool(classifying and targets))
        self.stratify.set_applies(classifying and not self.sequence.isChecked(),
                                  "a time series is split in time order, not by class"
                                  if self.sequence.isChecked() else "this task has no classes")

    def _unread_columns(self, names: list[str], targets: list[str]) -> set[str]:
        """The file's columns that no Input reads, when the Inputs name columns this file has."""
        read = set(self.read_columns or ())
        if not read.intersection(names):
            return set()  # the Inputs name another file's columns: nothing to go by
        return {name for name in names if name not in read and name not in targets}

    # ------------------------------------------------------------------ checking
    def spec(self) -> dict[str, Any]:
        """The ``data`` section these choices describe (what OK returns)."""
        spec = {k: v for k, v in copy.deepcopy(self.initial).items() if k not in _MANAGED}
        spec["kind"] = "csv"
        spec["path"] = relative_path(self.path, self.base_dir)
        states = self.columns_model.columns
        targets = [s.name for s in states if s.role == TARGET]
        task = self.task.currentData()
        if task != "reconstruction" and targets:
            spec["target"] = targets[0] if len(targets) == 1 else targets
        spec["task"] = task
        ignore = [s.name for s in states if s.role == IGNORE and self._defaults.get(s.name) != IGNORE]
        text = [s.name for s in states if s.role == FEATURE and s.type == TEXT
                and (s.inferred_type != TEXT or self._defaults.get(s.name) == IGNORE)]
        categorical = [s.name for s in states if s.role != IGNORE and s.type == "categorical"
                       and (s.inferred_type != "categorical" or self._defaults.get(s.name) == IGNORE)]
        numeric = [s.name for s in states if s.role == FEATURE and s.type == "numeric"
                   and (s.inferred_type != "numeric" or s.name in self._typed)]
        features_from_ignored = [s.name for s in states if s.role == FEATURE
                                 and self._defaults.get(s.name) == IGNORE and s.type == "numeric"]
        numeric += features_from_ignored
        for key, names in (("ignore", ignore), ("categorical", categorical), ("numeric", numeric),
                           ("text", text)):
            if names:
                spec[key] = names
        spec["missing"] = self.missing.currentData()
        spec["scale"] = self.scale.currentData()
        spec.update(self._overrides())
        spec["split"] = self.split_spec()
        spec.update(self._text_options_spec())
        if self.sequence.isChecked():
            spec["sequence"] = {"window": self.window.value(), "horizon": self.horizon.value(),
                                "order_by": self.order_by.currentData()}
        return spec

    def schedule_check(self) -> None:
        if self.profile is not None:
            self.ok_button.setEnabled(False)
            super().schedule_check()

    def start_check(self) -> None:
        spec = self.spec()
        if spec == self._checked and self.info is not None:
            self.ok_button.setEnabled(True)
            return
        if self._check_task is not None:
            self._check_task.cancel()
        base = str(self.base_dir or self.path.parent)
        self._check_task = self.run(
            lambda progress, cancel: check_csv(spec, base, progress, cancel), "check",
            "Checking the data as training will read it…",
            lambda task, result, s=spec: self._on_checked(task, s, result))

    def _on_checked(self, task, spec, result) -> None:
        if task is not self._check_task:
            return
        info, notes, schema = result
        self.info, self._checked = info, spec
        self.summary.setText(facts_line(info, f"{schema.get('rows', info.samples):,} rows ·"
                                              f" {info.samples:,} samples"))
        self.message.show_notes(notes)
        self._text_facts = {row["name"]: row["text"] for row in schema.get("columns") or []
                            if isinstance(row, dict) and row.get("text")}
        self._show_text_summaries(self.columns_model.columns)
        self.columns_model.refresh()
        self._text_checked(spec, self._text_facts)
        self.ok_button.setEnabled(True)

    def _show_text_summaries(self, states) -> None:
        """A text column's summary: its facts once the data was checked, else the profile's
        (core's own "text: ..." line, or just "text" for a column chosen to be text)."""
        for state in states:
            profiled = self._summaries.get(state.name, state.summary)
            if state.type != TEXT:
                state.summary = profiled
            elif state.name in self._text_facts:
                state.summary = text_summary(self._text_facts[state.name])
            else:
                state.summary = profiled if profiled.startswith(TEXT) else text_summary(None)

    def explain(self, message: str) -> str:
        undecided = [c.name for c in self.columns_model.columns
                     if c.note.startswith("holds text") and c.name not in self._typed]
        if undecided and ("hold text" in message or "holds text" in message):
            message += (f". Here: set the Type of {undecided[0]!r} in the column list to categorical,"
                        " or to numeric to treat its text cells as missing, or to text to read it as words")
        if "no feature columns" in message and not self.sequence.isChecked():
            message += ". For a series to forecast, switch on the time series windows"
        return message


def _select(combo: QComboBox, value) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
