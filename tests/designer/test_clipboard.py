"""Copy, cut, paste and duplicate: fresh ids, internal wires kept, one undo step each."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from core.graph import Edge, Graph, Node
from designer import clipboard
from tests.designer.conftest import open_example


def keys(window, key, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    window.view.setFocus()
    QTest.keyClick(window.view, key, modifiers)


def test_copy_and_paste_with_the_keyboard(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    graph = window.project.graph
    window.scene.select_nodes(["fc1", "relu1", "fc2"])
    keys(window, Qt.Key.Key_C)
    assert clipboard.fragment_from_text(QGuiApplication.clipboard().text())["nodes"][0]["id"] == "fc1"
    keys(window, Qt.Key.Key_V)
    assert {"fc3", "relu3", "fc4"} <= set(graph.nodes)
    pasted = [(e.source, e.target) for e in graph.edges if e.source in ("fc3", "relu3", "fc4")]
    assert pasted == [("fc3", "relu3"), ("relu3", "fc4")]  # internal wires only
    assert graph.incoming("fc3") == []
    assert graph.nodes["fc3"].params == graph.nodes["fc1"].params
    assert graph.nodes["fc3"].pos == (graph.nodes["fc1"].pos[0] + 40, graph.nodes["fc1"].pos[1] + 40)
    assert window.scene.selected_node_ids() == ["fc3", "relu3", "fc4"]
    assert window.undo_stack.undoText() == "Paste 3 layers"
    keys(window, Qt.Key.Key_V)  # a second paste lands further away, with new ids again
    assert graph.nodes["fc5"].pos == (graph.nodes["fc1"].pos[0] + 80, graph.nodes["fc1"].pos[1] + 80)
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert set(graph.nodes) == {"input", "fc1", "relu1", "fc2", "relu2", "output"}


def test_cut_removes_and_paste_brings_back(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    graph = window.project.graph
    window.scene.select_nodes(["relu2"])
    keys(window, Qt.Key.Key_X)
    assert "relu2" not in graph
    assert window.undo_stack.undoText() == "Cut 1 layer"
    keys(window, Qt.Key.Key_V)
    assert "relu2" in graph  # the smallest free number of its stem
    assert graph.nodes["relu2"].type == "ReLU" and graph.incoming("relu2") == []
    assert window.undo_stack.undoText() == "Paste 1 layer"


def test_duplicate_keeps_internal_wires_and_selects_the_copy(window, qtbot):
    open_example(qtbot, window, "residual_cnn")
    graph = window.project.graph
    before = len(graph)
    chosen = list(graph.nodes)[1:4]
    window.scene.select_nodes(chosen)
    keys(window, Qt.Key.Key_D)
    assert len(graph) == before + 3
    copies = window.scene.selected_node_ids()
    assert len(copies) == 3 and not set(copies) & set(chosen)
    internal = [(e.source, e.target) for e in graph.edges if e.source in copies and e.target in copies]
    original = [(e.source, e.target) for e in graph.edges if e.source in chosen and e.target in chosen]
    assert len(internal) == len(original)
    assert window.undo_stack.undoText() == "Duplicate 3 layers"


def test_paste_of_foreign_text_is_refused_with_a_reason(window, qtbot):
    QGuiApplication.clipboard().setText("just some words")
    keys(window, Qt.Key.Key_V)
    assert len(window.project.graph) == 0
    assert "clipboard holds no layers" in window.statusBar().currentMessage()


def test_fresh_ids_and_unknown_types_in_a_fragment():
    graph = Graph()
    graph.add_node(Node("conv1", "Conv2d"))
    fragment = {"format": clipboard.FORMAT,
                "nodes": [{"id": "conv1", "type": "Conv2d", "params": {"out_channels": 8}, "pos": [0, 0]},
                          {"id": "b0_conv1", "type": "Conv2d", "params": {}},
                          {"id": "mystery", "type": "NoSuchLayer", "params": {}}],
                "edges": [{"source": "conv1", "target": "b0_conv1"}, {"source": "mystery", "target": "conv1"}]}
    nodes, edges = clipboard.paste_plan(graph, fragment, (10, 20))
    assert [n.id for n in nodes] == ["conv2", "b0_conv1"]
    assert nodes[0].pos == (10.0, 20.0) and nodes[1].pos is None
    assert edges == [Edge("conv2", "b0_conv1", 0)]
    assert clipboard.fragment_from_text("[1, 2]") is None
    assert clipboard.fragment_from_text("{not json") is None
