"""Choosing a built-in dataset and its options (samples, noise, seed, classes, task)."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QLabel, QSpinBox, QVBoxLayout, QWidget)

from core.data.builtin import BUILTINS, FIXED_CLASSES
from designer.data.input_noise_row import InputNoiseRow

DEFAULTS = {"samples": 1000, "noise": 0.1, "seed": 0}


class BuiltinDataDialog(QDialog):
    """A form over the ``builtin`` data section; :meth:`spec` is the result."""

    def __init__(self, current: dict | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Built-in dataset")
        current = dict(current or {})
        if current.get("kind") != "builtin":
            current = {}
        self.extra = {k: v for k, v in current.items()
                      if k not in ("kind", "name", "samples", "noise", "seed", "classes", "task", "input_noise")}

        self.name = QComboBox()
        for name, (_gen, shape, _classes, _names, what) in BUILTINS.items():
            self.name.addItem(name, name)
            self.name.setItemData(self.name.count() - 1, what, role=3)  # tooltip
        self.about = QLabel(wordWrap=True)
        self.samples = QSpinBox(minimum=20, maximum=1_000_000, singleStep=100)
        self.noise = QDoubleSpinBox(minimum=0.0, maximum=5.0, singleStep=0.05, decimals=2)
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.classes = QSpinBox(minimum=2, maximum=10)
        self.task = QComboBox()
        self.task.addItem("classification: predict the class", "classification")
        self.task.addItem("reconstruction: reproduce the input (autoencoder)", "reconstruction")
        self.input_noise = InputNoiseRow()

        form = QFormLayout()
        form.addRow("Dataset", self.name)
        form.addRow("", self.about)
        form.addRow("Samples", self.samples)
        form.addRow("Noise", self.noise)
        form.addRow("Seed", self.seed)
        form.addRow("Classes", self.classes)
        form.addRow("Task", self.task)
        form.addRow("Input noise", self.input_noise)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

        self.name.currentIndexChanged.connect(self._on_name_changed)
        index = self.name.findData(current.get("name", "spiral"))
        self.name.setCurrentIndex(max(index, 0))
        self.samples.setValue(int(current.get("samples", DEFAULTS["samples"])))
        self.noise.setValue(float(current.get("noise", DEFAULTS["noise"])))
        self.seed.setValue(int(current.get("seed", DEFAULTS["seed"])))
        if "classes" in current:
            self.classes.setValue(int(current["classes"]))
        self.task.setCurrentIndex(max(self.task.findData(current.get("task", "classification")), 0))
        self.input_noise.set_value(current.get("input_noise"))
        self._on_name_changed()

    def _on_name_changed(self, *_args) -> None:
        name = self.name.currentData()
        _gen, shape, classes, _names, what = BUILTINS[name]
        shape_text = "×".join(map(str, shape))
        self.about.setText(f"{what[0].upper()}{what[1:]}; each sample is {shape_text}.")
        fixed = name in FIXED_CLASSES
        if fixed:
            self.classes.setValue(classes)
        self.classes.setEnabled(not fixed)

    def spec(self) -> dict:
        spec = {"kind": "builtin", "name": self.name.currentData(), "samples": self.samples.value(),
                "noise": round(self.noise.value(), 4), "seed": self.seed.value()}
        if self.classes.isEnabled() and self.classes.value() != BUILTINS[spec["name"]][2]:
            spec["classes"] = self.classes.value()
        if self.task.currentData() != "classification":
            spec["task"] = self.task.currentData()
        if self.input_noise.value():
            spec["input_noise"] = self.input_noise.value()
        return {**spec, **self.extra}
