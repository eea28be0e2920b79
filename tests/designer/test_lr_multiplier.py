"""A layer's learning-rate multiplier in the inspector's Advanced part and on its card, the
two-stage settings in the training form, and the Fine-tune dialog's "then unfreeze" option."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from core.project import Project
from designer.transfer import open_fine_tune
from tests.core.train import tiny
from tests.designer.conftest import settle
from tests.designer.test_training_helpers import training  # noqa: F401 - a fixture


@pytest.fixture
def tiny_window(window, qtbot, tmp_path):
    project = tiny.project(tmp_path)
    assert window.files.open_path(project.path, confirm=False)
    settle(qtbot, window)
    return window


def _type_into(box, text: str, finish=Qt.Key.Key_Return) -> None:
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, finish)


def test_the_multiplier_is_set_in_the_advanced_part_shown_on_the_card_and_undone(qtbot, tiny_window):
    window = tiny_window
    graph, advanced, card = window.project.graph, window.inspector.advanced, window.scene.nodes["fc1"]
    window.scene.select_nodes(["fc1"])
    assert advanced.isVisible() and not advanced.body.isVisible()  # folded while it is 1
    qtbot.mouseClick(advanced.toggle, Qt.MouseButton.LeftButton)
    assert advanced.body.isVisible() and advanced.rate.value() == 1.0
    _type_into(advanced.rate.lineEdit(), "0.1")
    assert graph.nodes["fc1"].extra["lr_multiplier"] == 0.1
    assert window.undo_stack.undoText() == "Train 'fc1' at the learning rate ×0.1"
    assert card.rate_text == "lr ×0.1" and "learning rate ×0.1" in card.toolTip()
    assert window.is_dirty()
    window.undo_stack.undo()
    assert "lr_multiplier" not in graph.nodes["fc1"].extra
    assert card.rate_text == "" and advanced.rate.value() == 1.0
    window.undo_stack.redo()
    assert advanced.rate.value() == 0.1 and card.rate_text == "lr ×0.1"
    # a layer without weights has nothing to multiply; back on fc1 the part opens by itself
    window.scene.select_nodes(["relu1"])
    assert not advanced.isVisible()
    window.scene.select_nodes(["fc2"])
    assert advanced.isVisible() and not advanced.body.isVisible()
    window.scene.select_nodes(["fc1"])
    assert advanced.body.isVisible() and advanced.rate.value() == 0.1
    # saved with the project
    assert window.files.save()
    assert Project.load(window.project.path).graph.nodes["fc1"].extra["lr_multiplier"] == 0.1
    # the reset button takes the run's rate again, one undo step
    qtbot.mouseClick(advanced.reset, Qt.MouseButton.LeftButton)
    assert "lr_multiplier" not in graph.nodes["fc1"].extra and card.rate_text == ""
    assert window.undo_stack.undoText() == "Train 'fc1' at the run's learning rate"


def test_zero_cannot_be_typed_and_a_bad_file_value_is_a_problem_on_the_layer(qtbot, tiny_window, tmp_path):
    window = tiny_window
    advanced = window.inspector.advanced
    window.scene.select_nodes(["fc1"])
    qtbot.mouseClick(advanced.toggle, Qt.MouseButton.LeftButton)
    _type_into(advanced.rate.lineEdit(), "0")
    assert "lr_multiplier" not in window.project.graph.nodes["fc1"].extra
    assert window.undo_stack.count() == 0
    # a hand-edited file with 0 opens, and the Problems panel names the layer and what to do
    bad = tiny.project(tmp_path / "bad") if (tmp_path / "bad").mkdir() is None else None
    bad.graph.nodes["fc2"].extra["lr_multiplier"] = 0
    bad.save(bad.path)
    assert window.files.open_path(bad.path, confirm=False)
    settle(qtbot, window)
    problems = [p for p in window.analysis.problems if "lr_multiplier" in p.message]
    assert len(problems) == 1 and problems[0].node_id == "fc2"
    assert "freeze it (the lock on its card)" in problems[0].message
    assert "lr_multiplier" in (window.analysis.blocking_problem() or "")


def test_the_training_form_has_the_two_stage_settings(qtbot, tiny_window, training):  # noqa: F811
    window = tiny_window
    form = training.panel.form
    at, factor = form.rows["unfreeze_at_epoch"], form.rows["unfreeze_learning_rate_factor"]
    assert at.editor.null.isChecked() and at.editor.null.text() == "never"
    assert not factor.label.isVisibleTo(form)  # means nothing until an epoch is set
    qtbot.mouseClick(at.editor.null, Qt.MouseButton.LeftButton)
    _type_into(at.editor.box.lineEdit(), "2")
    assert window.project.training["unfreeze_at_epoch"] == 2
    assert factor.label.isVisibleTo(form)
    _type_into(factor.editor.box.lineEdit(), "0.25")
    assert window.project.training["unfreeze_learning_rate_factor"] == 0.25


@pytest.mark.slow
def test_fine_tune_offers_the_two_stage_schedule_on_by_default(qtbot, tiny_window, tmp_path):
    from core.train.setup import prepare

    window = tiny_window
    project = window.project
    (tmp_path / "other").mkdir()
    source = tiny.project(tmp_path / "other", name="Other")
    assert prepare(source, tiny.dataset(source), run_dir=tmp_path / "other" / "run").fit().status == "completed"
    project.set_training({**project.training, "epochs": 10})
    dialog = open_fine_tune(window.services)
    dialog.runs.select(tmp_path / "other" / "run")
    qtbot.waitUntil(lambda: dialog.matches is not None, timeout=30000)
    two_stage = dialog.two_stage
    assert dialog.freeze.isChecked() and two_stage.check.isChecked() and two_stage.check.isEnabled()
    assert two_stage.epoch.value() == 6 and two_stage.factor.value() == 0.1  # half the 10 epochs
    assert "of 10, with the learning rate ×" in two_stage.of.text()
    # no frozen backbone, nothing to unfreeze
    qtbot.mouseClick(dialog.freeze, Qt.MouseButton.LeftButton)
    assert not two_stage.check.isChecked() and not two_stage.check.isEnabled()
    qtbot.mouseClick(dialog.freeze, Qt.MouseButton.LeftButton)
    assert two_stage.check.isChecked()
    _type_into(two_stage.epoch.lineEdit(), "4", Qt.Key.Key_Tab)  # Return would apply the dialog
    _type_into(two_stage.factor.lineEdit(), "0.2", Qt.Key.Key_Tab)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert project.training["init_from"] == "other/run"
    assert project.training["unfreeze_at_epoch"] == 4
    assert project.training["unfreeze_learning_rate_factor"] == 0.2
    assert window.analysis.problems == [] or all(p.severity != "error" for p in window.analysis.problems)
    assert "until epoch 4" in window.statusBar().currentMessage()
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()  # one step takes everything back
    assert "unfreeze_at_epoch" not in project.training and "init_from" not in project.training
