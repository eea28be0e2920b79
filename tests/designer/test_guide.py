"""The guide window: F1 from the palette and the inspector, the "?" button, the index search, plots."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QUrl, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.guide_texts import search
from designer import theme
from tests.designer.conftest import open_example


def _focus(qtbot, widget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=2000)


def test_f1_on_a_palette_item_opens_its_guide_page(window, qtbot):
    palette = window.palette
    palette.tree.setCurrentItem(palette.item_for("Conv2d"))
    _focus(qtbot, palette.tree)
    QTest.keyClick(palette.tree, Qt.Key.Key_F1)
    guide = window.guide.guide
    qtbot.waitUntil(guide.isVisible, timeout=2000)
    assert guide.current_key == "layer:Conv2d"
    assert guide.title.text() == "Conv2d"
    text = guide.text.toPlainText()
    assert "H_out" in text and "HOW IT CHANGES THE SHAPE" in text  # the formula
    assert "kernel_size" in text and "whole number" in text  # a parameter with its range
    assert "WHEN TO USE IT" in text
    assert not guide.plot.isVisible()  # a convolution has no function plot
    # the index follows the page
    assert guide.index.currentItem().text(0) == "Conv2d"


def test_f1_in_the_palette_search_opens_the_first_match(window, qtbot):
    qtbot.keyClicks(window.palette.search, "leaky")
    _focus(qtbot, window.palette.search)
    QTest.keyClick(window.palette.search, Qt.Key.Key_F1)
    assert window.guide.guide.current_key == "layer:LeakyReLU"


def test_f1_on_the_inspector_and_the_question_button_open_the_selected_layer(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    window.scene.select_nodes(["fc2"])
    _focus(qtbot, window.inspector.name_edit)
    QTest.keyClick(window.inspector.name_edit, Qt.Key.Key_F1)
    guide = window.guide.guide
    assert guide.isVisible() and guide.current_key == "layer:Linear"
    window.scene.select_nodes(["relu1"])
    qtbot.mouseClick(window.inspector.help_button, Qt.MouseButton.LeftButton)
    assert guide.current_key == "layer:ReLU" and guide.plot.isVisible()
    # F1 with the canvas focused: the one selected layer
    window.scene.select_nodes(["output"])
    _focus(qtbot, window.view)
    QTest.keyClick(window.view, Qt.Key.Key_F1)
    assert guide.current_key == "layer:Output"


def test_a_node_s_own_parameters_draw_its_plot(window, qtbot):
    node_id = window.editor.add_layer("LeakyReLU", (0.0, 0.0))
    window.editor.set_param(node_id, "negative_slope", 0.2)
    window.guide.open_node(node_id)
    function = window.guide.guide.plot.plot.curves[0]
    i = int(np.argmin(abs(function.x + 2.0)))
    assert function.y[i] == (0.2 * function.x[i])
    assert "this node's parameters" in window.guide.guide.group.text()


def test_the_palette_context_menu_offers_the_guide(window, qtbot):
    palette = window.palette
    item = palette.item_for("Dropout")
    palette.tree.scrollToItem(item)
    palette._show_context_menu(palette.tree.visualItemRect(item).center())
    menu = palette.context_menu
    guide_action = next(a for a in menu.actions() if a.text().startswith("Guide"))
    guide_action.trigger()
    menu.close()
    guide = window.guide.guide
    assert guide.current_key == "layer:Dropout"
    # a "See also" link leads to another page
    guide.text.anchorClicked.emit(QUrl("guide:topic:overfitting"))
    assert guide.current_key == "topic:overfitting"


def test_the_help_index_search_filters_layers_activations_and_losses(window, qtbot):
    window.guide.index_action.trigger()
    guide = window.guide.guide
    everything = guide.visible_keys()
    assert "layer:Conv2d" in everything and "loss:huber" in everything and "optimizer:adam" in everything
    qtbot.keyClicks(guide.search, "conv")
    shown = guide.visible_keys()
    assert set(shown) == {page.key for page in search("conv")}
    assert "layer:Conv2d" in shown and "layer:ReLU" not in shown and "loss:mse" not in shown
    guide.search.clear()
    qtbot.keyClicks(guide.search, "squared error")
    assert guide.visible_keys()[:1] == ["loss:mse"]
    QTest.keyClick(guide.search, Qt.Key.Key_Return)
    assert guide.current_key == "loss:mse"
    guide.search.clear()
    assert guide.visible_keys() == everything


def test_the_relu_plot_is_drawn_where_the_formula_says(window, qtbot):
    guide = window.guide.guide
    guide.open_topic("layer:ReLU")
    guide.resize(900, 700)
    qtbot.waitExposed(guide)
    plot = guide.plot
    function = plot.plot.curves[0]
    # the numbers: max(0, x) at a few points
    for value in (-3.0, -0.5, 0.0, 1.25, 3.5):
        i = int(np.argmin(abs(function.x - value)))
        assert function.y[i] == max(0.0, function.x[i])
    # the picture: the curve's colour lies where (x, max(0, x)) maps to
    image = plot.grab().toImage()
    ratio = image.devicePixelRatio()
    color = QColor(theme.current().plot["series"][0])

    def near_curve(x: float) -> bool:
        point = plot.to_pixel(x, max(0.0, x))
        for dx in range(-2, 3):
            for dy in range(-2, 3):
                pixel = QColor(image.pixel(int((point.x() + dx) * ratio), int((point.y() + dy) * ratio)))
                if math.dist(pixel.getRgb()[:3], color.getRgb()[:3]) < 60:
                    return True
        return False

    assert all(near_curve(x) for x in (2.0, 3.0, 3.5))
    slope = plot.plot.curves[1]
    assert slope.dashed and slope.y[-1] == 1.0 and slope.y[0] == 0.0


def test_loss_and_topic_pages(window):
    guide = window.guide.guide
    guide.open_topic("loss:huber")
    assert guide.plot.isVisible() and "huber_delta" in guide.text.toPlainText()
    guide.open_topic("topic:learning_rate")
    assert not guide.plot.isVisible() and "0.001" in guide.text.toPlainText()
    guide.open_topic("optimizer:sgd")
    assert "momentum" in guide.text.toPlainText()
