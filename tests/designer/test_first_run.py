"""A new user's first minutes with an example: runs named after the data, other projects' runs
hidden with a way to show them, and looking around an example never makes it "unsaved"."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtWidgets import QApplication

from tests.conftest import EXAMPLES
from tests.designer.conftest import mouse, node_point, settle
from tests.designer.test_training_helpers import (example_copy, open_project, spiral, train_and_wait,  # noqa: F401
                                                  training)


def test_a_run_is_named_after_its_project_and_its_data(qtbot, window, training, spiral):
    result = train_and_wait(qtbot, training)
    assert result.run_dir.name.startswith("Spiral_MLP-spiral-")


def test_runs_of_other_projects_are_hidden_with_a_way_to_show_them(qtbot, window, training, spiral, tmp_path):
    train_and_wait(qtbot, training)
    open_project(qtbot, window, example_copy(tmp_path, "perceptron"))  # the same runs/ folder
    history = training.history
    assert history.runs == []
    assert "1 run of other projects is hidden" in history.title.text()
    history.title.linkActivated.emit("all")  # the "show them" link
    assert history.all_box.isChecked() and len(history.runs) == 1
    assert "hidden" not in history.title.text()


def test_looking_around_an_example_does_not_make_it_unsaved(qtbot, window, training):
    assert window.files.open_as_copy(EXAMPLES / "spiral_mlp.lfproj")  # File ▸ New ▸ Spiral MLP
    settle(qtbot, window)
    form = training.panel.form
    # a click into the "start from" field and out again
    path_field = form.rows["init_from"].editor.line
    path_field.setFocus()
    path_field.editingFinished.emit()
    # the optimiser list opened and the shown entry picked again
    optimizer = form.rows["optimizer"].editor.box
    optimizer.activated.emit(optimizer.currentIndex())
    # a click on a layer that moved the mouse by a pixel
    start = node_point(window, "fc1")
    viewport = window.view.viewport()
    mouse(viewport, QEvent.Type.MouseButtonPress, start)
    mouse(viewport, QEvent.Type.MouseMove, start + QPoint(1, 1), button=Qt.MouseButton.NoButton)
    mouse(viewport, QEvent.Type.MouseButtonRelease, start + QPoint(1, 1), buttons=Qt.MouseButton.NoButton)
    QApplication.processEvents()
    assert window.project.graph.nodes["fc1"].pos == window.scene.nodes["fc1"].pos().toTuple()
    assert not window.is_dirty(), [window.undo_stack.text(i) for i in range(window.undo_stack.count())]
    assert window.files.confirm_discard()  # New… asks nothing


def test_a_real_edit_still_asks(qtbot, window, training):
    assert window.files.open_as_copy(EXAMPLES / "spiral_mlp.lfproj")
    settle(qtbot, window)
    optimizer = training.panel.form.rows["optimizer"].editor.box
    optimizer.setCurrentIndex((optimizer.currentIndex() + 1) % optimizer.count())
    optimizer.activated.emit(optimizer.currentIndex())
    assert window.is_dirty()


def test_leaving_a_field_that_shows_its_default_is_no_edit(qtbot, window):
    assert window.files.open_as_copy(EXAMPLES / "lenet_shapes.lfproj")
    settle(qtbot, window)
    assert "padding" not in window.project.graph.nodes["conv2"].params  # its default, 0
    window.scene.select_nodes(["conv2"])
    padding = window.inspector.param_editors["padding"].field
    assert padding.text() == "0"
    padding.setFocus()
    padding.editingFinished.emit()
    assert not window.is_dirty()
