"""One editor widget per parameter kind, generated from :class:`core.layers.Param`.

| kind | widget |
| --- | --- |
| ``int`` | spin box limited to the allowed range |
| ``float`` | spin box that shows numbers such as ``1e-05`` as written |
| ``bool`` | check box |
| ``choice`` | combo box of ``param.options()`` (a list another registry may own); with ``choices_in`` the inspector narrows it to what fits the node (``set_options``) |
| ``int_or_pair`` / ``float_or_pair`` / ``int_list`` | text field: ``3`` or ``3, 5`` |
| ``name_list`` | the data's columns to check, else a text field ``a, b`` (``name_list.py``) |

Every editor emits ``value_edited(value)`` when the person finishes an edit (not
on every keystroke) and shows a value with ``set_value`` without emitting. A
parameter with ``optional=True`` gets an "auto" check box: ticked means ``None``,
whose meaning (``none_means``) is its tooltip, and the greyed field shows what auto
stands for now (``auto (3)``: the editor's ``fallback``, else ``auto (from the data)``).
A text that cannot be a value is refused inline: the field turns red and the reason
appears under it.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout,
                               QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget)

from core.errors import ParamError
from core.layers.params import Param

INT_LIMIT = 2**31 - 1


def format_number(value: float) -> str:
    """``1e-05`` and ``0.1`` as a person writes them (no trailing zeros)."""
    if isinstance(value, int):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def format_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(format_number(v) for v in value)
    return format_number(value)


def parse_numbers(text: str, integer: bool) -> list[float | int]:
    """``"3, 5"`` / ``"3x5"`` / ``"[3, 5]"`` -> ``[3, 5]``; raises ``ValueError``."""
    parts = [p for p in re.split(r"[\s,x×*()\[\]]+", text.strip()) if p]
    if not parts:
        raise ValueError("empty")
    values: list[float | int] = []
    for part in parts:
        if integer:
            values.append(int(part))
        else:
            number = float(part)
            if not math.isfinite(number):
                raise ValueError(part)
            values.append(number)
    return values


class FloatSpinBox(QDoubleSpinBox):
    """A spin box for small and large floats: shows ``1e-05``, steps by a tenth of the value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)

    def textFromValue(self, value: float) -> str:
        return format_number(round(value, 12))

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        if stripped in ("", "-", ".", "-.") or stripped.lower().endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate, text, pos
        try:
            value = float(stripped)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


def make_editor(param: Param, parent: QWidget | None = None) -> "ParamEditor":
    """The editor for ``param``'s kind (a :class:`ParamEditor` or one of its subclasses)."""
    if param.kind == "name_list":
        from designer.inspector.name_list import NameListEditor

        return NameListEditor(param, parent)
    return ParamEditor(param, parent)


