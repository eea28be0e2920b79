"""Learner hints in the Problems panel: shown after errors, never blocking, gone when fixed."""

from __future__ import annotations

from core.shapes import HINT
from tests.designer.conftest import open_example, settle


def test_linear_linear_gets_a_hint_that_a_relu_removes(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    assert window.problems.hint_messages() == []
    editor, graph = window.editor, window.project.graph
    editor.delete(["relu1"], [])  # fc1 and fc2 now stand apart: wire them directly
    settle(qtbot, window)
    editor.connect("fc1", "fc2")
    settle(qtbot, window)
    hints = window.problems.hint_messages()
    assert len(hints) == 1 and "equivalent to one linear layer" in hints[0]
    assert "ready to train" in window.problems.messages()[0]  # a hint does not block
    assert "ready to train" in window.summary.text()
    # clicking the hint shows the layer it is about
    row = window.problems.messages().index(hints[0])
    window.problems.itemClicked.emit(window.problems.item(row))
    assert window.scene.selected_node_ids() == ["fc2"]
    # insert a ReLU between them: cut the wire, add a ReLU after fc1 (the palette's double-click
    # with fc1 selected), wire it into fc2
    wire = next(e for e in graph.edges if e.source == "fc1" and e.target == "fc2")
    editor.delete([], [wire])
    window.scene.select_nodes(["fc1"])
    relu = window.add_layer_near_selection("ReLU")
    editor.connect(relu, "fc2")
    settle(qtbot, window)
    assert window.problems.hint_messages() == []
    assert window.problems.messages() == ["No problems: the network is ready to train."]


def test_training_history_hints_appear_and_leave_with_the_project(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    rows = [{"epoch": i + 1, "train_loss": v, "val_loss": v, "learning_rate": 1e-4}
            for i, v in enumerate([0.69, 0.55, 0.50, 0.49] + [0.49] * 16)]
    window.problems.set_training_history(rows, {"learning_rate": 1e-4})
    hints = window.problems.hint_messages()
    assert len(hints) == 1 and "stopped falling early" in hints[0] and "0.001" in hints[0]
    item = window.problems.item(window.problems.messages().index(hints[0]))
    assert item.toolTip().startswith("Hint")
    open_example(qtbot, window, "two_branch")
    assert window.problems.hint_messages() == []


def test_a_training_session_feeds_the_run_hints(window, qtbot):
    """The duck-typed hook the status bar uses for the training part's session."""
    from types import SimpleNamespace

    from PySide6.QtCore import QObject, Signal

    class Session(QObject):
        state_changed = Signal(str)
        started = Signal(object)
        progressed = Signal(object)

    session = Session()
    window.problems.follow_session(session)
    session.started.emit(SimpleNamespace(history=[], settings={"learning_rate": 3.0}, epochs=12,
                                         device="cpu"))
    for i, loss in enumerate([455.0, 0.9, 0.708, 0.714, 0.745, 0.704, 0.709, 0.708, 0.748, 0.754]):
        session.progressed.emit(SimpleNamespace(row={"epoch": i + 1, "train_loss": loss, "val_loss": loss,
                                                     "learning_rate": 3.0}))
    hints = window.problems.hint_messages()
    assert len(hints) == 1 and "too high" in hints[0] and "(now 3)" in hints[0]
    assert all(p.severity != HINT for p in window.analysis.problems)  # hints stay out of the analysis
