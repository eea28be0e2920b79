"""The hyperparameter form, generated from the project schema's ``training`` section.

One editor per setting (:mod:`designer.training.editors`), grouped in sections
(:mod:`designer.training.fields`). The form shows the project's values, or the
default for the data's task where the project has none (in grey, "default"); it
hides settings that do not apply (momentum with Adam). Edits leave as
``edited(key, value)``; the panel turns them into undoable project changes. A problem
``training_problems`` reports is shown under its field.

While a run is active the form is read-only, except that a paused run's optimiser
settings (:data:`~designer.training.fields.LIVE_KEYS`) can be changed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from core.train.spec import training_problems
from designer.data.signals import emit
from designer.training import fields as F
from designer.training.editors import ChoiceEditor, Editor, MetricsEditor, PathEditor, make_editor


class FieldRow:
    """A field's label, editor and error line."""

    def __init__(self, spec: F.Field, form: QFormLayout) -> None:
        self.spec = spec
        self.label = QLabel(spec.title)
        self.label.setToolTip(spec.description)
        self.editor: Editor = make_editor(spec)
        self.editor.setToolTip(spec.description)
        self.error = QLabel(objectName="fieldError", wordWrap=True)
        self.error.hide()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.editor)
        column.addWidget(self.error)
        self.box = box
        if spec.kind in F.FULL_WIDTH:  # an editor with its own labelled rows
            self.label.hide()
            form.addRow(box)
        else:
            form.addRow(self.label, box)
        self.shown = True

    def set_visible(self, visible: bool) -> None:
        self.shown = visible
        self.label.setVisible(visible and self.spec.kind not in F.FULL_WIDTH)
        self.box.setVisible(visible)

    def set_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))

    def set_default(self, is_default: bool) -> None:
        """Grey label with "(default)" when the project does not set this value."""
        from designer import theme

        faint = theme.current().sheet.get("text_faint", "#8a93a3")
        self.label.setText(self.spec.title + (f" <span style='color:{faint}'>(default)</span>"
                                              if is_default else ""))


class TrainingForm(QWidget):
    edited = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingForm")
        self.rows: dict[str, FieldRow] = {}
        self.headings: dict[QLabel, list[str]] = {}  # a section's title: its fields' keys
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 8)
        column.setSpacing(2)
        for title, specs in F.sections():
            heading = QLabel(title.upper(), objectName="sectionTitle")
            self.headings[heading] = [spec.key for spec in specs]
            column.addWidget(heading)
            form = QFormLayout()
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            # In a narrow dock a field too wide beside its label goes under it (the metrics'
            # check boxes, two betas) instead of being cut at the dock's edge.
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            form.setHorizontalSpacing(12)
            form.setVerticalSpacing(6)
            for spec in specs:
                row = FieldRow(spec, form)
                row.editor.edited.connect(lambda value, key=spec.key: self._on_edited(key, value))
                self.rows[spec.key] = row
            column.addLayout(form)
        column.addStretch(1)
        self.training: dict[str, Any] = {}
        self.info = None
        self.values: dict[str, Any] = {}
        self.run_state = "idle"

    # ------------------------------------------------------------------ showing values
    def show_training(self, training: dict[str, Any] | None, info=None, base_dir: str = "",
                      gan: bool = False) -> None:
        """Show the project's section (defaults where it has none) and its problems; for a GAN
        (``gan``) its own settings instead of the loss, metrics and early stopping."""
        self.training = dict(training or {})
        self.info = info
        self.values = F.effective(self.training, info, gan)
        self._set_choices()
        for key, row in self.rows.items():
            row.editor.set_value(self.values.get(key))
            row.set_default(key not in self.training)
            row.set_visible(F.applies(key, self.values, info, gan))
            if isinstance(row.editor, PathEditor):
                row.editor.start_dir = base_dir
        self._name_learning_rate(gan)
        for heading, keys in self.headings.items():  # a section whose fields all hide goes too
            heading.setVisible(any(self.rows[key].shown for key in keys))
        self.show_problems(training_problems(self.training, info))
        self._update_enabled()

    def _name_learning_rate(self, gan: bool) -> None:
        """A GAN's learning rate is its generator's (the GAN section holds the discriminator's)."""
        row = self.rows.get("learning_rate")
        if row is not None:
            own = isinstance(self.training.get("adversarial"), dict) and \
                self.training["adversarial"].get("generator_learning_rate") is not None
            row.spec.title = "Generator learning rate" if gan and not own else "Learning rate"
            row.set_default("learning_rate" not in self.training)

    def _set_choices(self) -> None:
        info = self.info
        loss = self.rows.get("loss")
        if loss is not None and isinstance(loss.editor, ChoiceEditor):
            loss.editor.set_choices(F.losses_for(info))
        metrics = self.rows.get("metrics")
        if metrics is not None and isinstance(metrics.editor, MetricsEditor):
            metrics.editor.set_choices(F.metrics_for(info))
        monitor = self.rows.get("monitor")
        if monitor is not None and isinstance(monitor.editor, ChoiceEditor):
            monitor.editor.set_choices(F.monitor_choices(self.values, info), texts={})

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """The device selector's entries: (value, text) such as ("cpu", "CPU (2 threads)")."""
        row = self.rows.get("device")
        if row is not None and isinstance(row.editor, ChoiceEditor):
            row.editor.set_choices([d for d, _t in devices], texts=dict(devices))
            row.editor.set_value(self.values.get("device", "auto"))

    def device_choices(self) -> list[str]:
        box = self.rows["device"].editor.box
        return [box.itemData(i) for i in range(box.count())]

    def show_problems(self, problems: list[str]) -> None:
        by_key: dict[str, list[str]] = {}
        for sentence in problems:
            key = F.problem_key(sentence)
            by_key.setdefault(key if key in self.rows else "", []).append(sentence)
        for key, row in self.rows.items():
            row.set_error("\n".join(by_key.get(key, [])) or None)
        self.problems = problems

    def set_field_error(self, key: str, text: str | None) -> None:
        if key in self.rows:
            self.rows[key].set_error(text)

    # ------------------------------------------------------------------ running
    def set_run_state(self, state: str) -> None:
        """``idle``: everything editable; ``paused``: only the optimiser; else read-only."""
        self.run_state = state
        self._update_enabled()

    def _update_enabled(self) -> None:
        for key, row in self.rows.items():
            editable = self.run_state == "idle" or (self.run_state == "paused" and key in F.LIVE_KEYS)
            row.editor.setEnabled(editable)

    def show_live_settings(self, settings: dict[str, Any]) -> None:
        """A paused run's optimiser settings in the live fields (they may differ from the project's)."""
        for key in F.LIVE_KEYS:
            if key in settings and key in self.rows:
                self.rows[key].editor.set_value(settings[key])

    # ------------------------------------------------------------------ edits
    def _on_edited(self, key: str, value: Any) -> None:
        emit(self.edited, key, value)
