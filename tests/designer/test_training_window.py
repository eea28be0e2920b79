"""``designer.training.install(window)``: the Train menu, toolbar and docks in the real main
window, following the window's project; and the same in a plain QMainWindow that only has a
``project`` and an ``undo_stack``. Also a regression run's results."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow

from core.project import Project
from tests.designer.test_training_helpers import (example_copy, open_project, spiral, train_and_wait,  # noqa: F401
                                                  training, wait_finished)


def test_menu_toolbar_and_docks_in_the_main_window(qtbot, window, training, spiral):
    menu = window.menu("Train")
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts[:5] == ["Train", "Pause", "Resume", "Stop", "Continue Selected Run…"]
    assert training.train_action.shortcut().toString() == "F5"
    titles = [m.title().replace("&", "") for m in (a.menu() for a in window.menuBar().actions()) if m]
    assert titles.index("Train") > titles.index("View")  # in the window's menu order
    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    assert {"Training", "Training plots", "Runs"} <= set(docks)
    assert docks["Training"] in window.tabifiedDockWidgets(docks["Inspector"])
    assert training.toolbar.actions()[:4] == training.run_actions
    assert training.train_action.isEnabled() and not training.stop_action.isEnabled()
    # F5 trains, like the button
    window.activateWindow()
    training.train_action.trigger()
    assert training.session.state != "idle"
    assert training.stop_action.isEnabled()
    result = wait_finished(qtbot, training)
    assert result.status == "completed"


def test_plots_and_runs_are_made_when_their_tab_is_first_clicked(qtbot, window, training, spiral):
    """They sit behind the Problems tab at start-up; pyqtgraph and its plots cost most of a
    second, so they are made when the person first looks (or a run starts)."""
    import sys

    from PySide6.QtWidgets import QTabBar

    assert not training.plots_panel.built and not training.history_panel.built
    bar = next(b for b in window.findChildren(QTabBar)
               if "Runs" in [b.tabText(i) for i in range(b.count())])
    bar.setCurrentIndex([bar.tabText(i) for i in range(bar.count())].index("Runs"))
    qtbot.waitUntil(lambda: training.history_panel.built, timeout=5000)
    assert not training.plots_panel.built
    assert training.history.folder is not None  # made for the open project
    assert "pyqtgraph" in sys.modules
    bar.setCurrentIndex([bar.tabText(i) for i in range(bar.count())].index("Training plots"))
    qtbot.waitUntil(lambda: training.plots_panel.built, timeout=5000)
    assert training.plots.isVisible()


def test_the_form_follows_the_project_when_another_is_opened(qtbot, window, training, tmp_path):
    open_project(qtbot, window, example_copy(tmp_path, "lenet_shapes"))
    assert training.panel.form.rows["epochs"].editor.box.value() == 15
    assert training.history.folder == tmp_path / "runs"
    open_project(qtbot, window, example_copy(tmp_path, "spiral_mlp"))
    form = training.panel.form
    assert form.rows["epochs"].editor.box.value() == 150
    assert form.rows["learning_rate"].editor.box.value() == 0.01
    loss_choices = [form.rows["loss"].editor.box.itemData(i) for i in range(form.rows["loss"].editor.box.count())]
    assert "mse" not in loss_choices and "cross_entropy" in loss_choices  # classes: no regression losses


def test_install_in_a_plain_main_window(qtbot, tmp_path):
    """The least ``install`` needs: a bare window, the project and an undo stack."""
    from designer.services import Services, TrainingApi
    from designer.training import install

    project = Project.load(example_copy(tmp_path, "spiral_mlp", data={"samples": 300}, training={"epochs": 2}))
    plain = QMainWindow()
    qtbot.addWidget(plain)
    stack = QUndoStack(plain)
    services = Services(window=plain, project=lambda: project, undo_stack=stack)
    controller = install(services)
    assert services.provided(TrainingApi) is controller
    plain.show()
    assert [m.title() for m in (a.menu() for a in plain.menuBar().actions()) if m] == ["&Train"]
    box = controller.panel.form.rows["epochs"].editor.box
    box.setValue(3)
    assert project.training["epochs"] == 3 and stack.count() == 1
    qtbot.mouseClick(controller.panel.train_button, Qt.MouseButton.LeftButton)
    result = wait_finished(qtbot, controller)
    assert result.status == "completed" and result.epochs_completed == 3
    assert result.run_dir.parent == tmp_path / "runs"
    assert controller.history.table.rowCount() == 1
    controller.stop_and_wait()


def test_regression_results_plot_predicted_against_actual(qtbot, window, training, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (400, 2))
    y = 3 * x[:, 0] - 2 * x[:, 1] + 10 + rng.normal(0, 0.05, 400)
    lines = ["a,b,y"] + [f"{a:.5f},{b:.5f},{t:.5f}" for (a, b), t in zip(x, y)]
    (tmp_path / "table.csv").write_text("\n".join(lines) + "\n")
    project = {"format": "layerforge.project", "format_version": 1, "name": "Regression",
               "graph": {"nodes": [{"id": "input", "type": "Input", "params": {}},
                                   {"id": "fc1", "type": "Linear", "params": {"out_features": 16}},
                                   {"id": "relu1", "type": "ReLU", "params": {}},
                                   {"id": "output", "type": "Output", "params": {}}],
                         "edges": [{"source": "input", "target": "fc1"}, {"source": "fc1", "target": "relu1"},
                                   {"source": "relu1", "target": "output"}]},
               "data": {"kind": "csv", "path": "table.csv", "target": "y", "task": "regression"},
               "training": {"epochs": 3, "learning_rate": 0.01}}
    path = tmp_path / "regression.lfproj"
    path.write_text(json.dumps(project))
    open_project(qtbot, window, path)
    form = training.panel.form
    loss_box = form.rows["loss"].editor.box
    assert "mse" in [loss_box.itemData(i) for i in range(loss_box.count())]
    result = train_and_wait(qtbot, training)
    assert result.status == "completed"
    plots = training.plots
    plots.redraw_all()
    assert set(plots.loss.metric_plots) == {"mae", "rmse", "r2"}
    results = plots.results
    assert plots.tabs.currentWidget() is results
    x_values, y_values = results.scatter.getData()
    assert len(x_values) == 80  # every validation sample, in the target's units
    assert 3 < float(np.mean(x_values)) < 17
    assert results.samples.rowCount() > 0
    assert "MAE" in results.summary.text()


def test_the_main_window_installs_training_once(window, training):
    docks = [d.windowTitle() for d in window.findChildren(QDockWidget)]
    assert docks.count("Training plots") == 1 and docks.count("Training") == 1


def test_a_theme_change_redraws_the_plots_in_its_colours(qtbot, window, training, spiral, tmp_path):
    from designer import theme

    theme.apply(mode="dark")  # as the application starts
    training._on_theme_changed()
    result = train_and_wait(qtbot, training)
    assert result.status == "completed"
    plots = training.plots
    assert plots.overview.layout_widget.backgroundBrush().color().name() == "#22262e"
    try:
        theme.set_mode("light")
        assert plots.overview.layout_widget.backgroundBrush().color().name() == "#ffffff"
        plots.redraw_all()
        assert len(plots.loss.loss.raw.xData) == len(training.session.live.batch_x)  # the data stayed
        assert plots.results.matrix.matrix is not None
        assert theme.current().sheet["input"] in training.panel.styleSheet()
        training.plots.grab().save(str(tmp_path / "light.png"))
    finally:
        theme.set_mode("dark")
