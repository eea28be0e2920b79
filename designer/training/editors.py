"""Editor widgets for the training form, one per field kind (see :mod:`designer.training.fields`).

Every editor has ``value()``, ``set_value(value)`` (shows a value without emitting) and
the signal ``edited(value)``, emitted when the person finishes an edit. Numbers use
the inspector's spin box, which shows ``1e-05`` as written.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from core.train.schedules import SCHEDULES
from designer.data.signals import emit
from designer.inspector.editors import INT_LIMIT, FloatSpinBox
from designer.training.fields import CHOICES, NULL_TEXT, Field, metric_title

#: Readable names of the other fields' choices in combo boxes (optimisers, losses and
#: schedules are named by their registries: ``fields.CHOICES``).
CHOICE_TEXT = {
    "auto": "auto", "float32": "float32", "bf16": "bf16 mixed", "fp16": "fp16 mixed",
    "device": "on the device", "loader": "DataLoader",
}


def _row() -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    return row


class Editor(QWidget):
    edited = Signal(object)

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"training_{spec.key}")

    def value(self) -> Any:  # pragma: no cover - every editor overrides it
        raise NotImplementedError

    def set_value(self, value: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def _emit(self, *_args) -> None:
        emit(self.edited, self.value())


def int_box(spec: Field) -> QSpinBox:
    box = QSpinBox()
    low = int(spec.minimum) if spec.minimum is not None else -INT_LIMIT
    high = int(spec.maximum) if spec.maximum is not None and spec.maximum < INT_LIMIT else INT_LIMIT
    box.setRange(low + (1 if spec.exclusive_minimum else 0), high)
    box.setKeyboardTracking(False)
    box.setAccelerated(True)
    return box


def float_box(spec: Field) -> FloatSpinBox:
    box = FloatSpinBox()
    low = spec.minimum if spec.minimum is not None else -1e12
    high = spec.maximum if spec.maximum is not None else 1e12
    if spec.exclusive_minimum:
        low = low + 1e-12
    if spec.exclusive_maximum:
        high = high - 1e-9
    box.setRange(low, high)
    box.setKeyboardTracking(False)
    return box


class SpinEditor(Editor):
    """A whole number or a number (``spec.kind``) in a spin box limited to the schema's range."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self._integer = spec.kind == "integer"
        self.box = int_box(spec) if self._integer else float_box(spec)
        row = _row()
        row.addWidget(self.box)
        self.setLayout(row)
        self.box.valueChanged.connect(self._emit)

    def value(self) -> int | float:
        return int(self.box.value()) if self._integer else float(self.box.value())

    def set_value(self, value: Any) -> None:
        ok = isinstance(value, int) if self._integer else isinstance(value, (int, float))
        with QSignalBlocker(self.box):
            if ok and not isinstance(value, bool):
                self.box.setValue(value)


class BoolEditor(Editor):
    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox()
        row = _row()
        row.addWidget(self.box)
        row.addStretch(1)
        self.setLayout(row)
        self.box.toggled.connect(self._emit)

    def value(self) -> bool:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.box):
            self.box.setChecked(bool(value))


class ChoiceEditor(Editor):
    """A combo box of ``choices`` (shown with readable names); ``editable`` accepts other text."""

    def __init__(self, spec: Field, choices=(), editable: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QComboBox()
        self.box.setEditable(editable)
        self.box.setMinimumContentsLength(10)
        row = _row()
        row.addWidget(self.box)
        self.setLayout(row)
        self.set_choices(choices or spec.choices)
        self.box.activated.connect(self._emit)
        if editable:
            self.box.lineEdit().editingFinished.connect(self._on_text_finished)

    def set_choices(self, choices, texts: dict[str, str] | None = None) -> None:
        current = self.value() if self.box.count() else None
        described = CHOICES.get(self.spec.key, {})
        with QSignalBlocker(self.box):
            self.box.clear()
            for choice in choices:
                plain = (texts or CHOICE_TEXT).get(choice, str(choice))
                title, doc = described.get(choice, (plain, ""))
                self.box.addItem(title, choice)
                if doc:
                    self.box.setItemData(self.box.count() - 1, doc, Qt.ItemDataRole.ToolTipRole)
            if current is not None:
                self.set_value(current)

    def _on_text_finished(self) -> None:
        if self.box.currentData() is None or self.box.currentText() != self.box.itemText(self.box.currentIndex()):
            self._emit()

    def value(self) -> Any:
        index = self.box.currentIndex()
        if self.box.isEditable() and (index < 0 or self.box.currentText() != self.box.itemText(index)):
            return self.box.currentText().strip()
        return self.box.itemData(index) if index >= 0 else None

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.box):
            index = self.box.findData(value)
            if index < 0 and value is not None:
                # a value the list lacks (a hand-edited file, a device not present): show it anyway
                self.box.addItem(str(value), value)
                index = self.box.count() - 1
            self.box.setCurrentIndex(index)


