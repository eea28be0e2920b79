"""The Fine-tune dialog's two-stage option: "then unfreeze at epoch N with the learning rate × f".

Checked, it writes ``training.unfreeze_at_epoch`` and ``unfreeze_learning_rate_factor``
(core/train/unfreeze.py): the head trains alone on the frozen backbone first, then every
layer trains, the once-frozen ones at a smaller rate. It applies only when the backbone is
frozen, and is on by default then.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from core.train.spec import TrainSpec
from core.train.unfreeze import DEFAULT_FACTOR, default_unfreeze_epoch
from designer.inspector.editors import FloatSpinBox

KEYS = ("unfreeze_at_epoch", "unfreeze_learning_rate_factor")


class TwoStageRow(QWidget):
    """A check box with the epoch and the factor; :meth:`settings` is what it adds to training."""

    def __init__(self, training: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        given = TrainSpec()
        epochs = training.get("epochs", given.epochs)
        epochs = epochs if isinstance(epochs, int) and not isinstance(epochs, bool) and epochs > 0 else given.epochs
        at = training.get("unfreeze_at_epoch")
        factor = training.get("unfreeze_learning_rate_factor", given.unfreeze_learning_rate_factor)
        self.check = QCheckBox("then unfreeze them at epoch", objectName="twoStage")
        self.check.setToolTip("Two-stage fine-tuning: the head learns on the frozen backbone first;"
                              " from this epoch every layer trains, the unfrozen ones at the"
                              " learning rate times the factor (training.unfreeze_at_epoch)")
        self.check.setChecked(True)
        self.epoch = QSpinBox(objectName="unfreezeEpoch")
        self.epoch.setRange(2, max(2, epochs))
        self.epoch.setMaximumWidth(80)
        self.epoch.setValue(at if isinstance(at, int) and 2 <= at <= epochs else default_unfreeze_epoch(epochs))
        self.factor = FloatSpinBox()
        self.factor.setObjectName("unfreezeFactor")
        self.factor.setRange(1e-6, 1.0)
        self.factor.setMaximumWidth(90)
        self.factor.setValue(factor if isinstance(factor, (int, float)) and 0 < factor <= 1 else DEFAULT_FACTOR)
        self.of = QLabel(f"of {epochs}, with the learning rate ×")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.epoch)
        row.addWidget(self.of)
        row.addWidget(self.factor)
        row.addStretch(1)
        self.check.toggled.connect(self._on_toggled)

    def set_available(self, available: bool) -> None:
        """Only a frozen backbone can be unfrozen: off and greyed without one, on with one."""
        self.check.setEnabled(available)
        self.check.setChecked(available)

    def _on_toggled(self, checked: bool) -> None:
        self.epoch.setEnabled(checked)
        self.factor.setEnabled(checked)

    def settings(self, training: dict[str, Any], freezing: bool) -> dict[str, Any]:
        """``training`` with the two settings set (checked and freezing) or removed."""
        out = {k: v for k, v in training.items() if k not in KEYS}
        if freezing and self.check.isChecked():
            out[KEYS[0]] = self.epoch.value()
            out[KEYS[1]] = float(self.factor.value())
        return out
