"""The Edit and View menus of the main window (Help: ``designer/help.py``).

Canvas shortcuts that are single keys or clipboard keys (Delete, F, L, Ctrl+C, ...)
are bound to the canvas (``WidgetWithChildrenShortcut``), so that typing in the
inspector or the palette's search box never deletes a layer or lays out the graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow


def _canvas_action(window: "MainWindow", text: str, shortcuts, slot: Callable[[], object],
                   tip: str = "") -> QAction:
    action = QAction(text, window)
    if not isinstance(shortcuts, (list, tuple)):
        shortcuts = [shortcuts]
    action.setShortcuts([QKeySequence(s) for s in shortcuts])
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    window.view.addAction(action)
    return action


def install_edit_menu(window: "MainWindow") -> dict[str, QAction]:
    menu = window.menu("Edit")
    scene, editor = window.scene, window.editor
    undo = window.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = window.undo_stack.createRedoAction(window, "&Redo")
    redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
    redo.setShortcuts(redo_keys + [QKeySequence(k) for k in ("Ctrl+Shift+Z", "Ctrl+Y")
                                   if QKeySequence(k) not in redo_keys])
    menu.addAction(undo)
    menu.addAction(redo)
    menu.addSeparator()

    def paste() -> None:
        scene.select_nodes(editor.paste())

    def duplicate() -> None:
        scene.select_nodes(editor.duplicate(scene.selected_node_ids()))

    def lay_out() -> None:
        editor.auto_layout()
        window.view.fit_graph()  # show the whole new arrangement

    actions = {
        "undo": undo, "redo": redo,
        "cut": _canvas_action(window, "Cu&t", QKeySequence.StandardKey.Cut,
                              lambda: editor.cut(scene.selected_node_ids())),
        "copy": _canvas_action(window, "&Copy", QKeySequence.StandardKey.Copy,
                               lambda: editor.copy(scene.selected_node_ids())),
        "paste": _canvas_action(window, "&Paste", QKeySequence.StandardKey.Paste, paste),
        "duplicate": _canvas_action(window, "D&uplicate", "Ctrl+D", duplicate),
        "delete": _canvas_action(window, "&Delete", [QKeySequence.StandardKey.Delete, "Backspace"],
                                 lambda: editor.delete(scene.selected_node_ids(), scene.selected_edges()),
                                 "Delete the selected layers and wires"),
        "select_all": _canvas_action(window, "Select &All", QKeySequence.StandardKey.SelectAll,
                                     scene.select_all),
        "rename": _canvas_action(window, "Re&name…", "F2", window.rename_selected,
                                 "Rename the selected layer (in the inspector)"),
        "layout": _canvas_action(window, "Auto-&layout", "L", lay_out,
                                 "Arrange the graph left to right by depth and show all of it (undoable)"),
    }
    for key in ("cut", "copy", "paste", "duplicate", "delete"):
        menu.addAction(actions[key])

    def follow_selection() -> None:
        """What needs a selection is enabled only with one (a menu entry that does nothing
        when chosen reads as broken)."""
        if not all(shiboken6.isValid(o) for o in (scene, window, actions["cut"], actions["rename"])):
            return  # the scene says its selection changed while it is being deleted
        nodes = scene.selected_node_ids()
        for key in ("cut", "copy", "duplicate"):
            actions[key].setEnabled(bool(nodes))
        actions["delete"].setEnabled(bool(nodes) or bool(scene.selected_edges()))
        actions["rename"].setEnabled(len(nodes) == 1)

    scene.selectionChanged.connect(follow_selection)
    follow_selection()
    menu.addSeparator()
    menu.addAction(actions["select_all"])
    menu.addAction(actions["rename"])
    menu.addSeparator()
    menu.addAction(actions["layout"])
    return actions


def install_view_menu(window: "MainWindow") -> dict[str, QAction]:
    menu = window.menu("View")
    view = window.view
    actions = {
        "fit": _canvas_action(window, "&Fit Graph in View", "F", view.fit_graph),
        "zoom_in": _canvas_action(window, "Zoom &In", QKeySequence.StandardKey.ZoomIn, lambda: view.zoom_by(1.25)),
        "zoom_out": _canvas_action(window, "Zoom &Out", QKeySequence.StandardKey.ZoomOut,
                                   lambda: view.zoom_by(0.8)),
        "zoom_reset": _canvas_action(window, "&Actual Size", "Ctrl+0", view.reset_zoom),
    }
    for action in actions.values():
        menu.addAction(action)
    menu.addSeparator()
    window.panels_menu = menu.addMenu("&Panels")
    return actions
