"""Groups on the real canvas: select cards, Ctrl+G and a name, a frame; double-click the frame
to collapse the group into one card that the boundary wires end on; double-click the card
to expand it where it was; undo and redo each step; Delete on a collapsed card; a problem
inside a collapsed group; save and reopen."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog

from core import groups
from core.shapes import format_shape
from designer.canvas.groups import CARD_TOGGLE
from designer.canvas.node_item import HEIGHT, WIDTH
from designer.group_editing import GroupEditor
from tests.conftest import EXAMPLES
from tests.designer.conftest import click, double_click, drag, node_point, settle, when_modal

BLOCK = ["conv_a", "bn_a", "relu_a", "conv_b", "bn_b", "skip_add"]


def open_copy(qtbot, window, tmp_path, name: str = "residual_cnn"):
    path = tmp_path / f"{name}.lfproj"
    shutil.copy(EXAMPLES / f"{name}.lfproj", path)
    assert window.files.open_path(path, confirm=False)
    settle(qtbot, window)
    window.view.fit_graph(0.5)  # every card on screen, to click
    QApplication.processEvents()
    return path


def select_cards(window, node_ids) -> None:
    """Click the first card, Shift+click the others, as a person does."""
    view = window.view.viewport()
    click(view, node_point(window, node_ids[0]))
    for node_id in node_ids[1:]:
        click(view, node_point(window, node_id), Qt.KeyboardModifier.ShiftModifier)
    assert window.scene.selected_node_ids() == list(node_ids)


def group_with_ctrl_g(qtbot, window, name: str | None) -> list:
    """Press Ctrl+G on the canvas and answer the name dialog (None: keep the proposal)."""
    def answer(dialog) -> None:
        assert isinstance(dialog, QInputDialog) and dialog.objectName() == "groupNameDialog"
        if name is not None:
            dialog.setTextValue(name)
        dialog.accept()

    seen = when_modal(qtbot, answer)
    press(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    return seen


def press(window, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A key on the canvas (which has the focus after a click on it; the window is active
    again after a dialog)."""
    window.activateWindow()
    for _ in range(200):  # activation arrives as an event
        if QApplication.activeWindow() is window:
            break
        QTest.qWait(10)
    window.view.setFocus()
    QTest.keyClick(window.view, key, modifiers)
    QApplication.processEvents()


def frame_spot(window, name: str) -> QPoint:
    """A point on the group's frame, below its cards (not on the ▾ toggle)."""
    rect = window.scene.groups.frames[name].rect
    return window.view.mapFromScene(QPointF(rect.center().x(), rect.bottom() - 6))


def card_spot(window, name: str) -> QPoint:
    card = window.scene.groups.cards[name]
    return window.view.mapFromScene(card.pos() + QPointF(WIDTH / 2, HEIGHT - 12))


