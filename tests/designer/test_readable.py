"""Readable at first sight: log-axis labels apart, Problems wrapped to the panel, the training
panel's sentences whole, examples opened at a readable zoom, image thumbnails that can be seen
without an empty box beside them, and class probabilities as percentages."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from designer.canvas.view import READABLE_SCALE
from designer.training.session import PAUSED
from tests.designer.conftest import open_example


# ---------------------------------------------------------------------- log axes
def label_rects(axis) -> list:
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _flags, text in texts]


@pytest.mark.parametrize("low, high", [(0.035, 0.25), (0.6, 0.72), (1e-4, 30.0), (0.0099, 0.0101),
                                       (0.0099998, 0.0100002)])  # a constant learning rate
def test_log_axis_labels_never_overlap(qtbot, low, high):
    import pyqtgraph as pg

    from designer.training.plots.style import add_plot

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    widget.resize(360, 170)  # the Overview's small gradient-norm plot
    plot = add_plot(widget, 0, 0, "Gradient norm", "epoch")
    plot.setLogMode(x=False, y=True)
    plot.plot([1, 2, 3], [low, math.sqrt(low * high), high])
    plot.setYRange(math.log10(low), math.log10(high), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    labels = label_rects(plot.getAxis("left"))
    assert len(labels) >= 1
    assert len({text for _r, text in labels}) == len(labels)  # no label twice ("0.01", "0.01")
    for (a, text_a), (b, text_b) in zip(labels, labels[1:]):
        assert not a.intersects(b), (text_a, text_b)
    if high / low > 1.1:
        assert len(labels) >= 2  # a narrow range still gets a scale
    if high / low < 1.001:
        assert [text for _r, text in labels] == ["0.01"]


# ---------------------------------------------------------------------- Problems
def test_long_problems_wrap_to_the_panel_width(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    problems = window.problems
    rows = [{"epoch": i, "train_loss": 1.0 / (i + 1), "val_loss": 0.5 + 0.1 * i} for i in range(1, 30)]
    problems.set_training_history(rows, {"epochs": 30})
    for width in (420, 260, 700):
        problems.resize(width, 300)
        QApplication.processEvents()
        viewport = problems.viewport().width()
        assert problems.horizontalScrollBar().maximum() == 0
        for row in range(problems.count()):
            rect = problems.visualItemRect(problems.item(row))
            assert rect.width() <= viewport
        hint = problems.item(problems.count() - 1)
        assert problems.visualItemRect(hint).height() > 2 * problems.fontMetrics().height()  # wrapped


# ---------------------------------------------------------------------- training panel
def test_the_training_panels_sentences_are_never_cut(qtbot):
    from designer.training.panel import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(280, 600)
    panel.show()
    panel.set_state(PAUSED)
    QApplication.processEvents()
    status = panel.status
    assert status.text().endswith("then Resume.")
    needed = status.fontMetrics().boundingRect(QRect(0, 0, status.width(), 10_000),
                                               Qt.TextFlag.TextWordWrap, status.text()).height()
    assert status.wordWrap() and status.height() >= needed


# ---------------------------------------------------------------------- zoom
def test_examples_open_at_a_readable_zoom(window, qtbot):
    open_example(qtbot, window, "residual_cnn")  # too wide to fit at a readable size
    view = window.view
    assert view.transform().m11() >= READABLE_SCALE
    first = min(window.project.graph.nodes.values(), key=lambda n: n.pos[0])
    assert view.mapFromScene(*first.pos).x() >= 0  # it starts with the beginning of the network
    hint = view.off_view_hint  # and says where the rest is, and how to see it
    qtbot.waitUntil(lambda: hint.isVisible(), timeout=3000)
    assert "to the right: press F" in hint.text()
    assert hint.geometry().bottom() <= view.viewport().height() and hint.x() >= 0
    assert hint.width() >= hint.fontMetrics().horizontalAdvance(hint.text())  # one whole line
    view.setFocus()
    qtbot.keyClick(view.viewport(), Qt.Key.Key_F)  # F shows every card: nothing left to say
    qtbot.waitUntil(lambda: not hint.isVisible(), timeout=3000)
    open_example(qtbot, window, "perceptron")  # small: all of it, never magnified
    assert view.transform().m11() <= 1.0
    QApplication.processEvents()
    qtbot.wait(300)
    assert not hint.isVisible()
    view.fit_graph()  # F still shows every card, however small
    assert view.transform().m11() > 0


# ---------------------------------------------------------------------- image folders
def test_image_folder_dialog_gives_the_thumbnails_the_room(qtbot, tmp_path):
    from designer.data import ImageFolderDialog
    from designer.data.thumbnails import THUMB
    from tests.core.data.images import make_folder

    root = make_folder(tmp_path / "shapes", {"circle": 3, "square": 3}, size=(28, 28))
    dialog = ImageFolderDialog(root)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=20_000)
    qtbot.waitUntil(lambda: dialog.grid.loaded_count == 3, timeout=10_000)
    assert dialog.skipped_box.isHidden()  # nothing skipped: no empty box
    pixmap = dialog.grid.item(0).icon().pixmap(THUMB, THUMB)
    assert pixmap.width() == THUMB  # a 28×28 image shown at the thumbnail's size
    dialog.stop_workers()


def test_skipped_files_are_shown_when_there_are_some(qtbot, tmp_path):
    from designer.data import ImageFolderDialog
    from tests.core.data.images import make_folder

    root = make_folder(tmp_path / "shapes", {"circle": 3, "square": 3}, size=(28, 28), broken=True)
    dialog = ImageFolderDialog(root)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=20_000)
    assert not dialog.skipped_box.isHidden() and dialog.skipped.count() == 4
    dialog.stop_workers()


# ---------------------------------------------------------------------- predictions
@pytest.mark.parametrize("raw, shown", [("3.6e-16", "< 0.1 %"), ("0.4231", "42.3 %"), ("0.99999", "> 99.9 %"),
                                        ("1", "100 %"), ("0", "0 %"), ("0.0004", "< 0.1 %"),
                                        ("0.0007", "0.1 %")])
def test_class_probabilities_read_as_percentages(raw, shown):
    from designer.export.predict_view import percent

    assert percent(raw) == shown


def test_the_prediction_table_shows_percentages_and_keeps_the_digits(qapp):
    from types import SimpleNamespace

    from designer.export.predict_view import PredictionModel

    model = PredictionModel()
    model.set_table(SimpleNamespace(header=["row", "prediction", "prob_cat", "prob_dog"],
                                    rows=[["1", "cat", "0.999999", "3.6e-16"]]))
    shown = [model.index(0, c).data() for c in range(4)]
    assert shown == ["1", "cat", "> 99.9 %", "< 0.1 %"]
    assert model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole) == "3.6e-16"


# ---------------------------------------------------------------------- panels in docks
def test_the_plots_panel_fits_its_dock_and_nothing_hides_under_the_tabs(window, qtbot, tmp_path):
    from PySide6.QtWidgets import QScrollArea

    from tests.designer.test_training_helpers import example_copy, installed, open_project, train_and_wait

    window.resize(1500, 950)
    training = installed(window)
    open_project(qtbot, window, example_copy(tmp_path, "spiral_mlp", data={"samples": 300},
                                             training={"epochs": 2}))
    train_and_wait(qtbot, training)
    QApplication.processEvents()
    plots = training.plots
    area = plots.parentWidget()
    while not isinstance(area, QScrollArea):
        area = area.parentWidget()
    room = area.viewport().height()
    assert room >= plots.minimumSizeHint().height()  # room enough: nothing needs to scroll
    assert plots.height() == room  # the Results' bottom row (class names, "predicted") shows
    assert not area.verticalScrollBar().isVisible()


def test_long_layer_types_on_cards_are_cut_between_words_or_shown_smaller(qapp):
    from PySide6.QtGui import QFontMetrics

    from core.layers import REGISTRY
    from designer.canvas.node_item import TITLE_SIZES, WIDTH, card_title

    room = WIDTH - 54  # a freezable card's header: icon, title, lock
    for type_name in REGISTRY.names():
        title, font = card_title(type_name, room)
        assert QFontMetrics(font).horizontalAdvance(title) <= room, type_name
        assert title == type_name or (title.endswith("…") and type_name.startswith(title[:-1])), title
        if title != type_name:  # cut only where a word ends (TransformerEncoder|Layer)
            rest = type_name[len(title) - 1:]
            assert rest[:1].isupper() or rest[:1].isdigit(), (type_name, title)
    assert card_title("Linear", room) == ("Linear", card_title("Linear", room)[1])
    assert card_title("Linear", room)[1].pointSizeF() == TITLE_SIZES[0]  # short names keep the size
    title, font = card_title("TransformerEncoderLayer", room)
    assert title in ("TransformerEncoder…", "Transformer…"), title
