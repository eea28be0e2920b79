"""The status bar's summary says "ready to train" exactly when the Problems panel does."""

from __future__ import annotations

from tests.designer.conftest import open_example, settle


def test_a_bad_training_setting_makes_the_summary_count_a_problem(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    assert "ready to train" in window.summary.text()
    window.project.training.set("learning_rate", 500)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: "1 problem" in window.summary.text(), timeout=10_000)
    assert "ready to train" not in window.summary.text()
    assert any("learning_rate" in m for m in window.problems.messages())
    window.project.training.set("learning_rate", 0.01)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: "ready to train" in window.summary.text(), timeout=10_000)
