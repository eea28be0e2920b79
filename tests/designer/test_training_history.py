"""Run history: every run listed with settings and results, several overlaid, saved as CSV;
a stopped or killed run continues from its checkpoint; closing during training asks, stops
and saves."""

from __future__ import annotations

import csv
import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox

from core.train.rundir import read_metrics_csv
from tests.designer.conftest import when_modal
from tests.designer.test_training_helpers import (example_copy, open_project, spiral, train_and_wait,  # noqa: F401
                                                  training, wait_finished, wait_state)


def test_runs_are_listed_and_overlaid(qtbot, window, training, spiral, tmp_path):
    first = train_and_wait(qtbot, training)
    training.panel.form.rows["learning_rate"].editor.box.setValue(0.003)
    second = train_and_wait(qtbot, training)
    history = training.history
    assert [r.path for r in history.runs] == [second.run_dir, first.run_dir]  # newest first
    assert history.table.rowCount() == 2
    row = {history.table.horizontalHeaderItem(c).text(): history.table.item(0, c).text()
           for c in range(history.table.columnCount())}
    assert row["Status"] == "completed"
    assert row["Epochs"] == "3 / 3"
    assert "adam" in row["Settings"] and "lr 0.003" in row["Settings"]
    assert row["Best result"].startswith("val_loss")
    # nothing selected: the plot says what to do, and no run has a colour
    history.table.clearSelection()
    assert "Select runs in the table" in history.loss_plot.titleLabel.text
    assert history.table.item(0, 0).data(Qt.ItemDataRole.DecorationRole) is None
    # selecting both overlays their curves: validation + training loss and the metric per run
    history.table.selectAll()
    assert len(history.selected_runs()) == 2
    assert len(history.curves) == 6
    assert history.metric_box.currentData() == "accuracy"
    assert "Select runs" not in history.loss_plot.titleLabel.text
    # the table is the legend: each run's swatch has its curves' colour
    for row in range(2):
        swatch = history.table.item(row, 0).data(Qt.ItemDataRole.DecorationRole)
        run_curves = [item for plot, item in history.curves if plot is history.metric_plot]
        assert QColor(swatch) == run_curves[row].opts["pen"].color()
    history.save_csv(tmp_path / "runs.csv")
    with open(tmp_path / "runs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["run"] for r in rows] == [second.run_dir.name] * 3 + [first.run_dir.name] * 3
    history.save_image(tmp_path / "runs.png")
    assert (tmp_path / "runs.png").read_bytes()[:4] == b"\x89PNG"


def test_a_stopped_run_continues_from_the_history(qtbot, window, training, tmp_path):
    path = example_copy(tmp_path, "spiral_mlp", data={"samples": 2000}, training={"epochs": 200})
    open_project(qtbot, window, path)
    qtbot.mouseClick(training.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(training.session.live.rows) >= 2, timeout=120_000)
    qtbot.mouseClick(training.panel.stop_button, Qt.MouseButton.LeftButton)
    stopped = wait_finished(qtbot, training)
    assert stopped.status == "stopped"
    done = stopped.epochs_completed
    history = training.history
    history.select_runs([stopped.run_dir.name])
    assert history.continue_button.isEnabled()
    assert history.table.item(0, 1).text() == "stopped"
    history.continue_selected(epochs=done + 2)  # the dialog's answer: train until epoch done + 2
    wait_state(qtbot, training, "running", "idle")
    result = wait_finished(qtbot, training)
    assert result.status == "completed" and result.run_dir == stopped.run_dir
    assert result.epochs_completed == done + 2
    rows = read_metrics_csv(stopped.run_dir / "metrics.csv")
    assert [r["epoch"] for r in rows] == list(range(1, done + 3))
    # the plots show the whole run, the earlier epochs included
    assert [int(r["epoch"]) for r in training.session.live.rows] == list(range(1, done + 3))
    run = json.loads((stopped.run_dir / "run.json").read_text())
    assert run["resumed"][0]["at_epoch"] == done


def test_a_killed_run_is_listed_as_interrupted_and_continues(qtbot, window, training, spiral):
    result = train_and_wait(qtbot, training)
    run_json = result.run_dir / "run.json"
    run = json.loads(run_json.read_text())
    run.update(status="running", finished=None)  # what a killed process leaves behind
    run_json.write_text(json.dumps(run))
    history = training.history
    history.refresh()
    assert history.runs[0].status == "interrupted"
    history.select_runs([result.run_dir.name])
    assert history.continue_button.isEnabled()
    seen = when_modal(qtbot, lambda dialog: dialog.accept())  # the epochs question: keep 3 + 10
    qtbot.mouseClick(history.continue_button, Qt.MouseButton.LeftButton)
    assert seen
    again = wait_finished(qtbot, training)
    assert again.status == "completed" and again.epochs_completed == 13


def test_closing_during_training_asks_then_stops_and_saves(qtbot, window, training, tmp_path):
    path = example_copy(tmp_path, "spiral_mlp", data={"samples": 2000}, training={"epochs": 500})
    open_project(qtbot, window, path)
    qtbot.mouseClick(training.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(training.session.live.rows) >= 1, timeout=120_000)
    # "Cancel": the window stays open and training goes on
    asked = when_modal(qtbot, lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    assert not window.close()
    assert asked and "Stop training and close?" in asked[0].text()
    assert window.isVisible() and training.session.state == "running"
    # "Stop and Close": the run ends as stopped, saved, and the window closes
    window.undo_stack.setClean()
    stop = when_modal(qtbot, lambda box: next(b for b in box.buttons() if "Stop" in b.text()).click())
    assert window.close()
    assert stop
    assert training.session.state == "idle"
    result = training.session.result
    assert result.status == "stopped"
    run = json.loads((result.run_dir / "run.json").read_text())
    assert run["status"] == "stopped" and run["epochs_completed"] >= 1
    assert (result.run_dir / "last.ckpt").exists()
    QApplication.processEvents()


def test_confirm_close_is_quick_when_nothing_trains(qtbot, window, training):
    assert training.confirm_close() is True
