"""The inspector's Advanced part: how a layer trains, beside what it computes.

For now one setting: the layer's learning-rate multiplier (``lr_multiplier``, see
:mod:`core.layers.lr_multiplier`), for layers with weights. The part is folded by default
and opens by itself on a layer whose multiplier is not 1, so a setting never hides. An
edit is one undo step through :meth:`designer.editor.GraphEditor.set_lr_multiplier`; the
view shows the graph's value again after every change (undo included).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QSizePolicy, QToolButton,
                               QVBoxLayout, QWidget)

from core.graph import Node
from core.layers.frozen import can_freeze
from core.layers.lr_multiplier import DEFAULT, KEY, MAXIMUM, lr_multiplier
from designer.inspector.editors import FloatSpinBox, show_field_error

#: The smallest multiplier the spin box offers (0 is refused: freezing keeps weights).
SMALLEST = 1e-6


class AdvancedSection(QWidget):
    """A foldable "Advanced" heading and the layer's training settings under it."""

    def __init__(self, editor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.node_id: str | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.toggle = QToolButton(objectName="advancedToggle", text="ADVANCED", checkable=True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.toggle.setToolTip("How this layer trains: its learning-rate multiplier")
        self.toggle.toggled.connect(self._on_toggled)
        column.addWidget(self.toggle)
        self.body = QWidget()
        form = QFormLayout(self.body)
        form.setContentsMargins(0, 0, 0, 0)
        self.rate = FloatSpinBox()
        self.rate.setObjectName("lrMultiplier")
        self.rate.setRange(SMALLEST, MAXIMUM)
        self.rate.setToolTip("This layer's weights train at training.learning_rate times this"
                             " (1: the run's rate; 0.1: a tenth, for a pretrained backbone)")
        self.rate.editingFinished.connect(self._on_edited)
        self.reset = QToolButton(objectName="lrMultiplierReset", text="1×")
        self.reset.setToolTip("Train at the run's learning rate (remove the multiplier)")
        self.reset.clicked.connect(lambda: self._set(None))
        row = QHBoxLayout()
        row.addWidget(self.rate, 1)
        row.addWidget(self.reset)
        label = QLabel("Learning rate ×")
        label.setToolTip(self.rate.toolTip())
        form.addRow(label, row)
        self.error = QLabel(objectName="fieldError", wordWrap=True)
        self.error.hide()
        form.addRow("", self.error)
        self.note = QLabel(objectName="fieldNote", wordWrap=True)
        self.note.setText("Its weights train at the run's learning rate times this. To keep them"
                          " as they are, freeze the layer (the lock on its card) instead.")
        form.addRow(self.note)
        column.addWidget(self.body)
        self.body.hide()

    # ------------------------------------------------------------------ model -> view
    def show_node(self, node: Node | None) -> None:
        """Show ``node``'s settings (hidden for layers without weights)."""
        if node is None or not can_freeze(node):
            self.node_id = None
            self.hide()
            return
        changed_layer = node.id != self.node_id
        self.node_id = node.id
        value = lr_multiplier(node)
        with QSignalBlocker(self.rate):
            self.rate.setValue(value)
        self.reset.setEnabled(KEY in node.extra)
        show_field_error(self.rate, self.error, None)
        if changed_layer:
            self.toggle.setChecked(value != DEFAULT)
        self.show()

    def _on_toggled(self, open_: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.body.setVisible(open_)

    # ------------------------------------------------------------------ edits
    def _on_edited(self) -> None:
        self._set(self.rate.value())

    def _set(self, value: float | None) -> None:
        if self.node_id is None:
            return
        problem = self.editor.set_lr_multiplier(self.node_id, value)
        show_field_error(self.rate, self.error, problem)
