"""Every training view shows the project and run it names, or an empty state saying what to do:
nothing of an earlier project's run survives File ▸ New or Open, a message about a failed run
goes with the next edit or undo, and a new run never shows the previous run's pictures."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.project import Project
from tests.designer.test_training_helpers import (example_copy, open_project, spiral, train_and_wait,  # noqa: F401
                                                  training, wait_finished)


def test_a_new_project_shows_no_result_of_the_last_run(qtbot, window, training, spiral):
    result = train_and_wait(qtbot, training)
    assert result.status == "completed"
    panel, plots = training.panel, training.plots
    assert panel.metric_label.text().startswith("Best epoch")
    assert plots.stack.currentWidget() is plots.tabs and plots.status.text().startswith("Run ")
    assert window.statusBar().currentMessage().startswith("Completed after")

    window.set_project(Project("Untitled"))  # what File ▸ New ▸ Empty canvas does
    QApplication.processEvents()
    assert window.statusBar().currentMessage() == ""  # nothing about the last project's run
    assert panel.metric_label.text() == "" and panel.speed.text() == ""
    assert panel.epoch_bar.text() == "Epoch –" and panel.epoch_bar.value() == 0
    assert "has no data yet" in panel.status.text()  # says what to do
    assert plots.stack.currentWidget() is plots.hint and "Press Train" in plots.hint.text()
    assert plots.status.text() == "" and not plots.save_csv_button.isEnabled()
    assert plots.live.report is None and not plots.tabs.isTabVisible(plots.tabs.indexOf(plots.results))


def test_a_message_about_a_failed_run_goes_with_undo_and_another_project(qtbot, window, training, spiral,
                                                                      monkeypatch, tmp_path):
    import core.data

    def broken_load(*_args, **_kwargs):
        raise RuntimeError("boom")

    train_and_wait(qtbot, training)  # a run whose progress must not stay beside the failure
    monkeypatch.setattr(core.data, "load", broken_load)
    window.editor.set_param("fc1", "out_features", 32)  # an edit to undo later
    qtbot.mouseClick(training.panel.train_button, Qt.MouseButton.LeftButton)
    assert wait_finished(qtbot, training) is None
    panel = training.panel
    assert "a bug in LayerForge" in panel.message.text() and not panel.message.isHidden()
    assert panel.status.text() == "Training did not start."
    assert panel.epoch_bar.text() == "Epoch –" and panel.metric_label.text() == ""  # not the last run's
    window.undo_stack.undo()
    assert panel.message.isHidden()
    assert panel.status.text().startswith("Ready to train")

    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, training)
    assert not panel.message.isHidden()
    monkeypatch.undo()
    open_project(qtbot, window, example_copy(tmp_path, "perceptron"))
    assert panel.message.isHidden()


def test_why_training_is_refused_follows_the_project(qtbot, window, training, spiral):
    from tests.designer.conftest import settle

    window.editor.set_param("output", "units", 5)  # the spiral has two classes: one logit
    settle(qtbot, window)
    assert not training.train()
    panel = training.panel
    assert panel.message.text().startswith("Cannot train yet") and not panel.message.isHidden()
    assert "Not ready to train" in panel.status.text()
    window.undo_stack.undo()
    settle(qtbot, window)
    assert panel.message.isHidden()
    assert panel.status.text().startswith("Ready to train")


def test_a_new_run_starts_with_empty_plots(qtbot, window, training, spiral):
    train_and_wait(qtbot, training)
    plots = training.plots
    plots.tabs.setCurrentWidget(plots.boundary)
    plots.redraw_all()
    boundary = plots.boundary.boundary
    assert boundary.image.image is not None and len(boundary.points.data) > 0
    # the next run, before its first snapshot: nothing of the last one, and it says so
    training.session.live = type(training.session.live)()
    plots.set_live(training.session.live, waiting="Starting a run…")
    assert plots.stack.currentWidget() is plots.hint and plots.status.text() == ""
    assert boundary.image.image is None and len(boundary.points.data) == 0
    assert all(len(c.getData()[0] or []) == 0 for c in plots.overview.grads.curves)
    assert plots.loss.metric_plots == {}


def test_a_tab_first_opened_after_the_run_shows_all_of_it(qtbot, window, training, spiral):
    """Curves clip to the view: the view must follow the whole data, not the part inside it."""
    train_and_wait(qtbot, training)
    plots = training.plots
    plots.redraw_all()  # each tab drawn for the first time, the run over
    for curves in (plots.norms.grads, plots.loss.metric_plots["accuracy"]):
        (x0, x1), (y0, y1) = curves.plot.vb.viewRange()
        for item in curves.plot.listDataItems():
            x, y = item.xData, item.yData
            if x is None or not len(x):
                continue
            y = np.log10(y) if item.opts["logMode"][1] else y
            assert x0 <= x.min() and x.max() <= x1 + 1e-9, (curves.plot.titleLabel.text, x0, x1)
            assert y0 <= y.min() and y.max() <= y1 + 1e-9, (curves.plot.titleLabel.text, y0, y1)
