"""The Output's loss list follows its head: target input offers the reconstruction losses,
target data the data's task's, ``auto`` first; a target change that leaves the loss unfit
puts it back to ``auto`` in the same undo step (core/train/head_loss_choices.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.train.losses import choices
from tests.designer.conftest import open_example, settle

RECONSTRUCTION = ["auto", "bce", "mse", "l1", "huber", "smooth_l1"]
CLASSES = ["auto", "cross_entropy", "hinge"]  # the shapes data has 3 classes: no bce


def pick(qtbot, combo, text: str) -> None:
    """Open the combo's list and click ``text`` in it, as a person does."""
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    index = combo.model().index(combo.findText(text), 0)
    assert index.isValid(), f"{text!r} is not offered"
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: not view.isVisible())


def items(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_the_loss_list_follows_the_outputs_target_and_undo_restores_both(window, qtbot):
    open_example(qtbot, window, "autoencoder_classifier")
    assert window.analysis.data_shapes.task == "classification"
    window.scene.select_nodes(["shape"])  # target data, loss auto
    editors = window.inspector.param_editors
    target, loss = editors["target"].field, editors["loss"].field
    assert items(loss) == CLASSES
    assert set(CLASSES) <= set(choices("classification"))  # from the registry, less bce

    pick(qtbot, target, "input")
    settle(qtbot, window)
    assert window.project.graph.nodes["shape"].params["target"] == "input"
    loss.showPopup()
    qtbot.waitUntil(loss.view().isVisible)
    assert items(loss) == RECONSTRUCTION == list(choices("reconstruction"))
    loss.hidePopup()
    pick(qtbot, loss, "l1")
    assert window.project.graph.nodes["shape"].params["loss"] == "l1"
    assert window.undo_stack.undoText() == "Change loss of shape"

    window.undo_stack.undo()  # the loss goes back to auto, the target stays input
    assert "loss" not in window.project.graph.nodes["shape"].params
    assert loss.currentText() == "auto" and items(loss) == RECONSTRUCTION
    window.undo_stack.undo()  # the target goes back to data, and the list with it
    assert "target" not in window.project.graph.nodes["shape"].params
    assert items(loss) == CLASSES


def test_a_target_change_puts_an_unfit_loss_back_to_auto_in_one_undo_step(window, qtbot):
    open_example(qtbot, window, "autoencoder_classifier")
    window.scene.select_nodes(["rebuilt"])  # target input, loss mse
    editors = window.inspector.param_editors
    target, loss = editors["target"].field, editors["loss"].field
    assert loss.currentText() == "mse" and items(loss) == RECONSTRUCTION
    steps = window.undo_stack.count()

    pick(qtbot, target, "data")  # mse does not fit the shapes' classes
    settle(qtbot, window)
    params = window.project.graph.nodes["rebuilt"].params
    assert params["target"] == "data" and "loss" not in params
    assert loss.currentText() == "auto" and items(loss) == CLASSES
    assert window.undo_stack.count() == steps + 1  # one step for both
    assert "loss" in window.undo_stack.undoText() and "target" in window.undo_stack.undoText()

    window.undo_stack.undo()
    params = window.project.graph.nodes["rebuilt"].params
    assert params["target"] == "input" and params["loss"] == "mse"
    assert loss.currentText() == "mse" and items(loss) == RECONSTRUCTION
    assert list(params) == ["target", "loss", "weight"]  # the file is as it was

    pick(qtbot, target, "data")
    pick(qtbot, target, "input")  # auto fits every target: nothing more changes
    assert window.project.graph.nodes["rebuilt"].params.get("loss") is None
    QApplication.processEvents()


def test_without_data_target_data_offers_every_loss(window, qtbot):
    window.editor.add_layer("Output", (0, 0))
    window.scene.select_nodes(["output1"])
    loss = window.inspector.param_editors["loss"].field
    assert window.analysis.data_shapes is None or window.analysis.data_shapes.task is None
    assert items(loss) == list(choices())
    pick(qtbot, window.inspector.param_editors["target"].field, "generator")
    assert items(loss) == ["auto"]
