"""The guide's concept pages: each opens with its words and formula, its example links open the
example ready to train, and the convolution page's kernel demo computes what it shows."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from core import kernels
from core.guide_concepts import CONCEPTS, example_title, shipped_examples
from designer.guide.demos import KernelDemo
from tests.designer.conftest import settle


def test_every_concept_page_opens_with_its_text_and_demo(window):
    guide = window.guide.guide
    guide.open_topic("concept:perceptron")
    assert guide.index.topLevelItem(0).text(0) == "CONCEPTS"  # the ideas come first in the index
    for page in CONCEPTS:
        guide.open_topic(page.key)
        assert guide.current_key == page.key and guide.title.text() == page.title
        assert guide.group.text() == "Concepts"
        text = guide.text.toPlainText()
        assert page.summary in text
        for paragraph in page.paragraphs:
            assert paragraph[:60] in text
        if page.formula:
            assert "FORMULA" in text and page.formula.split("\n")[0].split()[0] in text
        assert "TRY IT" in text
        assert guide.demo.isVisible() == (page.demo == "kernel"), page.key
    guide.open_topic("layer:Conv2d")  # a layer page has no demo, and points to the idea
    assert not guide.demo.isVisible() and "Convolution" in guide.text.toPlainText()


def test_the_gan_page_links_its_example_only_when_it_is_shipped(window):
    guide = window.guide.guide
    guide.open_topic("concept:gan")
    html = guide.text.toHtml()
    if example_title("gan_digits") is None:
        assert "gan_digits.lfproj is not part of this version" in guide.text.toPlainText()
        assert "example:gan_digits" not in html
    else:
        assert "example:gan_digits" in html


@pytest.mark.parametrize("stem", sorted({stem for page in CONCEPTS for stem, _t, _w in shipped_examples(page)}))
def test_an_example_link_opens_the_example_ready_to_train(qtbot, window, stem):
    guide = window.guide.guide
    page = next(p for p in CONCEPTS if stem in [s for s, _t, _w in shipped_examples(p)])
    guide.open_topic(page.key)
    assert f"example:{stem}" in guide.text.toHtml()  # the link is on the page
    guide.text.anchorClicked.emit(QUrl(f"example:{stem}"))
    project = window.project
    assert project.name == example_title(stem) and project.path is None  # a new copy
    settle(qtbot, window)
    assert window.analysis.blocking_problem() is None  # ready to train
    assert guide.isVisible() and guide.current_key == page.key  # the page stays open


def _hover(widget, x: int, y: int) -> None:
    event = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(x, y), QPointF(widget.mapToGlobal(QPoint(x, y))),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_the_kernel_demo_applies_the_chosen_and_the_typed_kernel(qtbot, window):
    guide = window.guide.guide
    guide.open_topic("concept:convolution")
    demo = guide.demo.current
    assert isinstance(demo, KernelDemo) and demo.isVisible()
    image = kernels.sample_image()
    demo.choice.setCurrentIndex(demo.choice.findData("vertical"))  # as a person picks it
    np.testing.assert_allclose(demo.weights, kernels.kernel("vertical").array)
    np.testing.assert_allclose(demo.result, kernels.convolve(image, demo.weights))
    assert abs(demo.result[10, 10]) < 1e-6  # the sky: a smooth vertical gradient, no vertical edge
    assert "strongest" in demo.output_caption.text()
    shown = demo.output.pixmap().toImage()
    assert shown.width() == 2 * image.shape[1]
    # type a weight: the kernel becomes Custom and the picture follows
    cell = demo.cells[4]
    cell.selectAll()
    qtbot.keyClicks(cell, "2")
    assert demo.choice.currentData() == "custom" and demo.weights[1, 1] == 2.0
    np.testing.assert_allclose(demo.result, kernels.convolve(image, demo.weights), rtol=1e-6)
    # the mouse over a picture writes out that output pixel's sum of nine products
    _hover(demo.original, 2 * 85 + 1, 2 * 66 + 1)
    assert demo.pixel == (66, 85)
    patch, total = kernels.one_pixel(image, demo.weights, 66, 85)
    assert total == pytest.approx(float(demo.result[66, 85]), abs=1e-5)
    assert "row 66, column 85" in demo.sum_text.text() and demo.sum_text.text().count("×") == 9
