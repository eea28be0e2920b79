"""Several Inputs and Outputs in the designer: the Input's columns and the Output's loss and
weight edited in the inspector (undoable), and each Output's own loss in the loss plots."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from designer.inspector.editors import FloatSpinBox
from designer.inspector.name_list import NameListEditor
from designer.training.live import LiveRun
from designer.training.plots.views import LossView, OverviewView
from tests.designer.conftest import open_example, settle
from tests.designer.test_inspector import type_into
from tests.designer.test_training_helpers import (example_copy, open_project, train_and_wait,  # noqa: F401
                                                  training)

FLOWER_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def listed(editor: NameListEditor) -> list[tuple[str, bool]]:
    items = [editor.list.item(i) for i in range(editor.list.count())]
    return [(item.text(), item.checkState() == Qt.CheckState.Checked) for item in items]


def toggle(editor: NameListEditor, row: int) -> None:
    """What a person does: make the row current and press Space (it flips the check box)."""
    editor.list.setFocus()
    editor.list.setCurrentRow(row)
    QTest.keyClick(editor.list.viewport(), Qt.Key.Key_Space)
    QApplication.processEvents()


# ----------------------------------------------------------------------------- Output
def test_an_outputs_loss_and_weight_are_edited_in_the_inspector_and_undone(window, qtbot):
    open_example(qtbot, window, "autoencoder_classifier")
    window.scene.select_nodes(["rebuilt"])
    editors = window.inspector.param_editors
    assert list(editors) == ["units", "head", "target", "loss", "weight"]
    loss = editors["loss"].field
    assert isinstance(loss, QComboBox)
    offered = [loss.itemText(i) for i in range(loss.count())]
    assert offered[0] == "auto" and {"mse", "l1"} <= set(offered)  # the reconstruction losses
    assert "cross_entropy" not in offered  # not a loss for target input (test_head_loss_choices.py)
    assert loss.currentText() == "mse"
    weight = editors["weight"].field
    assert isinstance(weight, FloatSpinBox) and weight.text() == "0.5"
    assert editors["target"].field.currentText() == "input"

    loss.setCurrentIndex(loss.findText("l1"))
    assert window.project.graph.nodes["rebuilt"].params["loss"] == "l1"
    assert window.undo_stack.undoText() == "Change loss of rebuilt"
    type_into(weight, "0.25")
    assert window.project.graph.nodes["rebuilt"].params["weight"] == 0.25
    assert window.undo_stack.undoText() == "Change weight of rebuilt"

    window.undo_stack.undo()
    assert window.project.graph.nodes["rebuilt"].params["weight"] == 0.5
    assert weight.text() == "0.5"
    window.undo_stack.undo()
    assert window.project.graph.nodes["rebuilt"].params["loss"] == "mse"
    assert loss.currentText() == "mse"


def test_a_loss_that_does_not_fit_the_outputs_target_is_shown_on_the_output(window, qtbot):
    open_example(qtbot, window, "autoencoder_classifier")
    window.scene.select_nodes(["shape"])  # learns the shape's class
    loss = window.inspector.param_editors["loss"].field
    assert loss.findText("mse") == -1  # the combo offers the classification losses only
    window.editor.set_param("shape", "loss", "mse")  # as a project file may hold it
    settle(qtbot, window)
    assert loss.currentText() == "mse"  # shown as it is, and flagged
    assert window.project.graph.nodes["shape"].params["loss"] == "mse"
    assert window.inspector.node_error.isVisible()
    assert "mse" in window.inspector.node_error.text()
    assert window.scene.nodes["shape"].error
    window.undo_stack.undo()
    settle(qtbot, window)
    assert not window.inspector.node_error.isVisible()
    assert "loss" not in window.project.graph.nodes["shape"].params


# ----------------------------------------------------------------------------- Input columns
def test_checking_columns_of_an_input_changes_its_shape_and_undo_restores_it(window, qtbot):
    open_example(qtbot, window, "flowers_wide_deep")
    window.scene.select_nodes(["sepals"])
    editor = window.inspector.param_editors["columns"]
    assert isinstance(editor, NameListEditor) and editor.checkable
    assert editor.auto is None  # no "auto" box: nothing checked means every feature
    assert listed(editor) == [("sepal_length", True), ("sepal_width", True),
                              ("petal_length", False), ("petal_width", False)]
    assert window.inspector.output_shape.text() == "2"
    assert editor.note.text() == "2 of 4 columns checked: 2 of 4 features"

    toggle(editor, 2)  # petal_length
    settle(qtbot, window)
    assert window.project.graph.nodes["sepals"].params["columns"] == ["sepal_length", "sepal_width",
                                                                      "petal_length"]
    assert window.undo_stack.undoText() == "Change columns of sepals"
    assert window.inspector.output_shape.text() == "3"
    assert window.scene.nodes["sepals"].shape_text == "3"
    assert window.analysis.analysis.results["fc_sepals"].params == 3 * 8 + 8

    for row in (0, 1, 2):  # uncheck every column: the Input takes every feature
        toggle(editor, row)
    settle(qtbot, window)
    assert "columns" not in window.project.graph.nodes["sepals"].params
    assert window.inspector.output_shape.text() == "4"
    assert editor.note.text() == "No column checked: takes every feature"

    for _ in range(4):
        window.undo_stack.undo()
    settle(qtbot, window)
    assert window.project.graph.nodes["sepals"].params["columns"] == ["sepal_length", "sepal_width"]
    assert [checked for _name, checked in listed(editor)] == [True, True, False, False]
    assert window.inspector.output_shape.text() == "2"


def test_a_column_the_data_lacks_is_listed_marked_and_can_be_unchecked(window, qtbot):
    open_example(qtbot, window, "flowers_wide_deep")
    window.editor.set_param("petals", "columns", ["petal_length", "colour"])
    settle(qtbot, window)
    window.scene.select_nodes(["petals"])
    editor = window.inspector.param_editors["columns"]
    assert listed(editor)[-1] == ("colour  (not in the data)", True)
    assert editor.note.text() == "1 of 4 columns checked: 1 of 4 features"
    assert "colour" in window.inspector.node_error.text()
    toggle(editor, 4)
    qtbot.waitUntil(lambda: editor.list.count() == 4)  # the stray name goes once unchecked
    settle(qtbot, window)
    assert window.project.graph.nodes["petals"].params["columns"] == ["petal_length"]
    assert window.inspector.output_shape.text() == "1"


def test_without_data_the_columns_are_typed(window, qtbot):
    node_id = window.editor.add_layer("Input", (0, 0))
    window.scene.select_nodes([node_id])
    editor = window.inspector.param_editors["columns"]
    assert not editor.checkable
    assert isinstance(editor.line, QLineEdit) and editor.line.isVisibleTo(window)
    assert not editor.list.isVisibleTo(window)
    assert editor.note.text() == "Empty: takes every feature"
    params = window.project.graph.nodes[node_id].params
    type_into(editor.line, "age, income")
    assert params["columns"] == ["age", "income"]
    type_into(editor.line, "age,,income")
    assert "columns must be" in editor.error_text
    assert window.project.graph.nodes[node_id].params["columns"] == ["age", "income"]
    editor.line.clear()
    type_into(editor.line, "")
    assert "columns" not in window.project.graph.nodes[node_id].params
    window.undo_stack.undo()
    assert window.project.graph.nodes[node_id].params["columns"] == ["age", "income"]
    assert editor.line.text() == "age, income"


# ----------------------------------------------------------------------------- plots
def two_head_run() -> LiveRun:
    live = LiveRun()
    live.start(batches_per_epoch=4, epochs=3, task="classification")
    for epoch in (1, 2, 3):
        live.add_batches([4 * epoch - 3, 4 * epoch - 2, 4 * epoch - 1, 4 * epoch], [1.5, 1.4, 1.3, 1.2], 0.01)
        live.add_epoch({"epoch": epoch, "train_loss": 1.6 / epoch, "val_loss": 1.7 / epoch,
                        "val_loss_species": 1.1 / epoch, "val_loss_recon": 1.2 / epoch,
                        "train_loss_species": 1.0 / epoch, "train_loss_recon": 1.1 / epoch,
                        "train_accuracy": 0.5, "val_accuracy": 0.6}, best_epoch=epoch)
    return live


def legend_names(plot) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


def test_the_loss_plot_draws_each_outputs_loss(qtbot):
    view = LossView()
    qtbot.addWidget(view)
    live = two_head_run()
    assert live.head_names() == ["species", "recon"]
    view.update_from(live)
    curves = view.loss
    assert list(curves.heads) == ["species", "recon"]
    train, val = curves.heads["recon"]
    assert np.allclose(val.yData, [1.2, 0.6, 0.4]) and np.allclose(train.yData, [1.1, 0.55, 1.1 / 3])
    assert list(val.xData) == [1, 2, 3]
    assert val.opts["pen"].style() == Qt.PenStyle.DashLine
    assert train.opts["pen"].style() == Qt.PenStyle.DotLine
    assert val.opts["pen"].widthF() < curves.val.opts["pen"].widthF()  # thinner than the total
    assert val.opts["pen"].color() != curves.heads["species"][1].opts["pen"].color()
    assert legend_names(view.loss_plot)[-4:] == [
        "loss of 'species', train", "loss of 'species', validation",
        "loss of 'recon', train", "loss of 'recon', validation"]
    assert view.loss_plot.legend.columnCount == 2  # rows of train and validation: half as tall
    assert "loss_recon" not in view.metric_plots  # not a metric of its own
    view.reset()  # another run: its Outputs may differ
    assert curves.heads == {}
    assert not any("loss of" in name for name in legend_names(view.loss_plot))
    assert view.loss_plot.legend.columnCount == 1


def test_a_run_with_one_output_draws_the_loss_as_before(qtbot):
    view = LossView()
    qtbot.addWidget(view)
    live = LiveRun()
    live.start(batches_per_epoch=2, epochs=2)
    live.add_batches([1, 2], [1.0, 0.9], 0.01)
    live.add_epoch({"epoch": 1, "train_loss": 1.0, "val_loss": 1.1, "val_accuracy": 0.5})
    view.update_from(live)
    assert live.head_names() == [] and view.loss.heads == {}
    assert legend_names(view.loss_plot) == ["batch", "batch (smoothed)", "train (epoch)",
                                            "validation (epoch)"]
    assert len(view.loss_plot.listDataItems()) == 4
    assert view.loss_plot.legend.columnCount == 1


def test_the_overview_names_each_output_in_its_loss_title(qtbot):
    view = OverviewView()
    qtbot.addWidget(view)
    view.update_from(two_head_run())
    train, val = view.loss.heads["recon"]
    assert train is None and len(val.xData) == 3  # validation only in the small plot
    title = view.loss.plot.titleLabel.text
    assert "'species'" in title and "'recon'" in title
    view.reset()
    assert "'recon'" not in view.loss.plot.titleLabel.text


def test_training_two_outputs_in_the_window_plots_each_ones_loss(qtbot, window, training, tmp_path):
    path = example_copy(tmp_path, "autoencoder_classifier", data={"samples": 300}, training={"epochs": 2})
    open_project(qtbot, window, path)
    result = train_and_wait(qtbot, training)
    assert result.status == "completed"
    plots = training.plots
    plots.tabs.setCurrentWidget(plots.loss)
    plots.redraw_all()
    heads = plots.loss.loss.heads
    assert list(heads) == ["shape", "rebuilt"]
    assert all(len(val.xData) == 2 and len(train.xData) == 2 for train, val in heads.values())
    assert "'rebuilt'" in plots.overview.loss.plot.titleLabel.text
