"""Editing with the mouse and keyboard: drop layers, connect ports, refuse cycles, delete."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.canvas.node_item import HEIGHT, WIDTH
from tests.designer.conftest import (click, double_click, drag, drag_event, mouse, node_point, open_example,
                                    port_point, settle)


def drop_layer(window, type_name: str, at: QPoint) -> None:
    """Drop a palette item on the canvas with the mime data the palette itself makes."""
    item = window.palette.item_for(type_name)
    mime: QMimeData = window.palette.tree.mimeData([item])
    viewport = window.view.viewport()
    enter = drag_event(QDragEnterEvent, at, mime)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, drag_event(QDragMoveEvent, at, mime))
    QApplication.sendEvent(viewport, drag_event(QDropEvent, at, mime))
    QApplication.processEvents()


def test_dropping_a_palette_item_adds_the_layer_where_it_was_dropped(window, qtbot):
    at = QPoint(300, 200)
    drop_layer(window, "Conv2d", at)
    graph = window.project.graph
    assert list(graph.nodes) == ["conv1"]
    node = graph.nodes["conv1"]
    assert node.type == "Conv2d"
    dropped_at = window.view.mapToScene(at)
    assert abs(node.pos[0] + WIDTH / 2 - dropped_at.x()) < 1
    assert abs(node.pos[1] + HEIGHT / 2 - dropped_at.y()) < 1
    item = window.scene.nodes["conv1"]
    assert item.isSelected()
    assert item.pos() == QPointF(*node.pos)
    assert window.inspector.title.text() == "Conv2d"
    assert window.undo_stack.undoText() == "Add Conv2d 'conv1'"
    assert window.windowTitle().startswith("Untitled (not saved)*")


def test_dragging_from_an_output_port_to_an_input_port_connects_them(window, qtbot):
    editor = window.editor
    editor.add_layer("Input", (0, 0))
    editor.add_layer("Linear", (260, 40))
    settle(qtbot, window)
    drag(window.view.viewport(), port_point(window, "input1", output=True),
         port_point(window, "fc1", output=False))
    edges = window.project.graph.edges
    assert [(e.source, e.target) for e in edges] == [("input1", "fc1")]
    assert window.undo_stack.undoText() == "Connect 'input1' to 'fc1'"
    assert ("input1", "fc1", 0) in {(e.source, e.target, e.target_port) for e in window.scene.wires}
    assert window.scene.nodes["fc1"].in_ports[0].connected


def test_dropping_a_wire_on_a_card_body_or_from_an_input_also_connects(window, qtbot):
    editor = window.editor
    for type_name, x in (("Input", 0), ("Linear", 250), ("ReLU", 500)):
        editor.add_layer(type_name, (x, 0))
    drag(window.view.viewport(), port_point(window, "input1", output=True), node_point(window, "fc1"))
    drag(window.view.viewport(), port_point(window, "relu1", output=False), port_point(window, "fc1", output=True))
    assert [(e.source, e.target) for e in window.project.graph.edges] == [("input1", "fc1"), ("fc1", "relu1")]


def test_dropping_a_wire_on_empty_canvas_cancels_it(window, qtbot):
    window.editor.add_layer("Input", (0, 0))
    count = window.undo_stack.count()
    drag(window.view.viewport(), port_point(window, "input1", output=True),
         port_point(window, "input1", output=True) + QPoint(250, 150))
    assert window.project.graph.edges == []
    assert window.undo_stack.count() == count
    assert window.scene._drag_wire is None


def test_a_connection_that_would_make_a_cycle_is_refused_with_the_reason(window, qtbot):
    editor = window.editor
    for type_name, x in (("Linear", 0), ("ReLU", 250), ("Linear", 500)):
        editor.add_layer(type_name, (x, 0))
    editor.connect("fc1", "relu1")
    editor.connect("relu1", "fc2")
    before = window.project.to_json()
    count = window.undo_stack.count()
    drag(window.view.viewport(), port_point(window, "fc2", output=True), port_point(window, "fc1", output=False))
    assert window.project.to_json() == before
    assert window.undo_stack.count() == count
    message = window.statusBar().currentMessage()
    assert "would make a cycle" in message and "fc2" in message and "fc1" in message


def test_self_loops_and_a_second_wire_into_a_single_input_are_refused(window, qtbot):
    editor = window.editor
    for type_name, x in (("Input", 0), ("Linear", 250), ("ReLU", 500)):
        editor.add_layer(type_name, (x, 0))
    editor.connect("input1", "relu1")
    drag(window.view.viewport(), port_point(window, "fc1", output=True), port_point(window, "fc1", output=False))
    assert "cannot be connected to itself" in window.statusBar().currentMessage()
    drag(window.view.viewport(), port_point(window, "fc1", output=True), port_point(window, "relu1", output=False))
    assert "already has an input from 'input1'" in window.statusBar().currentMessage()
    assert [(e.source, e.target) for e in window.project.graph.edges] == [("input1", "relu1")]


def test_merge_nodes_grow_a_free_input_for_each_wire(window, qtbot):
    editor = window.editor
    for type_name, x, y in (("Linear", 0, 0), ("Linear", 0, 150), ("Add", 300, 60)):
        editor.add_layer(type_name, (x, y))
    drag(window.view.viewport(), port_point(window, "fc1", output=True), port_point(window, "add1", output=False))
    assert len(window.scene.nodes["add1"].in_ports) == 2
    free = len(window.scene.nodes["add1"].in_ports) - 1
    drag(window.view.viewport(), port_point(window, "fc2", output=True),
         port_point(window, "add1", output=False, index=free))
    assert sorted((e.source, e.target_port) for e in window.project.graph.edges) == [("fc1", 0), ("fc2", 1)]
    assert len(window.scene.nodes["add1"].in_ports) == 3


def test_moving_a_selection_by_dragging_is_one_undoable_move(window, qtbot):
    editor = window.editor
    editor.add_layer("Input", (0, 0))
    editor.add_layer("Linear", (250, 0))
    editor.connect("input1", "fc1")
    window.scene.select_nodes(["input1", "fc1"])
    start = node_point(window, "fc1")
    drag(window.view.viewport(), start, start + QPoint(40, 60))
    scale = window.view.transform().m11()
    nodes = window.project.graph.nodes
    assert abs(nodes["fc1"].pos[0] - (250 + 40 / scale)) < 1.5
    assert abs(nodes["input1"].pos[1] - 60 / scale) < 1.5
    assert window.undo_stack.undoText() == "Move 2 layers"
    wire = window.scene.wires[window.project.graph.edges[0]]
    assert (wire.path().pointAtPercent(1.0) - window.scene.nodes["fc1"].in_ports[0].scenePos()).manhattanLength() < 0.5
    window.undo_stack.undo()
    assert nodes["fc1"].pos == (250.0, 0.0)
    assert window.scene.nodes["fc1"].pos() == QPointF(250, 0)


def test_a_dragged_cards_wire_is_repainted_where_it_now_runs(window, qtbot):
    """The wire keeps its bounds (Qt asks for them in each repaint): after a drag they are
    the new path's, so the old place is cleared and the new one drawn."""
    editor = window.editor
    editor.add_layer("Input", (0, 0))
    editor.add_layer("Linear", (250, 0))
    editor.connect("input1", "fc1")
    wire = window.scene.wires[window.project.graph.edges[0]]
    before = wire.boundingRect()
    start = node_point(window, "fc1")
    drag(window.view.viewport(), start, start + QPoint(30, 160))
    after = wire.boundingRect()
    assert after != before and after.contains(wire.path().boundingRect())
    assert after.bottom() > before.bottom() + 100 / window.view.transform().m11()