class ParamEditor(QWidget):
    """The editor of one parameter (the widget depends on ``param.kind``)."""

    value_edited = Signal(object)
    #: Whether an optional parameter gets the "auto" check box (a name list is automatic
    #: when it is empty, so it needs none).
    has_auto_box = True

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.setObjectName(f"param_{param.name}")
        self.field = self._make_field()
        self.field.setToolTip(f"{param.doc}\nAllowed: {param.range_text()}")
        self.auto: QCheckBox | None = None
        self.error_label = QLabel(objectName="fieldError", wordWrap=True)
        self.error_label.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.field, 1)
        if param.optional and self.has_auto_box:
            self.auto = QCheckBox("auto")
            self.auto.setToolTip(f"Automatic: {param.none_means or 'chosen for you'}")
            self.auto.toggled.connect(self._on_auto_toggled)
            row.addWidget(self.auto)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.error_label)
        self._value: Any = None
        #: Gives the value to start from when "auto" is unticked (the inspector sets it
        #: so that e.g. stride starts at the kernel size it followed); ``None`` = a default.
        self.fallback: Callable[[], Any] | None = None

    # ------------------------------------------------------------------ the field
    def _make_field(self) -> QWidget:
        p = self.param
        if p.kind == "int":
            box = QSpinBox()
            box.setRange(int(p.minimum) if p.minimum is not None else -INT_LIMIT,
                         int(p.maximum) if p.maximum is not None else INT_LIMIT)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda v: self._emit(int(v)))
            return box
        if p.kind == "float":
            box = FloatSpinBox()
            box.setRange(p.minimum if p.minimum is not None else -1e12,
                         p.maximum if p.maximum is not None else 1e12)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda v: self._emit(float(v)))
            return box
        if p.kind == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda v: self._emit(bool(v)))
            return box
        if p.kind == "choice":
            box = QComboBox()
            box.addItems(list(p.options()))
            box.currentTextChanged.connect(self._emit)
            return box
        edit = QLineEdit()
        edit.setPlaceholderText({"int_or_pair": "3  or  3, 5", "float_or_pair": "2  or  2, 1.5",
                                 "int_list": "1, 28, 28"}[p.kind])
        edit.editingFinished.connect(self._on_text_finished)
        return edit

    def _emit(self, value: Any) -> None:
        if self.auto is not None and self.auto.isChecked():
            return
        self.show_error(None)
        self.value_edited.emit(value)

    def _on_text_finished(self) -> None:
        if self.auto is not None and self.auto.isChecked():
            return
        self._commit_text(self.field.text())

    def _commit_text(self, text: str) -> None:
        """Apply what a text field says: an error shown under it, or one undoable edit."""
        try:
            value = self.parse_text(text)
        except ParamError as err:
            self.show_error(str(err))
            return
        if value == self._value:
            self.show_error(None)
            return
        self._emit(value)

    def parse_text(self, text: str) -> Any:
        """The value a text field means, or :class:`ParamError` saying why it cannot be one."""
        p = self.param
        integer = p.kind in ("int_or_pair", "int_list")
        try:
            numbers = parse_numbers(text, integer)
        except ValueError:
            raise ParamError(f"{p.name} must be {p.range_text()}, got {text.strip()!r}", param=p.name) from None
        value: Any = numbers if p.kind == "int_list" or len(numbers) != 1 else numbers[0]
        p.validate(value)
        return value

    def _on_auto_toggled(self, checked: bool) -> None:
        self.field.setEnabled(not checked)
        if checked:
            self.show_error(None)
            self.show_auto()
            self.value_edited.emit(None)
            return
        value = self._fallback()  # what auto stood for: the person goes on from there
        self._show_in_field(value)
        self.value_edited.emit(value)

    def _fallback(self) -> Any:
        p = self.param
        if self.fallback is not None:
            value = self.fallback()
            if value is not None:
                return value
        if p.default is not None:
            return p.default
        low = p.minimum if p.minimum is not None else 1
        if p.kind == "int_list":
            return [int(low)] * (p.list_length[0] if p.list_length else 1)
        return int(low) if p.kind in ("int", "int_or_pair") else float(low)

    # ------------------------------------------------------------------ showing a value
    def set_value(self, value: Any) -> None:
        """Show ``value`` (``None``: automatic, or the default of a parameter the node leaves
        out) without emitting ``value_edited``."""
        self.show_error(None)
        if self.auto is not None:
            self.auto.blockSignals(True)
            self.auto.setChecked(value is None)
            self.auto.blockSignals(False)
            self.field.setEnabled(value is not None)
            if value is None:
                self._value = None
                self.show_auto()
                return
        if value is None:  # shown as its default: leaving the field unchanged is no edit
            value = self.param.default if self.param.default is not None else self._fallback()
        self._value = value
        self._show_in_field(value)

    def auto_text(self) -> str:
        """What the field says while "auto" is ticked: ``auto (3)``, ``auto (from the data)``."""
        resolved = self.fallback() if self.fallback is not None else None
        if resolved is not None:
            return f"auto ({format_value(resolved)})"
        return f"auto ({self.param.none_means})" if self.param.none_means else "auto"

    def show_auto(self) -> None:
        """Show, greyed in the field, what "auto" stands for now (again when that changes)."""
        if self.auto is None or not self.auto.isChecked():
            return
        field, text = self.field, self.auto_text()
        if isinstance(field, QLineEdit):
            field.blockSignals(True)
            field.setText(text)
            field.blockSignals(False)
        elif isinstance(field, QAbstractSpinBox):  # the special text shows at the minimum
            field.blockSignals(True)
            field.setSpecialValueText(text)
            field.setValue(field.minimum())
            field.blockSignals(False)
        else:
            self._show_in_field(self._fallback())
        self.auto.setToolTip(f"Automatic: {self.param.none_means or 'chosen for you'}"
                             f" ({text.removeprefix('auto ').strip('()')} now)")

    def _show_in_field(self, value: Any) -> None:
        field = self.field
        field.blockSignals(True)
        try:
            if isinstance(field, QAbstractSpinBox):
                field.setSpecialValueText("")  # the auto text is gone with auto
            if isinstance(field, QLineEdit):
                field.setText(format_value(value))
            elif isinstance(field, QCheckBox):
                field.setChecked(bool(value))
            elif isinstance(field, QComboBox):
                field.setCurrentText(str(value))
            else:
                field.setValue(value)
        finally:
            field.blockSignals(False)

    def set_options(self, options: tuple[str, ...] | list[str], value: str | None = None) -> None:
        """Offer only ``options`` in a ``choice`` combo, showing ``value`` (default: the value
        shown now); a value that is not among them is kept at the end, so the combo never
        shows something other than the node holds. Emits nothing."""
        field = self.field
        if not isinstance(field, QComboBox):
            return
        shown = value if value is not None else field.currentText()
        items = list(options) + ([shown] if shown and shown not in options else [])
        if items == [field.itemText(i) for i in range(field.count())]:
            if shown != field.currentText():
                self._show_in_field(shown)
            return
        field.blockSignals(True)
        try:
            field.clear()
            field.addItems(items)
            field.setCurrentText(shown)
        finally:
            field.blockSignals(False)

    @property
    def offered(self) -> list[str]:
        """The items of a ``choice`` combo, in order (empty for other kinds)."""
        field = self.field
        return [field.itemText(i) for i in range(field.count())] if isinstance(field, QComboBox) else []

    def show_error(self, message: str | None) -> None:
        show_field_error(self.field, self.error_label, message)

    @property
    def error_text(self) -> str:
        return self.error_label.text() if self.error_label.isVisibleTo(self) else ""


def show_field_error(field: QWidget, label: QLabel, message: str | None) -> None:
    """Refuse a value inline: the field turns red (``invalid`` in the style sheet), the reason shows below."""
    label.setText(message or "")
    label.setVisible(bool(message))
    field.setProperty("invalid", bool(message))
    field.style().unpolish(field)
    field.style().polish(field)
