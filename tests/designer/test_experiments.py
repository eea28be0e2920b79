"""The Experiments dock driven like a person: vary a parameter from the Inspector, start a
real two-trial sweep (in a child process), watch the table fill, open a trial."""

from __future__ import annotations

import os

import optuna
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from designer.experiments import vary as vary_module
from tests.core.train import tiny
from tests.designer.conftest import settle


def _right_click(widget) -> None:
    """A context-menu event where a person right-clicks; the menu pops up without blocking."""
    vary_module.last_menu = None
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), widget.mapToGlobal(QPoint(5, 5)))
    QApplication.sendEvent(widget, event)
    QApplication.processEvents()


def _vary_action():
    menu = vary_module.last_menu
    assert menu is not None, "no context menu"
    found = [a for a in menu.actions() if a.text() == vary_module.VARY_TEXT]
    assert found, [a.text() for a in menu.actions()]
    return menu, found[0]


def test_vary_from_the_inspector_then_run_a_two_trial_sweep(qtbot, window, tmp_path):
    project = tiny.project(tmp_path)
    assert window.files.open_path(project.path, confirm=False)
    settle(qtbot, window)
    controller = window.extensions["designer.experiments:install"]
    window.scene.select_nodes(["fc1"])
    QApplication.processEvents()
    field = window.inspector.param_editors["out_features"].field
    line = field.findChild(QLineEdit)
    _right_click(line)
    menu, action = _vary_action()
    assert any(a.text().replace("&", "").startswith("Copy") for a in menu.actions())  # the usual entries stay
    action.trigger()
    menu.close()
    assert window.project.sweep["parameters"] == {"fc1.out_features": {"low": 4, "high": 64, "log": True}}
    assert controller.dock.isVisible()
    panel = controller.panel
    qtbot.waitUntil(lambda: panel.form.table.rowCount() == 1)
    assert panel.form.table.item(0, 0).text() == "fc1.out_features"
    assert panel.form.table.item(0, 1).text() == "4" and panel.form.table.item(0, 2).text() == "64"

    window.undo_stack.undo()  # one undo step takes it back
    assert window.project.sweep is None or not window.project.sweep.get("parameters")
    window.undo_stack.redo()

    panel.form.trials.setValue(2)
    panel.form.workers.setValue(1)
    panel.form._select(panel.form.pruner, "none")
    panel.form.pruner.activated.emit(panel.form.pruner.currentIndex())
    assert window.project.sweep["trials"] == 2 and window.project.sweep["pruner"] == "none"
    assert panel.form.start_button.isEnabled()
    qtbot.mouseClick(panel.form.start_button, Qt.MouseButton.LeftButton)
    assert panel.process.running and not panel.form.start_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.process.running, timeout=240000)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2
                    and all(panel.table.item(r, 1).text().split()[0] == "complete" for r in range(2)),
                    timeout=10000)
    assert panel.form.start_button.isEnabled() and "2 of 2 trials done" in panel.status.text()
    widths = {panel.table.item(r, 3).text() for r in range(2)}
    assert all(w.isdigit() and 4 <= int(w) <= 64 for w in widths)

    # the trials trained in another process, and the study knows their run folders
    study = optuna.load_study(study_name=panel.study, storage=panel.storage)
    assert {t.user_attrs["pid"] for t in study.trials} != {os.getpid()}
    assert all((tmp_path / "runs" / f"sweep-{panel.study}" / f"trial-{t.number:04d}" / "run.json").is_file()
               for t in study.trials)
    assert len(panel.coordinates.lines) == 2
    panel.table.selectRow(0)
    QApplication.processEvents()
    assert list(panel.curves.curves) == [panel.table.selected_numbers()[0]]
    qtbot.waitUntil(lambda: bool(panel.importance.values) or panel.importance.note.isVisible(), timeout=10000)

    assert panel.open_button.isEnabled()
    assert window.files.save()  # else opening asks whether to save the sweep's changes
    (number,) = panel.table.selected_numbers()
    row = next(r for r in panel.rows if r.number == number)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert window.project.name == f"Tiny (trial {number})" and window.is_dirty()
    assert window.project.path is None and window.project.sweep is None  # a new project: Save asks where
    assert window.project.graph.nodes["fc1"].params["out_features"] == row.params["fc1.out_features"]
    assert (tmp_path / "runs" / f"sweep-{row.run_dir.split('sweep-')[1].split('/')[0]}"
            / f"trial-{number:04d}.lfproj").is_file()

def test_the_training_form_offers_vary_too(qtbot, window, tmp_path):
    project = tiny.project(tmp_path)
    assert window.files.open_path(project.path, confirm=False)
    settle(qtbot, window)
    form = window.extensions["designer.training:install"].panel.form
    _right_click(form.rows["learning_rate"].label)
    menu, action = _vary_action()
    action.trigger()
    menu.close()
    assert window.project.sweep["parameters"]["learning_rate"]["log"] is True


def test_a_problem_in_the_sweep_is_a_sentence_and_blocks_start(qtbot, window, tmp_path):
    project = tiny.project(tmp_path)
    project.set_sweep({"parameters": {"fc9.out_features": {"low": 4, "high": 8}}})
    project.save()
    assert window.files.open_path(project.path, confirm=False)
    settle(qtbot, window)
    controller = window.extensions["designer.experiments:install"]
    controller.show()
    panel = controller.panel
    panel.refresh()
    assert panel.form.problems.isVisible() or not panel.form.problems.isHidden()
    assert "the design has no node 'fc9'" in panel.form.problems.text()
    assert not panel.form.start_button.isEnabled()