class OptionalEditor(Editor):
    """A number with a check box that means null (``none``, ``random``, ``automatic``)."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        integer = spec.kind == "optional_integer"
        self.box = int_box(spec) if integer else float_box(spec)
        self.null = QCheckBox(NULL_TEXT.get(spec.key, "none"))
        self.null.setToolTip(f"Leave {spec.title.lower()} out ({NULL_TEXT.get(spec.key, 'none')})")
        row = _row()
        row.addWidget(self.box, 1)
        row.addWidget(self.null)
        self.setLayout(row)
        self._integer = integer
        self.box.valueChanged.connect(self._emit)
        self.null.toggled.connect(self._on_null_toggled)

    def _on_null_toggled(self, checked: bool) -> None:
        self.box.setEnabled(not checked)
        self._emit()

    def value(self) -> Any:
        if self.null.isChecked():
            return None
        return int(self.box.value()) if self._integer else float(self.box.value())

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.box), QSignalBlocker(self.null):
            self.null.setChecked(value is None)
            self.box.setEnabled(value is not None)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.box.setValue(value)
            elif value is None and not self._integer and self.spec.key == "gradient_clip":
                self.box.setValue(1.0)  # what un-ticking "none" offers


class PairEditor(Editor):
    """Two numbers (Adam's betas)."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.boxes = [float_box(spec), float_box(spec)]
        row = _row()
        for box in self.boxes:
            row.addWidget(box)
            box.valueChanged.connect(self._emit)
        self.setLayout(row)

    def value(self) -> list[float]:
        return [float(b.value()) for b in self.boxes]

    def set_value(self, value: Any) -> None:
        if isinstance(value, (list, tuple)) and len(value) == 2:
            for box, v in zip(self.boxes, value):
                with QSignalBlocker(box):
                    if isinstance(v, (int, float)):
                        box.setValue(float(v))


class ScheduleEditor(Editor):
    """The schedule's type and, below it, that type's options (from the schedule registry)."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.type_box = ChoiceEditor(Field("schedule_type", "Schedule", "", "choice", SCHEDULES.names()))
        self.options = QWidget()
        self.form = QFormLayout(self.options)
        self.form.setContentsMargins(12, 0, 0, 0)
        self.option_boxes: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow(self.type_box)
        layout.addRow(self.options)
        self.type_box.edited.connect(self._on_type_edited)
        self._options: dict[str, Any] = {}
        self._build("none")

    def _build(self, kind: str) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.option_boxes = {}
        schedule = SCHEDULES.get(kind) if kind in SCHEDULES else None
        for described in schedule.options if schedule else ():
            name, default = described.name, described.default
            option = Field(name, name, described.doc, "integer" if described.integer else "number",
                           minimum=described.minimum, maximum=described.maximum,
                           exclusive_minimum=described.exclusive_minimum,
                           exclusive_maximum=described.exclusive_maximum)
            box = int_box(option) if option.kind == "integer" else float_box(option)
            box.setValue(self._options.get(name, default))
            box.setToolTip(option.description)
            box.valueChanged.connect(self._emit)
            self.option_boxes[name] = box
            self.form.addRow(name.replace("_", " "), box)
        self.options.setVisible(bool(self.option_boxes))

    def _on_type_edited(self, kind: str) -> None:
        self._options = {}
        self._build(kind)
        self._emit()

    def value(self) -> Any:
        kind = self.type_box.value() or "none"
        if kind == "none" or not self.option_boxes:
            return kind
        defaults = SCHEDULES.get(kind).defaults() if kind in SCHEDULES else {}
        options = {name: box.value() for name, box in self.option_boxes.items()}
        changed = {k: v for k, v in options.items() if v != defaults.get(k)}
        return {"type": kind, **changed} if changed else kind

    def set_value(self, value: Any) -> None:
        kind = value.get("type", "none") if isinstance(value, dict) else (value or "none")
        self._options = {k: v for k, v in value.items() if k != "type"} if isinstance(value, dict) else {}
        self.type_box.set_value(kind)
        self._build(kind)


class MetricsEditor(Editor):
    """A check box per metric the task offers, two to a line (a dock's width holds two)."""

    COLUMNS = 2

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(2)
        self.setLayout(self.grid)
        self.boxes: dict[str, QCheckBox] = {}

    def set_choices(self, names) -> None:
        if list(names) == list(self.boxes):
            return
        for box in self.boxes.values():
            self.grid.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        for index, name in enumerate(names):
            box = QCheckBox(metric_title(name))
            box.setToolTip(CHOICES["metrics"].get(name, ("", ""))[1])
            box.toggled.connect(self._emit)
            self.grid.addWidget(box, index // self.COLUMNS, index % self.COLUMNS)
            self.boxes[name] = box
        self.grid.setColumnStretch(self.COLUMNS, 1)

    def value(self) -> list[str]:
        return [name for name, box in self.boxes.items() if box.isChecked()]

    def set_value(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else set()
        for name, box in self.boxes.items():
            with QSignalBlocker(box):
                box.setChecked(name in chosen)


class EarlyStoppingEditor(Editor):
    """Off, or on with patience, minimum improvement and whether to end with the best weights."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        options = spec.options
        self.on = QCheckBox("Stop when the monitored value stops improving")
        self.patience = int_box(Field("patience", "", "", "integer", minimum=1, maximum=100000))
        self.min_delta = float_box(Field("min_delta", "", "", "number", minimum=0, maximum=1e9))
        self.restore = QCheckBox("End with the best epoch's weights")
        self.patience.setToolTip("Epochs without improvement before stopping")
        self.min_delta.setToolTip("The smallest change that counts as an improvement")
        self.restore.setToolTip(options.get("restore_best", {}).get("description", ""))
        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(12, 0, 0, 0)
        form.addRow("patience", self.patience)
        form.addRow("min delta", self.min_delta)
        form.addRow(self.restore)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow(self.on)
        layout.addRow(self.details)
        for signal in (self.on.toggled, self.patience.valueChanged, self.min_delta.valueChanged,
                       self.restore.toggled):
            signal.connect(self._emit)
        self.set_value(None)

    def value(self) -> Any:
        if not self.on.isChecked():
            return None
        return {"patience": self.patience.value(), "min_delta": float(self.min_delta.value()),
                "restore_best": self.restore.isChecked()}

    def set_value(self, value: Any) -> None:
        if value is True:
            value = {}
        on = isinstance(value, dict)
        values = {"patience": 10, "min_delta": 0.0, "restore_best": True, **(value if on else {})}
        for widget in (self.on, self.patience, self.min_delta, self.restore):
            widget.blockSignals(True)
        self.on.setChecked(on)
        if isinstance(values["patience"], int):
            self.patience.setValue(values["patience"])
        if isinstance(values["min_delta"], (int, float)):
            self.min_delta.setValue(float(values["min_delta"]))
        self.restore.setChecked(bool(values["restore_best"]))
        for widget in (self.on, self.patience, self.min_delta, self.restore):
            widget.blockSignals(False)
        self.details.setVisible(on)


class AdversarialEditor(Editor):
    """A GAN's settings (``training.adversarial``): the discriminator's learning rate (or the
    generator's), its steps per generator step, real-label smoothing and the generator's loss.
    Only values that differ from the defaults are written; keys it does not show are kept."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        options = spec.options

        def field(key: str, kind: str) -> Field:
            option = options.get(key, {})
            return Field(key, option.get("title", key), option.get("description", ""), kind,
                         tuple(option.get("enum", ())), default=option.get("default"),
                         **_option_limits(option))

        self.same_rate = QCheckBox("Same as the generator's")
        self.rate = float_box(field("discriminator_learning_rate", "number"))
        self.steps = int_box(field("discriminator_steps", "integer"))
        self.smoothing = float_box(field("label_smoothing", "number"))
        self.loss = QComboBox()
        for name in options.get("loss", {}).get("enum", ("non_saturating", "minimax")):
            self.loss.addItem(name.replace("_", "-"), name)
        rate_row = QWidget()
        rate_column = QVBoxLayout(rate_row)
        rate_column.setContentsMargins(0, 0, 0, 0)
        rate_column.setSpacing(2)
        rate_column.addWidget(self.rate)
        rate_column.addWidget(self.same_rate)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for title, widget, key in (("Discriminator learning rate", rate_row, "discriminator_learning_rate"),
                                   ("Discriminator steps", self.steps, "discriminator_steps"),
                                   ("Real-label smoothing", self.smoothing, "label_smoothing"),
                                   ("Generator loss", self.loss, "loss")):
            widget.setToolTip(options.get(key, {}).get("description", ""))
            layout.addRow(title, widget)
        self.rate.setObjectName("training_discriminator_learning_rate")
        self.steps.setObjectName("training_discriminator_steps")
        self.smoothing.setObjectName("training_gan_label_smoothing")
        self._kept: dict[str, Any] = {}
        self.same_rate.toggled.connect(lambda on: self.rate.setEnabled(not on))
        for signal in (self.same_rate.toggled, self.rate.valueChanged, self.steps.valueChanged,
                       self.smoothing.valueChanged, self.loss.currentIndexChanged):
            signal.connect(self._emit)
        self.set_value(None)

    def value(self) -> dict[str, Any]:
        out = dict(self._kept)
        shown = {"discriminator_learning_rate": None if self.same_rate.isChecked() else float(self.rate.value()),
                 "discriminator_steps": self.steps.value(),
                 "label_smoothing": float(self.smoothing.value()),
                 "loss": self.loss.currentData()}
        defaults = {"discriminator_learning_rate": None, "discriminator_steps": 1,
                    "label_smoothing": 0.0, "loss": "non_saturating"}
        out.update({k: v for k, v in shown.items() if v != defaults[k]})
        return out

    def set_value(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        self._kept = {k: v for k, v in value.items()
                      if k not in ("discriminator_learning_rate", "discriminator_steps",
                                   "label_smoothing", "loss")}
        widgets = (self.same_rate, self.rate, self.steps, self.smoothing, self.loss)
        for widget in widgets:
            widget.blockSignals(True)
        rate = value.get("discriminator_learning_rate")
        self.same_rate.setChecked(not isinstance(rate, (int, float)))
        self.rate.setEnabled(isinstance(rate, (int, float)))
        self.rate.setValue(float(rate) if isinstance(rate, (int, float)) else 0.0002)
        steps = value.get("discriminator_steps", 1)
        self.steps.setValue(steps if isinstance(steps, int) else 1)
        smoothing = value.get("label_smoothing", 0.0)
        self.smoothing.setValue(float(smoothing) if isinstance(smoothing, (int, float)) else 0.0)
        index = self.loss.findData(value.get("loss", "non_saturating"))
        self.loss.setCurrentIndex(max(0, index))
        for widget in widgets:
            widget.blockSignals(False)


def _option_limits(option: dict[str, Any]) -> dict[str, Any]:
    from designer.training.fields import _limits

    return _limits(option)


class PathEditor(Editor):
    """A run folder or .safetensors file to start from, or nothing."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit()
        self.line.setPlaceholderText("none: start from random weights")
        self.browse = QPushButton("Choose…")
        self.browse.setToolTip("Choose an earlier run's folder")
        row = _row()
        row.addWidget(self.line, 1)
        row.addWidget(self.browse)
        self.setLayout(row)
        self.line.editingFinished.connect(self._emit)
        self.browse.clicked.connect(self._on_browse)
        self.start_dir = ""

    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Start from the weights of an earlier run",
                                                  self.start_dir)
        if folder:
            self.line.setText(folder)
            self._emit()

    def value(self) -> str | None:
        return self.line.text().strip() or None

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.line):
            self.line.setText(value if isinstance(value, str) else "")


def make_editor(spec: Field) -> Editor:
    kind = spec.kind
    if kind in ("integer", "number"):
        return SpinEditor(spec)
    if kind == "boolean":
        return BoolEditor(spec)
    if kind in ("optional_integer", "optional_number"):
        return OptionalEditor(spec)
    if kind == "pair":
        return PairEditor(spec)
    if kind == "schedule":
        return ScheduleEditor(spec)
    if kind == "metrics":
        return MetricsEditor(spec)
    if kind == "early_stopping":
        return EarlyStoppingEditor(spec)
    if kind == "path":
        return PathEditor(spec)
    if kind == "adversarial":
        return AdversarialEditor(spec)
    if kind in ("device", "monitor", "text"):
        return ChoiceEditor(spec, editable=True)
    return ChoiceEditor(spec, spec.choices)


