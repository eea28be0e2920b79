"""Transfer learning in the designer: the card's lock, freezing a selection, Replace the Head,
and Fine-tune from a Run, each one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from core.layers.frozen import is_frozen
from designer.canvas.node_item import LOCK_RECT
from designer.transfer import open_fine_tune
from tests.core.train import tiny
from tests.designer.conftest import click, settle


def lock_point(window, node_id: str) -> QPoint:
    item = window.scene.nodes[node_id]
    return window.view.mapFromScene(item.mapToScene(LOCK_RECT.center()))


@pytest.fixture
def tiny_window(window, qtbot, tmp_path):
    project = tiny.project(tmp_path)
    assert window.files.open_path(project.path, confirm=False)
    settle(qtbot, window)
    return window


def test_clicking_a_cards_lock_freezes_it_and_undo_unfreezes(qtbot, tiny_window):
    window = tiny_window
    graph, card = window.project.graph, window.scene.nodes["fc1"]
    assert card.freezable and not card.frozen and not window.scene.nodes["relu1"].freezable
    click(window.view.viewport(), lock_point(window, "fc1"))
    assert is_frozen(graph.nodes["fc1"]) and card.frozen
    assert not card.isSelected()  # the lock does not select or drag the card
    assert window.undo_stack.undoText() == "Freeze 'fc1'"
    settle(qtbot, window)
    assert "trainable" in window.summary.text() and "frozen)" in window.summary.text()
    window.undo_stack.undo()
    assert not is_frozen(graph.nodes["fc1"]) and not card.frozen
    settle(qtbot, window)
    assert "frozen" not in window.summary.text()


def test_a_selection_freezes_and_unfreezes_with_the_keyboard_in_one_step(qtbot, tiny_window):
    window = tiny_window
    graph = window.project.graph
    window.scene.select_nodes(["fc1", "relu1", "fc2"])
    window.view.setFocus()
    QTest.keySequence(window.view, QKeySequence("Ctrl+K"))
    assert [n for n in graph.nodes if is_frozen(graph.nodes[n])] == ["fc1", "fc2"]  # ReLU has no weights
    assert window.undo_stack.undoText() == "Freeze 2 layers"
    assert window.view.context_actions[0].text().replace("&", "") == "Freeze Selected Layers"
    QTest.keySequence(window.view, QKeySequence("Ctrl+Shift+K"))
    assert not any(is_frozen(n) for n in graph.nodes.values())
    window.undo_stack.undo()
    assert is_frozen(graph.nodes["fc2"])


def test_replace_the_head_puts_a_new_output_after_the_backbone(qtbot, tiny_window):
    from designer.transfer.head import replace_head

    window = tiny_window
    graph = window.project.graph
    before = graph.to_dict()
    window.scene.select_nodes(["fc2", "relu2"])
    added = replace_head(window.services)
    assert added == ["new_head1"]
    assert "fc2" not in graph.nodes and "output" not in graph.nodes
    assert [e.source for e in graph.incoming("new_head1")] == ["relu1"]
    settle(qtbot, window)
    assert window.analysis.problems == []
    assert window.scene.nodes["new_head1"].shape_text == "3"  # sized by the data's 3 classes
    window.undo_stack.undo()  # one step restores the old head exactly
    assert graph.to_dict() == before
    window.scene.select_nodes(["relu1"])  # relu1 also feeds fc2: not a head
    assert replace_head(window.services) == []
    assert "also feeds 'fc2'" in window.statusBar().currentMessage()


@pytest.mark.slow
def test_fine_tune_shows_what_loads_sets_init_from_and_freezes_the_backbone(qtbot, tiny_window, tmp_path):
    from core.train.setup import prepare

    window = tiny_window
    project = window.project
    source = tiny.project(tmp_path / "other", name="Other") if (tmp_path / "other").mkdir() is None else None
    assert prepare(source, tiny.dataset(source), run_dir=tmp_path / "other" / "run").fit().status == "completed"
    dialog = open_fine_tune(window.services)
    dialog.runs.select(tmp_path / "other" / "run")
    qtbot.waitUntil(lambda: dialog.matches is not None, timeout=30000)
    rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())}
    assert rows["fc1"].startswith("loads") and rows["output"].startswith("loads")
    assert dialog.freeze.isChecked() and dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert project.training["init_from"] == "other/run"
    assert [n for n, node in project.graph.nodes.items() if is_frozen(node)] == ["fc1", "fc2"]
    assert window.scene.nodes["fc2"].frozen
    window.undo_stack.undo()  # one step takes both back
    assert "init_from" not in project.training
    assert not any(is_frozen(n) for n in project.graph.nodes.values())


def test_the_finetuning_example_opened_from_the_gallery_still_finds_its_weights(qtbot, window):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "resources" / "examples" / "finetune_glyphs.lfproj"
    assert window.files.open_as_copy(example)  # an untitled copy: relative paths are rebased
    project = window.project
    assert project.path is None
    assert project.resolve(project.training["init_from"]) == example.parent / "shapes_cnn.safetensors"
    settle(qtbot, window)
    assert window.analysis.problems == []
    assert window.scene.nodes["conv1"].frozen and not window.scene.nodes["output"].frozen
    assert "frozen)" in window.summary.text()
