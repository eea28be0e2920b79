"""Switching theme with the training plots open: every plot takes the new colours, none keeps a
context menu, and switching again and again leaves no widgets behind.

Each plot is made without pyqtgraph's context menus (they are switched off anyway), so
a switch does not build and drop a menu of widgets per plot; the old views are deleted,
so the number of widgets the next switch restyles does not grow.
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from designer import theme
from tests.designer.conftest import open_example


@pytest.fixture(autouse=True)
def _back_to_dark():
    yield
    theme.apply(mode="dark")


def _settle() -> None:
    """What returning to the event loop does: posted events, then the deferred deletes."""
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QApplication.processEvents()


def _plot_items(plots) -> list[pg.PlotItem]:
    items = []
    for canvas in plots.findChildren(pg.GraphicsLayoutWidget):
        items += [item for item in canvas.scene().items() if isinstance(item, pg.PlotItem)]
    return items


def _assert_in_colours(plots, name: str) -> None:
    colours = theme.load(name).plot
    canvases = plots.findChildren(pg.GraphicsLayoutWidget)
    assert canvases
    for canvas in canvases:
        assert canvas.backgroundBrush().color().name() == QColor(colours["background"]).name()
    items = _plot_items(plots)
    assert len(items) >= 5  # lenet_shapes shows loss, metrics, layers, images...
    own = {QColor(colours[key]).name() for key in ("axis", "foreground")}
    for plot in items:  # styled plots take the axis colour, the others pyqtgraph's foreground
        assert plot.getAxis("bottom").pen().color().name() in own


def test_a_switch_recolours_every_plot_and_leaves_no_widgets_behind(qtbot, window):
    theme.set_mode("dark")
    open_example(qtbot, window, "lenet_shapes")
    training = window.extensions["designer.training:install"]
    training.docks.show_plots()
    plots = training.plots
    _settle()
    _assert_in_colours(plots, "dark")
    for plot in _plot_items(plots):  # no context menu: neither pyqtgraph's nor the view box's
        assert not plot.menuEnabled() and plot.vb.menu is None
        assert plot.getContextMenus(None) is None

    menu = window.findChild(type(window.menu("View")), "themeMenu")
    menu.mode_actions["light"].trigger()  # View ▸ Theme ▸ Light, as a person picks it
    _settle()
    plots = training.plots
    _assert_in_colours(plots, "light")
    assert all(plot.vb.menu is None for plot in _plot_items(plots))
    counts = []
    for mode in ("dark", "light", "dark", "light"):
        menu.mode_actions[mode].trigger()
        _settle()
        counts.append(len(QApplication.allWidgets()))
    assert counts[0] == counts[2] and counts[1] == counts[3]  # the old views are gone each time
    _assert_in_colours(training.plots, "light")
