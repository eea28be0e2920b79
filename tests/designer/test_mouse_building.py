"""Done-when: a residual block built with the mouse alone, shapes right, saved and reopened."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from designer.main_window import MainWindow
from tests.designer.conftest import (choose_file, click, drag, node_point, port_point, settle, when_modal)
from tests.designer.test_canvas_editing import drop_layer
from tests.designer.test_inspector import type_into


def test_a_residual_block_built_with_the_mouse_trains_saves_and_reopens(window, qtbot, tmp_path):
    view = window.view
    view.resetTransform()
    # drop the layers from the palette, left to right, the skip branch's Add on the lower row
    spots = {"Input": (90, 120), "Conv2d": (260, 120), "ReLU": (430, 120), "Add": (600, 260),
             "Flatten": (770, 260), "Output": (940, 260)}
    for type_name, (x, y) in spots.items():
        drop_layer(window, type_name, QPoint(x, y))
    drop_layer(window, "BatchNorm2d", QPoint(600, 120))
    graph = window.project.graph
    assert set(graph.nodes) == {"input1", "conv1", "relu1", "add1", "flatten1", "output1", "bn1"}

    def wire(source: str, target: str, port: int = 0) -> None:
        drag(view.viewport(), port_point(window, source, output=True),
             port_point(window, target, output=False, index=port))

    wire("input1", "conv1")
    wire("conv1", "relu1")
    wire("relu1", "bn1")
    wire("bn1", "add1")
    wire("input1", "add1", port=1)  # the skip connection into Add's free input
    wire("add1", "flatten1")
    wire("flatten1", "output1")
    assert len(graph.edges) == 7

    # sizes typed into the inspector
    click(view.viewport(), node_point(window, "input1"))
    window.inspector.param_editors["shape"].auto.click()  # "from the data" off: design without data
    type_into(window.inspector.param_editors["shape"].field, "3, 16, 16")
    click(view.viewport(), node_point(window, "conv1"))
    type_into(window.inspector.param_editors["out_channels"].field, "3")
    type_into(window.inspector.param_editors["padding"].field, "1")
    click(view.viewport(), node_point(window, "output1"))
    window.inspector.param_editors["units"].auto.click()
    type_into(window.inspector.param_editors["units"].field, "10")
    settle(qtbot, window)
    nodes = window.scene.nodes
    assert window.analysis.problems == [], window.analysis.problems
    assert nodes["conv1"].shape_text == "3×16×16"
    assert nodes["add1"].shape_text == "3×16×16"
    assert nodes["flatten1"].shape_text == "768"
    assert nodes["output1"].shape_text == "10"
    assert "ready to train" in window.summary.text()

    # Ctrl+S asks where, saves; a new window finds it as it was left
    target = tmp_path / "resblock.lfproj"
    when_modal(qtbot, choose_file(target))
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert target.is_file() and not window.is_dirty()
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert {"source": "input1", "target": "add1", "target_port": 1} in saved["graph"]["edges"]
    again = MainWindow()
    try:
        again.files.open_path(target, confirm=False)
        settle(qtbot, again)
        assert again.project.to_json() == window.project.to_json()
        assert again.scene.nodes["output1"].shape_text == "10"
    finally:
        again.close()


def test_shift_click_and_space_drag(window, qtbot):
    window.editor.add_layer("Linear", (0, 0))
    window.editor.add_layer("ReLU", (300, 0))
    viewport = window.view.viewport()
    click(viewport, node_point(window, "fc1"))
    click(viewport, node_point(window, "relu1"), modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert window.scene.selected_node_ids() == ["fc1", "relu1"]
    before = window.view.mapToScene(viewport.rect().center())
    window.view.setFocus()
    QTest.keyPress(window.view, Qt.Key.Key_Space)
    drag(viewport, QPoint(400, 300), QPoint(250, 200))
    QTest.keyRelease(window.view, Qt.Key.Key_Space)
    after = window.view.mapToScene(viewport.rect().center())
    assert after.x() - before.x() > 100  # the canvas moved, not the cards
    assert window.project.graph.nodes["fc1"].pos == (0.0, 0.0)
