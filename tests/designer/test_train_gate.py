"""Train is disabled, with the reason as its tooltip, while the Problems panel lists an error;
the panel, ``layerforge check`` and the start of training say the same sentence."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from core.check import check_project
from tests.designer.conftest import settle
from tests.designer.test_inspector import type_into
from tests.designer.test_training_helpers import spiral, training, wait_finished  # noqa: F401


def test_an_output_width_the_data_refutes_disables_train_until_undone(qtbot, window, training, spiral):
    assert training.train_action.isEnabled()
    window.scene.select_nodes(["output"])
    editor = window.inspector.param_editors["units"]
    editor.auto.setChecked(False)  # untick "auto", as a person does, then type a width
    type_into(editor.field, "5")
    settle(qtbot, window)
    assert window.project.graph.nodes["output"].params["units"] == 5

    assert not training.train_action.isEnabled()
    assert not training.panel.train_button.isEnabled()
    tip = training.train_action.toolTip()
    assert tip.startswith("Cannot train yet: Output 'output' is set to 5 units")
    assert training.panel.train_button.toolTip() == tip
    panel_lines = window.problems.messages()
    assert any("Output 'output' is set to 5 units but the data needs (N, 1)" in m for m in panel_lines)
    cli_lines = [p.message for p in check_project(window.project).problems]
    assert [m for m in panel_lines if "Output" in m] == [m for m in cli_lines if "Output" in m]

    QTest.keyClick(window.canvas if hasattr(window, "canvas") else window, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier)
    if window.project.graph.nodes["output"].params.get("units") is not None:
        window.undo_stack.undo()  # focus stayed in the field: undo as the Edit menu does
    settle(qtbot, window)
    assert "units" not in window.project.graph.nodes["output"].params
    assert training.train_action.isEnabled()
    assert training.train_action.toolTip().startswith("Train the network")
    training.train_action.trigger()
    assert wait_finished(qtbot, training).status == "completed"


def test_a_setting_training_refuses_disables_train(qtbot, window, training, spiral):
    project = window.project
    project.set_training({**project.training, "init_from": "runs/none-such"})
    settle(qtbot, window)
    assert not training.train_action.isEnabled()
    assert "training.init_from" in training.train_action.toolTip()
    assert any("training.init_from" in m.lower() for m in window.problems.messages())
    assert not training.train()  # F5 while disabled (or a script) starts nothing
    assert training.session.state == "idle"
