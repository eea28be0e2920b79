"""A plot's options without pyqtgraph's options menu of widgets.

pyqtgraph's ``PlotItem`` keeps its options (log axes, grid, downsampling, clipping, ...) in
the check boxes, spin boxes and sliders of a context menu it builds for every plot: about
45 hidden widgets a plot, some 1,500 for the training plots. Our plots have no context menu
(``style_plot`` turns it off), but the widgets stay, and every theme switch re-polishes them
with the application's style sheet (about 40% of a switch's style-sheet cost).

:func:`drop_options_menu` replaces a plot's form (``plot.ctrl``) with plain Python controls
holding the same values and calling the same ``PlotItem`` slots when they change (as Qt's
signals did), then deletes the widgets. ``PlotItem``'s own methods (``setLogMode``,
``showGrid``, ``setDownsampling``, ``setClipToView``, ``addItem``...) work as before.
"""

from __future__ import annotations

import inspect

import pyqtgraph as pg
from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QGroupBox, QSpinBox, QWidget, QWidgetAction

#: (control, signal, PlotItem slot): how ``PlotItem.__init__`` (pyqtgraph 0.14) wires its form.
WIRING = (
    ("alphaGroup", "toggled", "updateAlpha"), ("alphaSlider", "valueChanged", "updateAlpha"),
    ("autoAlphaCheck", "toggled", "updateAlpha"),
    ("xGridCheck", "toggled", "updateGrid"), ("yGridCheck", "toggled", "updateGrid"),
    ("gridAlphaSlider", "valueChanged", "updateGrid"),
    ("fftCheck", "toggled", "updateSpectrumMode"), ("subtractMeanCheck", "toggled", "updateSubtractMeanMode"),
    ("logXCheck", "toggled", "updateLogMode"), ("logYCheck", "toggled", "updateLogMode"),
    ("derivativeCheck", "toggled", "updateDerivativeMode"), ("phasemapCheck", "toggled", "updatePhasemapMode"),
    ("downsampleSpin", "valueChanged", "updateDownsampling"), ("downsampleCheck", "toggled", "updateDownsampling"),
    ("autoDownsampleCheck", "toggled", "updateDownsampling"), ("subsampleRadio", "toggled", "updateDownsampling"),
    ("meanRadio", "toggled", "updateDownsampling"), ("clipToViewCheck", "toggled", "updateDownsampling"),
    ("avgParamList", "itemClicked", "avgParamListClicked"), ("averageGroup", "toggled", "avgToggled"),
    ("maxTracesCheck", "toggled", "_handle_max_traces_toggle"), ("forgetTracesCheck", "toggled", "updateDecimation"),
    ("maxTracesSpin", "valueChanged", "updateDecimation"),
)
#: Radio buttons of one group: checking one unchecks the others (Qt's auto-exclusive buttons).
EXCLUSIVE = ("subsampleRadio", "meanRadio", "peakRadio")


class Signal:
    """A Qt-like signal in Python: slots get as many of the arguments as they take."""

    def __init__(self) -> None:
        self._slots: list[tuple[object, int | None]] = []

    def connect(self, slot) -> None:
        params = inspect.signature(slot).parameters.values()
        if any(p.kind is p.VAR_POSITIONAL for p in params):
            count = None
        else:
            count = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
        self._slots.append((slot, count))

    def emit(self, *args) -> None:
        for slot, count in list(self._slots):
            slot(*(args if count is None else args[:count]))


class Control:
    """A control of the form: a value, signals, and the few methods ``PlotItem`` calls."""

    def __init__(self, widget: QWidget) -> None:
        self.toggled, self.valueChanged, self.itemClicked = Signal(), Signal(), Signal()
        self._checked = bool(widget.isChecked()) if _checkable(widget) else False
        self._value = widget.value() if isinstance(widget, (QSpinBox, QAbstractSlider)) else 0
        self._range = ((widget.minimum(), widget.maximum()) if isinstance(widget, (QSpinBox, QAbstractSlider))
                       else (0, 0))
        self._items: list = []
        self._enabled = widget.isEnabled()
        self.siblings: list[Control] = []  # the other radio buttons of its group

    def isChecked(self) -> bool:
        return self._checked

    def setChecked(self, checked: bool) -> None:
        checked = bool(checked)
        if checked == self._checked or (not checked and self.siblings):  # a radio is unchecked by another
            return
        self._checked = checked
        if checked:
            for other in self.siblings:
                if other._checked:
                    other._checked = False
                    other.toggled.emit(False)
        self.toggled.emit(checked)

    def value(self) -> int:
        return self._value

    def setValue(self, value) -> None:
        value = min(max(int(value), self._range[0]), self._range[1])
        if value != self._value:
            self._value = value
            self.valueChanged.emit(value)

    def minimum(self) -> int:
        return self._range[0]

    def maximum(self) -> int:
        return self._range[1]

    def isEnabled(self) -> bool:
        return self._enabled

    def setEnabled(self, enabled: bool) -> None:
        self._enabled = bool(enabled)

    # the averaging list (no curve of ours has averaging parameters: it stays empty)
    def count(self) -> int:
        return len(self._items)

    def item(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def findItems(self, text: str, _flags=None) -> list:
        return [item for item in self._items if item.text() == text]

    def addItem(self, item) -> None:
        self._items.append(item)

    def clear(self) -> None:
        self._items = []


class Form:
    """The controls by the form's names (``plot.ctrl.logYCheck`` ...)."""

    def __init__(self, widgets: dict[str, QWidget]) -> None:
        for name, widget in widgets.items():
            setattr(self, name, Control(widget))
        radios = [getattr(self, name) for name in EXCLUSIVE if hasattr(self, name)]
        for radio in radios:
            radio.siblings = [other for other in radios if other is not radio]


def _checkable(widget: QWidget) -> bool:
    return isinstance(widget, QAbstractButton) or (isinstance(widget, QGroupBox) and widget.isCheckable())


def drop_options_menu(plot: pg.PlotItem) -> None:
    """Give ``plot`` a :class:`Form` for its options and delete the menu's widgets.

    The empty ``ctrlMenu`` stays (``PlotItem.close`` uses it as its "not closed yet" mark)."""
    if isinstance(plot.ctrl, Form):
        return
    widgets = {name: w for name, w in vars(plot.ctrl).items() if isinstance(w, QWidget)}
    form = Form(widgets)
    for control, signal, slot in WIRING:
        if hasattr(form, control) and hasattr(plot, slot):
            getattr(getattr(form, control), signal).connect(getattr(plot, slot))
    plot.ctrl = form
    plot.stateGroup = None  # saveState/restoreState read the widgets: not used for our plots
    menu = plot.ctrlMenu
    for action in plot.findChildren(QWidgetAction):  # each owns one group of the form
        action.deleteLater()
    for window in {widget.window() for widget in widgets.values()} - {menu}:  # the submenus
        window.deleteLater()
    menu.clear()