def test_delete_removes_the_selection_with_its_wires_and_undo_restores_it_exactly(window, qtbot):
    open_example(qtbot, window, "lenet_shapes")
    before = window.project.to_json()
    actions = window.edit_actions
    needs_selection = ("cut", "copy", "duplicate", "delete", "rename")
    assert not any(actions[key].isEnabled() for key in needs_selection)  # nothing selected yet
    viewport = window.view.viewport()
    click(viewport, node_point(window, "relu1"))
    assert all(actions[key].isEnabled() for key in needs_selection)
    click(viewport, node_point(window, "conv2"), modifiers=Qt.KeyboardModifier.ControlModifier)
    assert window.scene.selected_node_ids() == ["relu1", "conv2"]
    assert not actions["rename"].isEnabled() and actions["delete"].isEnabled()  # rename: one layer
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    graph = window.project.graph
    assert "relu1" not in graph and "conv2" not in graph
    assert not any({"relu1", "conv2"} & {e.source, e.target} for e in graph.edges)
    assert "relu1" not in window.scene.nodes and len(window.scene.wires) == len(graph.edges)
    assert window.edit_actions["undo"].text() == "&Undo Delete 2 layers"
    window.undo_stack.undo()
    assert window.project.to_json() == before
    assert len(window.scene.wires) == len(graph.edges) == 12
    window.undo_stack.redo()
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.project.to_json() == before


