"""Switching theme after a run re-colours the training plots in place: every curve, marker,
axis, legend and canvas takes the new theme's colours, the data stays as it was, and images
mixed from theme colours (the decision boundary) are drawn again in the new colours.

Also: the colour translation is unambiguous per kind of item, the plots carry no
pyqtgraph options menu (its widgets made every switch slower) yet their options still
work, and windows opened after a switch follow the new theme's style sheet.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QBrush, QColor, QPalette, QPen
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout, QWidget

from designer import theme
from designer.training.plots.options import Form
from designer.training.plots.recolor import AXIS_ROLES, DATA_ROLES, Recolor, role_colors
from designer.training.plots.style import add_plot, curve, layout_widget, legend, scheme
from tests.designer.test_training_helpers import spiral, train_and_wait, training  # noqa: F401


@pytest.fixture(autouse=True)
def _back_to_dark():
    yield
    theme.set_mode("dark")


def _name(value) -> str:
    """The colour of a pen, a brush or a colour as ``#rrggbb``."""
    if isinstance(value, (QPen, QBrush)):
        return value.color().name()
    return pg.mkColor(value).name()


def _data(item) -> tuple[np.ndarray, np.ndarray]:
    return np.array(item.xData, copy=True), np.array(item.yData, copy=True)


def test_a_switch_recolours_the_plots_in_place_and_keeps_their_data(qtbot, window, training, spiral):
    theme.set_mode("dark")
    assert train_and_wait(qtbot, training).status == "completed"
    plots = training.plots
    plots.redraw_all()
    loss = plots.loss.loss  # the Loss & metrics tab (hidden behind the Overview)
    overview = plots.overview
    before = {"raw": _data(loss.raw), "train": _data(loss.train), "val": _data(loss.val),
              "lr": _data(plots.loss.lr.line), "band_mean": _data(overview.band.mean)}
    assert len(before["train"][0]) == 3 and len(before["raw"][0]) > 10
    boundary_before = np.array(overview.boundary.image.image, copy=True)
    canvas, axis = overview.layout_widget, overview.loss.plot.getAxis("bottom")
    same_canvas, same_curve = canvas, loss.val

    theme.set_mode("light")
    light, dark = scheme(), theme.load("dark")
    assert light.background == "#ffffff" and not light.dark

    # the same objects, in the new colours (nothing was rebuilt)
    assert overview.layout_widget is same_canvas and plots.loss.loss.val is same_curve
    for widget in plots.findChildren(pg.GraphicsLayoutWidget):
        assert widget.backgroundBrush().color().name() == light.background
    assert _name(loss.val.opts["pen"]) == light.validation
    assert _name(loss.val.opts["symbolBrush"]) == light.validation
    assert _name(loss.train.opts["pen"]) == light.train
    assert _name(loss.smooth.opts["pen"]) == light.smooth
    raw_pen = pg.mkPen(loss.raw.opts["pen"])
    assert raw_pen.color().name() == light.train and raw_pen.color().alpha() == 70  # alpha kept
    assert _name(plots.loss.lr.line.opts["pen"]) == light.color(4)
    assert axis.pen().color().name() == light.axis and axis.textPen().color().name() == light.axis
    assert axis.labelStyle["color"] == light.axis
    assert axis.grid == int(light.grid_alpha * 255) or axis.grid == pytest.approx(light.grid_alpha * 255, abs=1)
    box = plots.loss.loss_plot.legend
    assert box.brush().color().name() == light.legend and box.brush().color().alpha() == 210
    assert box.pen().color().name() == light.legend_border
    assert all(_name(label.opts["color"]) == light.text for _sample, label in box.items)
    assert dark.plot["series"][0] not in overview.loss.plot.titleLabel.text  # the title's key too
    assert light.train in overview.loss.plot.titleLabel.text
    fill = overview.band.outer.brush().color()
    assert fill.name() == light.train and fill.alpha() == 55
    assert _name(overview.loss.best.pen.color()) == light.ok

    # the data did not change
    after = {"raw": _data(loss.raw), "train": _data(loss.train), "val": _data(loss.val),
             "lr": _data(plots.loss.lr.line), "band_mean": _data(overview.band.mean)}
    for key, (x, y) in before.items():
        np.testing.assert_array_equal(after[key][0], x, err_msg=key)
        np.testing.assert_array_equal(after[key][1], y, err_msg=key)

    # the boundary image (class colours over the background) is drawn again in light colours
    # when its tab is drawn (at once when it is on screen)
    plots.redraw_all()
    boundary_after = overview.boundary.image.image
    assert boundary_after.shape == boundary_before.shape
    assert boundary_after.mean() > boundary_before.mean() + 40  # mixed over white, not dark grey
    points = overview.boundary.points
    assert {b.color().name() for b in points.data["brush"]} <= set(light.series)

    # back to dark: the colours of the start again, the data still the same
    theme.set_mode("dark")
    plots.redraw_all()
    assert _name(loss.val.opts["pen"]) == scheme().validation == dark.plot["series"][1]
    assert axis.pen().color().name() == scheme().axis
    np.testing.assert_array_equal(_data(loss.raw)[1], before["raw"][1])
    np.testing.assert_array_equal(overview.boundary.image.image, boundary_before)