def test_group_collapse_expand_with_undo_redo_and_save(qtbot, window, tmp_path):
    path = open_copy(qtbot, window, tmp_path)
    scene, graph = window.scene, window.project.graph
    before = {n: graph.nodes[n].pos for n in graph.nodes}
    select_cards(window, BLOCK)
    assert group_with_ctrl_g(qtbot, window, "block")
    assert [g.name for g in groups.groups(graph)] == ["block"]
    frame = scene.groups.frames["block"]
    for node_id in BLOCK:  # the frame is drawn around the cards, behind them
        item = scene.nodes[node_id]
        assert frame.rect.contains(item.sceneBoundingRect().adjusted(10, 6, -10, -6))
        assert frame.zValue() < item.zValue()

    # a drag that starts on the frame (not on a card) draws a rubber band, as on the canvas
    scene.clearSelection()
    corner = window.view.mapFromScene(frame.rect.bottomLeft() + QPointF(6, -6))
    drag(window.view.viewport(), corner, node_point(window, "conv_a"))
    assert scene.selected_node_ids() == ["conv_a"] and graph.nodes["conv_a"].pos == before["conv_a"]

    double_click(window.view.viewport(), frame_spot(window, "block"))
    assert groups.group_named(graph, "block").collapsed
    card = scene.groups.cards["block"]
    assert card.isVisible() and "block" not in scene.groups.frames
    assert not any(scene.nodes[n].isVisible() for n in BLOCK)
    assert card.pos() == QPointF(*groups.top_left(before[n] for n in BLOCK))
    # the wires across the boundary end on the card; the wires inside are hidden
    into = scene.wires[next(e for e in graph.edges if (e.source, e.target) == ("pool1", "conv_a"))]
    out = scene.wires[next(e for e in graph.edges if e.source == "skip_add")]
    inner = scene.wires[next(e for e in graph.edges if (e.source, e.target) == ("conv_a", "bn_a"))]
    assert into.isVisible() and out.isVisible() and not inner.isVisible()
    assert into.path().pointAtPercent(1.0) == card.input_anchor()
    assert out.path().pointAtPercent(0.0) == card.output_anchor()
    # what the card says: 6 layers, their parameters, the block's output shape
    settle(qtbot, window)
    analysis = scene.analysis
    assert card.facts["layers"] == 6
    assert card.facts["params"] == sum(analysis.results[n].params for n in BLOCK)
    assert card.shape_text == format_shape(analysis.shape_of("skip_add")) != "?"
    assert scene.graph_bounds().contains(card.sceneBoundingRect().adjusted(10, 10, -10, -6))

    double_click(window.view.viewport(), card_spot(window, "block"))
    assert not groups.group_named(graph, "block").collapsed
    assert all(scene.nodes[n].isVisible() for n in BLOCK) and not scene.groups.cards
    assert {n: graph.nodes[n].pos for n in graph.nodes} == before  # where they were

    stack = window.undo_stack
    assert stack.undoText() == "Expand 'block'"
    stack.undo()
    assert scene.groups.cards["block"].isVisible() and not scene.nodes["conv_a"].isVisible()
    stack.undo()
    assert "block" in scene.groups.frames and scene.nodes["conv_a"].isVisible()
    stack.undo()
    assert groups.groups(graph) == [] and not scene.groups.frames
    assert all("group" not in graph.nodes[n].extra for n in BLOCK)
    stack.redo()
    stack.redo()
    assert scene.groups.cards["block"].isVisible()

    assert window.files.save() and not window.is_dirty()  # File ▸ Save
    assert window.files.open_path(path, confirm=False)
    settle(qtbot, window)
    reopened = window.project.graph
    assert groups.groups(reopened) == [groups.Group("block", tuple(BLOCK), True)]
    assert window.scene.groups.cards["block"].isVisible()
    assert not window.scene.nodes["bn_a"].isVisible()


