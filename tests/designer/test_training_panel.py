"""The training panel: the generated form writes the project through the undo stack, the
device selector, and Train / Pause / Resume / Stop driven by real clicks, with a learning
rate changed while paused that the trainer then uses."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.train.rundir import read_metrics_csv
from tests.designer.test_training_helpers import (example_copy, open_project, spiral, training,  # noqa: F401
                                                  wait_finished, wait_state)


def type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_form_edit_writes_the_project_and_undoes(qtbot, window, training, spiral):
    form = training.panel.form
    epochs = form.rows["epochs"].editor.box
    assert epochs.value() == 3  # the project's value
    assert "(default)" not in form.rows["epochs"].label.text()
    assert "(default)" in form.rows["weight_decay"].label.text()  # not in the project: its default
    type_into(qtbot, epochs, "12")
    assert window.project.training["epochs"] == 12
    assert window.is_dirty()
    window.undo_stack.undo()
    assert window.project.training["epochs"] == 3
    assert epochs.value() == 3  # the form follows the project
    window.undo_stack.redo()
    assert epochs.value() == 12


def test_spin_box_steps_merge_into_one_undo_step(qtbot, window, training, spiral):
    box = training.panel.form.rows["batch_size"].editor.box
    box.setFocus()
    before = window.undo_stack.count()
    for _ in range(5):
        qtbot.keyClick(box, Qt.Key.Key_Up)
    assert window.project.training["batch_size"] == 37
    assert window.undo_stack.count() == before + 1
    window.undo_stack.undo()
    assert window.project.training["batch_size"] == 32


def test_switching_optimizer_shows_its_settings_and_drops_the_others(qtbot, window, training, spiral):
    form = training.panel.form
    assert not form.rows["momentum"].label.isVisibleTo(form)  # adam has no momentum
    assert form.rows["betas"].label.isVisibleTo(form)
    combo = form.rows["optimizer"].editor.box
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Up)  # adam -> sgd
    assert window.project.training["optimizer"] == "sgd"
    assert form.rows["momentum"].label.isVisibleTo(form)
    assert not form.rows["betas"].label.isVisibleTo(form)
    momentum = form.rows["momentum"].editor.box
    type_into(qtbot, momentum, "0.9")
    assert window.project.training["momentum"] == 0.9
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # back to adam: the SGD momentum goes with it
    assert window.project.training["optimizer"] == "adam"
    assert "momentum" not in window.project.training


def test_a_bad_setting_is_shown_under_its_field_and_training_refused(qtbot, window, training, spiral):
    window.project.set_training({**window.project.training, "optimizer": "adam", "momentum": 0.5})
    row = training.panel.form.rows["momentum"]
    assert "momentum applies to 'sgd' and 'rmsprop'" in row.error.text()
    assert not row.error.isHidden()
    qtbot.waitUntil(lambda: not training.panel.train_button.isEnabled(), timeout=5000)
    assert "momentum applies to 'sgd' and 'rmsprop'" in training.panel.train_button.toolTip()
    qtbot.mouseClick(training.panel.train_button, Qt.MouseButton.LeftButton)
    assert training.session.state == "idle"
    assert not training.train()  # F5 or a script: refused with the same sentence
    assert "momentum" in training.panel.message.text()


def test_a_project_without_data_says_what_to_do(qtbot, window, training):
    assert not training.panel.train_button.isEnabled()
    assert "has no data yet" in training.panel.train_button.toolTip()
    qtbot.mouseClick(training.panel.train_button, Qt.MouseButton.LeftButton)
    assert not training.train()  # F5 or a script
    assert training.session.state == "idle"
    assert "has no data yet" in training.panel.message.text()


def test_a_run_that_stopped_early_says_why(qtbot, window, training, tmp_path):
    never_better = {"patience": 2, "min_delta": 1e9}  # no epoch after the first counts as better
    path = example_copy(tmp_path, "spiral_mlp", data={"samples": 200},
                        training={"epochs": 50, "early_stopping": never_better})
    open_project(qtbot, window, path)
    qtbot.mouseClick(training.panel.train_button, Qt.MouseButton.LeftButton)
    result = wait_finished(qtbot, training)
    assert result.status == "completed" and result.epochs_completed == 3
    status = training.panel.status.text()
    assert status.startswith("Completed after 3 epoch(s)")
    assert "early stopping: val_loss did not improve for 2 epochs" in status and "at epoch 1" in status
    assert training.stop_and_wait(5)  # nothing runs: nothing is stopped, and nothing said
    assert training.panel.status.text() == status


def test_the_form_fits_a_narrow_dock_without_cutting_fields(qtbot, window, training, spiral):
    form = training.panel.form
    metrics = form.rows["metrics"].editor
    assert list(metrics.boxes) == ["accuracy", "precision", "recall", "f1"]  # a classifier's
    rows = {metrics.grid.getItemPosition(metrics.grid.indexOf(box))[0] for box in metrics.boxes.values()}
    assert rows == {0, 1}  # two to a line
    # the right dock's usual width (a 1500-pixel window) holds the whole form
    assert form.minimumSizeHint().width() <= 380, form.minimumSizeHint().width()


def test_device_selector_lists_the_devices_present(qtbot, window, training, spiral):
    qtbot.waitUntil(lambda: len(training.devices) >= 2 and training.devices[0][1] != "auto", timeout=60_000)
    choices = training.panel.form.device_choices()
    assert choices[:2] == ["auto", "cpu"]
    box = training.panel.form.rows["device"].editor.box
    assert box.itemText(0).startswith("auto → CPU")  # says what auto means here
    assert box.itemText(1).startswith("CPU (")


def test_train_pause_change_learning_rate_resume_stop(qtbot, window, training, tmp_path):
    path = example_copy(tmp_path, "spiral_mlp", data={"samples": 4000}, training={"epochs": 400})
    open_project(qtbot, window, path)
    panel = training.panel
    assert not panel.pause_button.isEnabled() and not panel.stop_button.isEnabled()
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert not panel.train_button.isEnabled()
    wait_state(qtbot, training, "running")
    qtbot.waitUntil(lambda: len(training.session.live.rows) >= 1, timeout=120_000)
    import torch

    if not torch.cuda.is_available():  # the device as the selector names it, not torch's word
        assert panel.status.text().startswith("Training on the CPU · run "), panel.status.text()
    lr_box = panel.form.rows["learning_rate"].editor.box
    epochs_box = panel.form.rows["epochs"].editor.box
    assert not lr_box.isEnabled() and not epochs_box.isEnabled()  # read-only while running
    summary = window.summary.text()
    assert summary.endswith("training") and "ready to train" not in summary, summary  # the status bar

    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, training, "paused")
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()
    assert lr_box.isEnabled() and not epochs_box.isEnabled()  # the optimiser only
    paused_at = len(training.session.live.batch_x)
    type_into(qtbot, lr_box, "0.002")
    qtbot.waitUntil(lambda: training.session.worker.optimizer_settings()["learning_rate"] == 0.002,
                    timeout=10_000)  # applied by the training thread while it waits
    assert window.project.training["learning_rate"] == 0.002  # and kept in the project
    QApplication.processEvents()
    assert len(training.session.live.batch_x) == paused_at  # nothing trained while paused

    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, training, "running")
    changed_epoch = int(training.session.live.rows[-1]["epoch"])
    qtbot.waitUntil(lambda: len(training.session.live.rows) >= changed_epoch + 2, timeout=120_000)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    result = wait_finished(qtbot, training)

    assert result.status == "stopped"
    assert window.summary.text().endswith("ready to train")  # no run under way any more
    run = json.loads((result.run_dir / "run.json").read_text())
    assert run["status"] == "stopped"
    assert [c["settings"] for c in run["changes"]] == [{"learning_rate": 0.002}]
    rows = read_metrics_csv(result.run_dir / "metrics.csv")
    assert rows[0]["learning_rate"] == 0.01
    assert rows[-1]["learning_rate"] == 0.002  # the trainer used the new rate
    assert len(rows) == result.epochs_completed
    assert panel.train_button.isEnabled() and lr_box.isEnabled() and epochs_box.isEnabled()
    assert "Stopped after" in panel.status.text()
    # the bars show what was kept, not the epoch the stop broke off
    done = result.epochs_completed
    assert panel.epoch_bar.value() == done and panel.epoch_bar.text() == f"Epoch {done} of 400 done"
    if 0 < panel.batch_bar.value() < panel.batch_bar.maximum():
        assert panel.batch_bar.text().endswith(f"of epoch {done + 1} (not kept)")


def test_stop_while_the_data_loads_cancels_quietly(qtbot, window, training, spiral, monkeypatch):
    import threading

    import core.data

    # Hold the worker inside the data loading until Stop was clicked, so the test is about
    # that moment and not about how fast the data happens to load.
    loading, release = threading.Event(), threading.Event()
    real_load = core.data.load

    def held_load(*args, **kwargs):
        loading.set()
        release.wait(60)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(core.data, "load", held_load)
    failures: list[str] = []
    training.session.failed.connect(failures.append)
    runs = training.runs_folder()
    panel = training.panel
    try:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(loading.is_set, timeout=60_000)
        assert training.session.state == "loading"
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
        assert training.session.state == "stopping"
    finally:
        release.set()
    result = wait_finished(qtbot, training)
    # Cancelled: no run started, nothing written, no error shown.
    assert result is None and training.session.run_dir is None
    assert not runs.exists() or not any(runs.iterdir()), list(runs.iterdir())
    assert failures == [] and panel.message.isHidden()
    assert training.session.state == "idle"
    assert panel.train_button.isEnabled()