def test_each_kind_of_item_reads_its_colours_unambiguously():
    """Within the roles an item kind can have, no two roles share a colour in one theme unless
    they share it in the other (otherwise a colour could not say which role it came from)."""
    themes = {}
    for name in ("dark", "light"):
        theme.apply(mode=name)
        themes[name] = scheme()
    for roles in (DATA_ROLES, AXIS_ROLES, ("legend",), ("legend_border",), ("text",)):
        for old, new in (("dark", "light"), ("light", "dark")):
            table = Recolor(themes[old], themes[new]).table(roles)
            pairs = [(o.lower(), n.lower()) for role in roles
                     for o, n in zip(role_colors(themes[old], role), role_colors(themes[new], role))]
            for o, n in pairs:
                assert table[o] == n, (roles, old, o)


def test_plots_have_no_options_widgets_but_their_options_still_work(qtbot):
    canvas = layout_widget()
    qtbot.addWidget(canvas)
    plot = add_plot(canvas, 0, 0, "Loss", "epoch")
    assert isinstance(plot.ctrl, Form)
    line = curve(plot, scheme().train, "train")
    legend(plot)
    line.setData(np.arange(1, 2001, dtype=float), np.linspace(1.0, 0.01, 2000))
    plot.setLogMode(x=False, y=True)
    assert plot.ctrl.logYCheck.isChecked() and line.opts["logMode"][1]  # the curve follows
    assert plot.getAxis("left").logMode
    plot.showGrid(x=True, y=False, alpha=0.5)
    assert plot.getAxis("bottom").grid == 127 and plot.getAxis("left").grid is False
    plot.setDownsampling(ds=4, auto=False, mode="mean")
    assert plot.downsampleMode() == (4, False, "mean") and line.opts["downsample"] == 4
    plot.setDownsampling(mode="peak")
    assert plot.ctrl.peakRadio.isChecked() and not plot.ctrl.meanRadio.isChecked()
    plot.setClipToView(False)
    assert not plot.clipToViewMode() and not line.opts["clipToView"]
    canvas.removeItem(plot)  # a plot can still be taken out (PlotItem.close)


def test_a_dialog_opened_after_a_switch_has_the_new_theme_style(qtbot, window):
    theme.set_mode("dark")
    theme.set_mode("light")
    light = theme.load("light")
    dialog = QDialog(window)
    qtbot.addWidget(dialog)
    field = QLineEdit("a field of a dialog opened after the switch")
    QVBoxLayout(dialog).addWidget(field)
    dialog.show()
    QApplication.processEvents()
    inside = field.grab().toImage().pixelColor(field.width() - 4, field.height() // 2).name()
    assert inside == QColor(light.sheet["input"]).name()  # the style sheet's rule, not the palette's
    assert QColor(light.sheet["input"]) != QColor(theme.load("dark").sheet["input"])
    lone = QWidget()  # a window without a parent: marked when it takes focus
    qtbot.addWidget(lone)
    theme._on_focus_window_changed()
    assert lone.property(theme.THEME_PROPERTY) == "light"
    assert window.property(theme.THEME_PROPERTY) == "light"
    assert QApplication.instance().palette().color(QPalette.ColorRole.Window).name() == \
        QColor(light.palette["Window"]).name()
