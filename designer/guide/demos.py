"""Live demos on concept pages: widgets a learner plays with, computed with numpy.

:class:`DemoArea` sits below a guide page's text and shows the demo the page's concept
names (``core.guide_concepts.Concept.demo``), made on first use. :class:`KernelDemo` (the
convolution page): pick a 3×3 kernel (edge, blur, sharpen…) or type its nine weights, and
see it applied to the bundled sample picture next to the original, with one output
pixel's sum written out (the pixel under the mouse). ``core.kernels`` computes; no torch.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLocale, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QDoubleValidator, QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from core import kernels
from core.stepthrough.words import num, signed

#: On-screen pixels per image pixel.
SCALE = 2
CUSTOM = "custom"


def grey_pixmap(values: np.ndarray, scale: int = SCALE) -> QPixmap:
    """``(H, W)`` values in [0, 1] as a grey pixmap, each pixel ``scale`` × ``scale``."""
    grey = np.ascontiguousarray((np.clip(values, 0, 1) * 255).astype(np.uint8))
    h, w = grey.shape
    image = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(image.scaled(w * scale, h * scale, Qt.AspectRatioMode.IgnoreAspectRatio,
                                          Qt.TransformationMode.FastTransformation))


class PixelLabel(QLabel):
    """A picture that says which image pixel the mouse is over (``hovered(row, column)``)."""

    hovered = Signal(int, int)

    def __init__(self, shape: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shape = shape
        self.setMouseTracking(True)
        self.setFixedSize(shape[1] * SCALE, shape[0] * SCALE)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def mouseMoveEvent(self, event) -> None:
        point = event.position()
        row, column = int(point.y() // SCALE), int(point.x() // SCALE)
        if 0 <= row < self.shape[0] and 0 <= column < self.shape[1]:
            self.hovered.emit(row, column)
        super().mouseMoveEvent(event)


class KernelCell(QLineEdit):
    """One weight of the kernel: a number the person can type (``valueChanged`` as they type)."""

    valueChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None, objectName: str = "") -> None:
        super().__init__(parent, objectName=objectName)
        validator = QDoubleValidator(-100.0, 100.0, 4, self)
        validator.setNotation(QDoubleValidator.Notation.StandardNotation)
        validator.setLocale(QLocale.c())
        self.setValidator(validator)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setFixedWidth(62)
        self._value = 0.0
        self.textEdited.connect(self._on_edited)

    def value(self) -> float:
        return self._value

    def setValue(self, value: float) -> None:
        self._value = float(value)
        self.setText(f"{value:.4g}")

    def _on_edited(self, text: str) -> None:
        try:
            self._value = float(text)
        except ValueError:
            return  # "-" or "" while typing: keep the last number
        self.valueChanged.emit(self._value)


class KernelDemo(QWidget):
    """Choose or type a 3×3 kernel; the sample picture and its convolution side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelDemo")
        self.image = kernels.sample_image()
        self.result = self.image
        self.pixel = (60, 88)  # a fence post's edge: every kernel does something there
        self.choice = QComboBox(objectName="kernelChoice")
        for item in kernels.KERNELS:
            self.choice.addItem(item.title, item.name)
        self.choice.addItem("Custom (type the weights)", CUSTOM)
        self.cells: list[KernelCell] = []
        grid = QGridLayout()
        grid.setSpacing(2)
        for i in range(9):
            cell = KernelCell(objectName=f"kernelCell{i}")
            cell.valueChanged.connect(self._on_cell_changed)
            grid.addWidget(cell, i // 3, i % 3)
            self.cells.append(cell)
        self.doc = QLabel(objectName="explanation", wordWrap=True)
        self.original = PixelLabel(self.image.shape)
        self.output = PixelLabel(self.image.shape)
        self.original.setPixmap(grey_pixmap(self.image))
        self.sum_text = QLabel(objectName="kernelSum", wordWrap=True)
        self.sum_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title = QLabel("<b>Play with a kernel</b>: pick one, or type its nine weights")
        chooser = QVBoxLayout()
        chooser.addWidget(QLabel("kernel", objectName="explanation"))
        chooser.addWidget(self.choice)
        chooser.addLayout(grid)
        chooser.addStretch(1)
        row = QHBoxLayout()
        row.addLayout(chooser)
        self.output_caption = QLabel("after the kernel", objectName="explanation")
        for caption, picture in ((QLabel("the picture", objectName="explanation"), self.original),
                                 (self.output_caption, self.output)):
            column = QVBoxLayout()
            caption.setWordWrap(True)
            caption.setFixedWidth(picture.width())
            column.addWidget(caption)
            column.addWidget(picture)
            column.addStretch(1)
            row.addSpacing(8)
            row.addLayout(column)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 8, 0, 0)
        box.addWidget(title)
        box.addLayout(row)
        box.addWidget(self.doc)
        box.addWidget(self.sum_text)
        self.choice.currentIndexChanged.connect(self._on_choice_changed)
        self.original.hovered.connect(self.show_pixel)
        self.output.hovered.connect(self.show_pixel)
        self.choose("edges")

    # ------------------------------------------------------------------ the kernel
    @property
    def weights(self) -> np.ndarray:
        return np.array([cell.value() for cell in self.cells], np.float32).reshape(3, 3)

    def choose(self, name: str) -> None:
        """Pick a kernel of ``core.kernels.KERNELS`` by name (as the combo box does)."""
        self.choice.setCurrentIndex(self.choice.findData(name))
        self._on_choice_changed()

    def set_weights(self, weights) -> None:
        """Type nine weights (the combo box then says Custom)."""
        values = np.asarray(weights, np.float64).reshape(-1)
        for cell, value in zip(self.cells, values):
            with QSignalBlocker(cell):
                cell.setValue(float(value))
        self._on_cell_changed()

    def _on_choice_changed(self, _index: int = 0) -> None:
        name = self.choice.currentData()
        if name == CUSTOM:
            self.doc.setText("Your own kernel: each output pixel is the sum of the nine pixels around"
                             " it, each times the weight at its place.")
            return
        item = kernels.kernel(name)
        for cell, value in zip(self.cells, item.array.reshape(-1)):
            with QSignalBlocker(cell):
                cell.setValue(float(value))
        self.doc.setText(item.doc)
        self._apply()

    def _on_cell_changed(self, _value: float = 0.0) -> None:
        name = self.choice.currentData()
        if name != CUSTOM and not np.allclose(self.weights, kernels.kernel(name).array, atol=5e-4):
            with QSignalBlocker(self.choice):
                self.choice.setCurrentIndex(self.choice.findData(CUSTOM))
            self.doc.setText("Your own kernel: each output pixel is the sum of the nine pixels around"
                             " it, each times the weight at its place.")
        self._apply()

    def _apply(self) -> None:
        weights = self.weights
        self.result = kernels.convolve(self.image, weights)
        self.output.setPixmap(grey_pixmap(kernels.for_display(self.result, weights)))
        self.output_caption.setText("after the kernel (its size: white is strongest)"
                                    if kernels.sums_to_zero(weights) else "after the kernel")
        self.show_pixel(*self.pixel)

    def show_pixel(self, row: int, column: int) -> None:
        """Write out the output pixel at ``(row, column)`` as its sum of nine products."""
        self.pixel = (row, column)
        patch, total = kernels.one_pixel(self.image, self.weights, row, column)
        products = " + ".join(f"{num(p)}×{signed(w)}" for p, w in zip(patch.reshape(-1), self.weights.reshape(-1)))
        self.sum_text.setText(f"Output pixel at row {row}, column {column} = {products} = <b>{num(total)}</b>"
                              "  (pixels are 0 for black to 1 for white; move the mouse over a picture to"
                              " pick another pixel)")


class DemoArea(QWidget):
    """Holds the current page's demo, if it has one (hidden otherwise)."""

    DEMOS = {"kernel": KernelDemo}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideDemo")
        self.demos: dict[str, QWidget] = {}
        self.current: QWidget | None = None
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self.hide()

    def show_for(self, key: str) -> QWidget | None:
        """Show the demo of page ``key`` (a concept page with a ``demo``), else hide."""
        name = None
        if key.startswith("concept:"):
            from core.guide_concepts import concept

            name = concept(key).demo
        if self.current is not None:
            self.current.hide()
            self.current = None
        if name is None or name not in self.DEMOS:
            self.hide()
            return None
        if name not in self.demos:
            self.demos[name] = self.DEMOS[name]()
            self._box.addWidget(self.demos[name])
        self.current = self.demos[name]
        self.current.show()
        self.show()
        self._make_room()
        return self.current

    def _make_room(self, width: int = 1080, height: int = 860) -> None:
        """A demo below the text needs a larger window than a layer page: grow it (within the screen)."""
        window = self.window()
        if window is self:
            return
        screen = window.screen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 40)
        if window.width() < width or window.height() < height:
            window.resize(max(window.width(), width), max(window.height(), height))