def test_backspace_deletes_a_selected_wire(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    edge = window.project.graph.edges[1]
    wire = window.scene.wires[edge]
    window.scene.clearSelection()
    wire.setSelected(True)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Backspace)
    assert edge not in window.project.graph.edges
    assert window.undo_stack.undoText() == f"Disconnect '{edge.source}' from '{edge.target}'"


def test_rubber_band_and_ctrl_a_select(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    viewport = window.view.viewport()
    a = window.view.mapFromScene(QPointF(-30, -40))
    b = window.view.mapFromScene(window.scene.nodes["fc1"].sceneBoundingRect().bottomRight() + QPointF(5, 5))
    drag(viewport, a, b)
    assert window.scene.selected_node_ids() == ["input", "fc1"]
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.scene.selected_node_ids()) == 6


def test_double_clicking_a_palette_item_adds_it_after_the_selected_node(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    window.editor.delete(["output"])
    window.scene.select_nodes(["relu2"])
    item = window.palette.item_for("Dropout")
    window.palette.tree.scrollToItem(item)
    QApplication.processEvents()
    rect = window.palette.tree.visualItemRect(item)
    double_click(window.palette.tree.viewport(), rect.center())
    graph = window.project.graph
    assert "drop1" in graph
    assert [(e.source, e.target) for e in graph.incoming("drop1")] == [("relu2", "drop1")]
    assert graph.nodes["drop1"].pos[0] > graph.nodes["relu2"].pos[0]
    assert window.scene.selected_node_ids() == ["drop1"]
    assert window.undo_stack.undoText() == "Add Dropout 'drop1' after 'relu2'"
    # and again: the chain grows
    double_click(window.palette.tree.viewport(), rect.center())
    assert [(e.source, e.target) for e in graph.incoming("drop2")] == [("drop1", "drop2")]


def test_auto_layout_is_undoable_and_has_no_overlaps(window, qtbot):
    from designer.layout import overlaps

    open_example(qtbot, window, "two_branch")
    before = window.project.to_json()
    window.view.scale(4, 4)  # zoomed in on a part of the graph
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_L)
    positions = {nid: n.pos for nid, n in window.project.graph.nodes.items()}
    assert overlaps(positions) == []
    assert window.undo_stack.undoText() == "Auto-layout"
    for nid, item in window.scene.nodes.items():
        assert item.pos() == QPointF(*positions[nid])
    shown = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert shown.contains(window.scene.graph_bounds())  # the new arrangement is shown whole
    window.undo_stack.undo()
    assert window.project.to_json() == before


def test_typing_in_the_inspector_does_not_trigger_canvas_shortcuts(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    window.scene.select_nodes(["fc1"])
    name = window.inspector.name_edit
    name.setFocus()
    count = window.undo_stack.count()
    QTest.keyClick(name, Qt.Key.Key_L)
    QTest.keyClick(name, Qt.Key.Key_Backspace)
    QTest.keyClick(name, Qt.Key.Key_Delete)
    assert window.undo_stack.count() == count
    assert "fc1" in window.project.graph


def test_wheel_zooms_and_f_fits(window, qtbot):
    from PySide6.QtGui import QWheelEvent

    open_example(qtbot, window, "lenet_shapes")
    view = window.view
    before = view.transform().m11()
    center = view.viewport().rect().center()
    wheel = QWheelEvent(QPointF(center), QPointF(view.viewport().mapToGlobal(center)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.transform().m11() > before * 1.3
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.graph_bounds())


def test_middle_drag_pans(window, qtbot):
    open_example(qtbot, window, "lenet_shapes")
    view = window.view
    view.resetTransform()
    before = view.mapToScene(view.viewport().rect().center())
    viewport = view.viewport()
    start = QPoint(300, 200)
    mouse(viewport, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.MiddleButton, Qt.MouseButton.MiddleButton)
    mouse(viewport, QEvent.Type.MouseMove, start + QPoint(-100, -50), Qt.MouseButton.NoButton,
          Qt.MouseButton.MiddleButton)
    mouse(viewport, QEvent.Type.MouseButtonRelease, start + QPoint(-100, -50), Qt.MouseButton.MiddleButton,
          Qt.MouseButton.NoButton)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() - before.x() > 50