def test_the_proposed_name_and_a_refused_selection(qtbot, window, tmp_path):
    open_copy(qtbot, window, tmp_path)
    select_cards(window, ["gap", "flatten"])
    group_with_ctrl_g(qtbot, window, None)  # the proposal: nothing shared -> "group"
    assert [g.name for g in groups.groups(window.project.graph)] == ["group"]
    # conv_a and skip_add with the layers between them left out: the dialog says why
    select_cards(window, ["conv_a", "skip_add"])
    said: list[str] = []

    def answer(dialog) -> None:
        dialog.setTextValue("hole")
        dialog.accept()  # refused: the dialog opens again, saying why

        def read_and_cancel() -> None:
            if not dialog.isVisible():
                QTimer.singleShot(20, read_and_cancel)
                return
            said.append(dialog.labelText())
            dialog.reject()
        QTimer.singleShot(20, read_and_cancel)

    when_modal(qtbot, answer)
    press(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert "lies between layers of the selection" in said[0]
    assert [g.name for g in groups.groups(window.project.graph)] == ["group"]


def test_ungroup_removes_the_group_and_keeps_the_layers(qtbot, window, tmp_path):
    open_copy(qtbot, window, tmp_path)
    select_cards(window, BLOCK)
    group_with_ctrl_g(qtbot, window, "block")
    window.services.provided(GroupEditor).set_collapsed(["block"], True)  # its layers were selected: now its card
    assert window.scene.groups.cards["block"].isSelected()
    window.scene.clearSelection()
    click(window.view.viewport(), card_spot(window, "block"))
    assert window.scene.selected_node_ids() == BLOCK  # the card stands for its layers
    toggle = next(a for a in window.view.context_actions if a is not None and "Group" in a.text()
                  and "pand" in a.text())
    assert toggle.text() == "E&xpand Group"  # what it does for this selection
    press(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert groups.groups(window.project.graph) == [] and not window.scene.groups.cards
    assert all(window.scene.nodes[n].isVisible() for n in BLOCK)
    assert set(BLOCK) <= set(window.project.graph.nodes)
    labels = [a.text() for a in window.view.context_actions if a is not None]
    assert {"&Group…", "U&ngroup", "Collapse or E&xpand Group"} <= set(labels)  # no group selected


def test_delete_on_a_collapsed_card_deletes_its_layers_in_one_undo_step(qtbot, window, tmp_path):
    open_copy(qtbot, window, tmp_path)
    graph = window.project.graph
    select_cards(window, BLOCK)
    group_with_ctrl_g(qtbot, window, "block")
    window.services.provided(GroupEditor).set_collapsed(["block"], True)
    click(window.view.viewport(), card_spot(window, "block"))
    press(window, Qt.Key.Key_Delete)
    assert not set(BLOCK) & set(graph.nodes) and not window.scene.groups.cards
    assert window.undo_stack.undoText() == "Delete 6 layers"
    window.undo_stack.undo()
    assert groups.group_named(graph, "block") == groups.Group("block", tuple(BLOCK), True)
    assert window.scene.groups.cards["block"].isVisible()


def test_dragging_a_collapsed_card_moves_its_layers(qtbot, window, tmp_path):
    open_copy(qtbot, window, tmp_path)
    graph = window.project.graph
    select_cards(window, BLOCK)
    group_with_ctrl_g(qtbot, window, "block")
    window.services.provided(GroupEditor).set_collapsed(["block"], True)
    before = {n: graph.nodes[n].pos for n in BLOCK}
    start = card_spot(window, "block")
    drag(window.view.viewport(), start, start + QPoint(0, 120))
    shift = graph.nodes["conv_a"].pos[1] - before["conv_a"][1]
    assert shift > 60
    for node_id in BLOCK:  # all of them, by the same amount
        assert graph.nodes[node_id].pos == pytest.approx((before[node_id][0], before[node_id][1] + shift))
    assert window.scene.groups.cards["block"].pos().y() == pytest.approx(
        groups.top_left(before.values())[1] + shift)
    window.undo_stack.undo()
    assert {n: graph.nodes[n].pos for n in BLOCK} == before


def test_a_problem_inside_a_collapsed_group_marks_its_card(qtbot, window, tmp_path):
    open_copy(qtbot, window, tmp_path)
    select_cards(window, BLOCK)
    group_with_ctrl_g(qtbot, window, "block")
    window.services.provided(GroupEditor).set_collapsed(["block"], True)
    settle(qtbot, window)
    card = window.scene.groups.cards["block"]
    assert card.facts["error"] is None
    window.editor.set_param("conv_b", "out_channels", 5)  # the Add's inputs no longer match
    settle(qtbot, window)
    assert card.facts["error"] and card.facts["error"].startswith("'")
    assert "block" in card.toolTip() and card.facts["error"] in card.toolTip().replace("&#x27;", "'")
    # showing the layer (as the Problems panel does) selects and shows its group's card
    window.scene.clearSelection()
    window.show_node("conv_b")
    assert card.isSelected() and "conv_b" in window.scene.selected_node_ids()
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(card.sceneBoundingRect().center())


def right_click_choose(window, pos: QPoint, text: str) -> list[str]:
    """Right-click at ``pos`` on the canvas and choose ``text`` in the menu; the menu's texts."""
    seen: list[str] = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(20, pick)
            return
        seen.extend(a.text() for a in menu.actions() if a.text())
        action = next(a for a in menu.actions() if a.text() == text)
        menu.close()
        action.trigger()

    QTimer.singleShot(0, pick)
    viewport = window.view.viewport()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                       viewport.mapToGlobal(pos)))
    QApplication.processEvents()
    return seen


