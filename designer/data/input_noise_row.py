"""The ``data.input_noise`` controls of the data dialogs: Gaussian noise and a masked share.

Corrupting the training inputs while the reconstruction target stays clean makes an
autoencoder a *denoising* autoencoder (see :mod:`core.data.input_noise`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QWidget

from core.data.input_noise import KEYS


class InputNoiseRow(QWidget):
    """Two spin boxes; :meth:`value` is the ``input_noise`` dict, or None when both are 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gaussian = QDoubleSpinBox(minimum=KEYS["gaussian"][0], maximum=KEYS["gaussian"][1],
                                       singleStep=0.05, decimals=2, objectName="inputNoiseGaussian")
        self.gaussian.setSpecialValueText("off")
        self.gaussian.setToolTip("Add Gaussian noise of this standard deviation to every training input")
        self.mask = QDoubleSpinBox(minimum=KEYS["mask"][0], maximum=KEYS["mask"][1], singleStep=0.05,
                                   decimals=2, objectName="inputNoiseMask")
        self.mask.setSpecialValueText("off")
        self.mask.setToolTip("Set this share of every training input's values to 0")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Gaussian"))
        layout.addWidget(self.gaussian)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Masked share"))
        layout.addWidget(self.mask)
        layout.addStretch(1)
        self.setToolTip("Corrupt the training inputs only: with the reconstruction task the network"
                        " learns to rebuild clean inputs from damaged ones (a denoising autoencoder)")

    def set_value(self, value: dict | None) -> None:
        value = value or {}
        self.gaussian.setValue(float(value.get("gaussian", 0.0)))
        self.mask.setValue(float(value.get("mask", 0.0)))

    def value(self) -> dict | None:
        chosen = {key: round(box.value(), 4) for key, box in (("gaussian", self.gaussian), ("mask", self.mask))
                  if box.value() > 0}
        return chosen or None
