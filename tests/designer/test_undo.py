"""Undo and redo restore the project exactly, after long random sequences of every kind of edit."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtGui import QUndoStack

from core.graph import Graph
from core.layers import REGISTRY
from core.project import Project
from designer.editor import GraphEditor
from tests.conftest import EXAMPLES
from tests.designer.conftest import open_example, settle

TYPES = ["Linear", "ReLU", "Conv2d", "MaxPool2d", "Add", "Concat", "BatchNorm1d", "Dropout", "Flatten",
         "Output", "Input", "LSTM", "Upsample"]


def _random_value(rng: random.Random, param):
    if param.optional and rng.random() < 0.3:
        return None
    kind = param.kind
    low = int(param.minimum) if param.minimum is not None else 1
    high = int(min(param.maximum, low + 40)) if param.maximum is not None else low + 40
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "choice":
        return rng.choice(param.options())
    if kind == "int":
        return rng.randint(low, max(low, high))
    if kind == "float":
        lo = param.minimum if param.minimum is not None else 0.0
        hi = param.maximum if param.maximum is not None else lo + 10
        return round(rng.uniform(lo, hi), 3)
    if kind == "int_or_pair":
        return rng.randint(low, high) if rng.random() < 0.5 else [rng.randint(low, high), rng.randint(low, high)]
    if kind == "float_or_pair":
        return round(rng.uniform(max(param.minimum or 0.01, 0.01), 4), 2)
    if kind == "int_list":
        n = param.list_length[0] if param.list_length else 1
        return [rng.randint(1, 9) for _ in range(n)]
    if kind == "name_list":
        return rng.sample(["a", "b", "c", "d"], k=rng.randint(1, 3))
    raise AssertionError(kind)


def random_edit(rng: random.Random, editor: GraphEditor, graph: Graph) -> None:
    ids = list(graph.nodes)
    choice = rng.random()
    if choice < 0.18 or len(ids) < 3:
        editor.add_layer(rng.choice(TYPES), (rng.uniform(-500, 500), rng.uniform(-300, 300)),
                         after=rng.choice(ids) if ids and rng.random() < 0.5 else None)
    elif choice < 0.30:
        editor.connect(rng.choice(ids), rng.choice(ids), None)
    elif choice < 0.42:
        node = graph.nodes[rng.choice(ids)]
        params = list(REGISTRY.get(node.type).params)
        if params:
            param = rng.choice(params)
            editor.set_param(node.id, param.name, _random_value(rng, param))
    elif choice < 0.50:
        chosen = rng.sample(ids, k=min(len(ids), rng.randint(1, 3)))
        loose = rng.sample(graph.edges, k=min(len(graph.edges), rng.randint(0, 2)))
        editor.delete(chosen, loose)
    elif choice < 0.56 and graph.edges:
        editor.delete([], [rng.choice(graph.edges)])
    elif choice < 0.64:
        old = rng.choice(ids)
        editor.rename(old, f"n{rng.randint(0, 60)}")
    elif choice < 0.74:
        chosen = rng.sample(ids, k=min(len(ids), rng.randint(1, 4)))
        editor.move({nid: (rng.uniform(-800, 800), rng.uniform(-800, 800)) for nid in chosen})
    elif choice < 0.84:
        editor.duplicate(rng.sample(ids, k=min(len(ids), rng.randint(1, 4))))
    elif choice < 0.90:
        chosen = rng.sample(ids, k=min(len(ids), rng.randint(1, 3)))
        editor.copy(chosen)
        editor.paste()
    elif choice < 0.94:
        editor.cut(rng.sample(ids, k=1))
    else:
        editor.auto_layout()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_undos_and_redos_restore_the_project_exactly(qapp, seed):
    rng = random.Random(seed)
    project = Project.load(EXAMPLES / ("residual_cnn.lfproj" if seed == 2 else "lenet_shapes.lfproj"))
    stack = QUndoStack()
    editor = GraphEditor(stack, lambda: project.graph)
    snapshots = {0: project.to_json()}
    made: set[str] = set()  # the kinds of edit made ("Add", "Connect", ...: the undo text's verb)
    undone, redone = 0, 0
    for _ in range(260):
        action = rng.random()
        if action < 0.65:
            index = stack.index()
            random_edit(rng, editor, project.graph)
            if stack.index() != index:  # an edit was made (refused ones push nothing)
                # pushing dropped every state after ``index``
                snapshots = {k: v for k, v in snapshots.items() if k <= index}
                snapshots[stack.index()] = project.to_json()
                made.add(stack.undoText().split(" ")[0])
        elif action < 0.82 and stack.canUndo():
            stack.undo()
            undone += 1
        elif action < 0.97 and stack.canRedo():
            stack.redo()
            redone += 1
        elif action >= 0.97:
            stack.setIndex(rng.randint(max(0, stack.index() - 6), stack.count()))
        assert project.to_json() == snapshots[stack.index()], f"state {stack.index()} differs"
    assert stack.count() > 20, "the sequence should hold many edits"
    # all the way back, and all the way forward again
    stack.setIndex(0)
    assert project.to_json() == snapshots[0]
    stack.setIndex(stack.count())
    assert project.to_json() == snapshots[stack.count()]
    # The sequence tried what the test is named for: every kind of edit, many single undos
    # and redos (each checked above against the state it must bring back).
    assert made == {"Add", "Connect", "Change", "Delete", "Disconnect", "Rename", "Move",
                    "Duplicate", "Paste", "Cut", "Auto-layout"}, made
    assert undone >= 20 and redone >= 5, (undone, redone)


def test_every_edit_has_a_readable_undo_text(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    editor, stack = window.editor, window.undo_stack
    texts = []

    def record(action) -> None:
        before = stack.index()
        action()
        assert stack.index() == before + 1
        texts.append(stack.undoText())

    record(lambda: editor.add_layer("Dropout", (0, 300)))
    record(lambda: editor.connect("relu1", "drop1"))
    record(lambda: editor.set_param("drop1", "p", 0.2))
    record(lambda: editor.rename("drop1", "dropout"))
    record(lambda: editor.move({"dropout": (10, 320)}))
    record(lambda: editor.delete([], [window.project.graph.incoming("dropout")[0]]))
    record(lambda: editor.duplicate(["fc1", "relu1"]))
    record(lambda: editor.auto_layout())
    record(lambda: editor.delete(["dropout"]))
    assert texts == ["Add Dropout 'drop1'", "Connect 'relu1' to 'drop1'", "Change p of drop1",
                     "Rename 'drop1' to 'dropout'", "Move 'dropout'", "Disconnect 'relu1' from 'dropout'",
                     "Duplicate 2 layers", "Auto-layout", "Delete Dropout 'dropout'"]


def test_undo_and_redo_from_the_keyboard_update_the_canvas(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    window.editor.delete(["fc2"])
    assert "fc2" not in window.scene.nodes
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "fc2" in window.scene.nodes and len(window.scene.wires) == 5
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert "fc2" not in window.scene.nodes and len(window.scene.wires) == 3
    settle(qtbot, window)
    assert window.scene.nodes["relu2"].error is not None  # lost its input