def test_right_click_menu_duplicate_and_auto_layout_of_collapsed_groups(qtbot, window, tmp_path):
    open_copy(qtbot, window, tmp_path)
    graph, scene = window.project.graph, window.scene
    select_cards(window, BLOCK)
    when_modal(qtbot, lambda dialog: (dialog.setTextValue("block"), dialog.accept()))
    texts = right_click_choose(window, node_point(window, "bn_a"), "&Group…")
    assert "U&ngroup" in texts and [g.name for g in groups.groups(graph)] == ["block"]
    scene.clearSelection()
    right_click_choose(window, frame_spot(window, "block"), "Colla&pse Group")
    assert groups.group_named(graph, "block").collapsed  # the frame's group, unselected before
    # Ctrl+D on the collapsed card: a copy of its layers, a collapsed group of their own
    click(window.view.viewport(), card_spot(window, "block"))
    press(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    copy = groups.group_named(graph, "block 2")
    assert copy is not None and copy.collapsed and len(copy.members) == 6
    assert groups.group_named(graph, "block").members == tuple(BLOCK)
    assert scene.groups.cards["block 2"].isVisible()
    # L: each collapsed group is one card; its layers keep their places inside it
    inside = {n: graph.nodes[n].pos for n in BLOCK}
    press(window, Qt.Key.Key_L)
    corner = groups.top_left(graph.nodes[n].pos for n in BLOCK)
    old_corner = groups.top_left(inside.values())
    for n in BLOCK:
        assert graph.nodes[n].pos[0] - corner[0] == pytest.approx(inside[n][0] - old_corner[0])
        assert graph.nodes[n].pos[1] - corner[1] == pytest.approx(inside[n][1] - old_corner[1])
    visible = [QRectF(i.pos(), i.pos() + QPointF(WIDTH, HEIGHT)) for i in scene.nodes.values() if i.isVisible()]
    visible += [QRectF(c.pos(), c.pos() + QPointF(WIDTH, HEIGHT)) for c in scene.groups.cards.values()]
    assert len(visible) == len(graph.nodes) - 12 + 2
    assert not [(a, b) for i, a in enumerate(visible) for b in visible[i + 1:] if a.intersects(b)]


@pytest.mark.slow
def test_an_imported_resnet_opens_as_a_dozen_cards_and_a_block_expands_in_place(qtbot, window, tmp_path):
    from core.importers.api import import_model
    from tests.core.importers import resnet_like

    result = import_model(resnet_like.write(tmp_path), tmp_path / "resnet.lfproj")
    assert window.files.open_path(result.project_path, confirm=False)
    settle(qtbot, window)
    scene, graph = window.scene, window.project.graph
    shown = [i for i in scene.nodes.values() if i.isVisible()] + list(scene.groups.cards.values())
    assert sorted(scene.groups.cards) == resnet_like.BLOCKS and len(shown) <= 16 < len(graph.nodes)
    card = scene.groups.cards["layer2.0"]
    members = groups.group_named(graph, "layer2.0").members
    (last,) = groups.boundary(graph, members).exits  # its ReLU after the Add
    assert card.facts["layers"] == 6 == len(members)  # conv, relu, conv, downsample, add, relu
    assert card.shape_text == format_shape(scene.analysis.shape_of(last))
    assert scene.analysis.shape_of(last)[-2:] == (16, 16)  # stride 2 on 32x32 images
    window.view.fit_graph(0.5)
    QApplication.processEvents()
    double_click(window.view.viewport(), card_spot(window, "layer2.0"))
    # its cards would have covered the next blocks: the canvas was laid out again, once
    assert window.undo_stack.undoText() == "Expand 'layer2.0'"
    rects = [QRectF(i.pos(), i.pos() + QPointF(WIDTH, HEIGHT)) for i in scene.nodes.values() if i.isVisible()]
    rects += [QRectF(c.pos(), c.pos() + QPointF(WIDTH, HEIGHT)) for c in scene.groups.cards.values()]
    assert len(rects) == len(shown) - 1 + 6
    assert not [(a, b) for i, a in enumerate(rects) for b in rects[i + 1:] if a.intersects(b)]
    window.undo_stack.undo()
    assert scene.groups.cards["layer2.0"].isVisible() and len(scene.groups.cards) == 8


def test_the_toggles_on_the_frame_and_on_the_card(qtbot, window, tmp_path):
    open_copy(qtbot, window, tmp_path)
    graph, scene = window.project.graph, window.scene
    select_cards(window, ["gap", "flatten"])
    group_with_ctrl_g(qtbot, window, "tail")
    toggle = scene.groups.frames["tail"].toggle_rect.center()
    click(window.view.viewport(), window.view.mapFromScene(toggle))
    assert groups.group_named(graph, "tail").collapsed
    card = scene.groups.cards["tail"]
    click(window.view.viewport(), window.view.mapFromScene(card.mapToScene(CARD_TOGGLE.center())))
    assert not groups.group_named(graph, "tail").collapsed
    assert window.undo_stack.undoText() == "Expand 'tail'" and not scene.groups.cards
