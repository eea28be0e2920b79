"""Edit ▸ Group… (Ctrl+G), Ungroup (Ctrl+Shift+G) and Collapse or Expand Group, also in the
canvas's right-click menu. Group asks for a name, proposing what the selected layers' names
(or their groups' names) share. The edits are :mod:`designer.group_editing`'s; the canvas
items :mod:`designer.canvas.groups`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit
from shiboken6 import isValid

from core import groups as model
from designer.group_editing import GroupEditor

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services


COLLAPSE, EXPAND, EITHER = "Colla&pse Group", "E&xpand Group", "Collapse or E&xpand Group"


def install(services: "Services") -> dict[str, QAction]:
    """The group actions; the :class:`GroupEditor` is offered as ``services.provided(GroupEditor)``."""
    window, scene = services.window, services.scene
    edits = GroupEditor(services.editor)
    scene.groups.on_toggle = edits.toggle
    services.provide(GroupEditor, edits)

    def action(text: str, tip: str, slot, shortcut: str | None = None) -> QAction:
        made = QAction(text, window)
        made.setStatusTip(tip)
        if shortcut:
            made.setShortcut(QKeySequence(shortcut))
            made.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            services.view.addAction(made)
        made.triggered.connect(lambda _checked=False: slot())
        return made

    def say(text: str) -> None:
        services.status_bar.showMessage(text[:1].upper() + text[1:], 8000)

    def group() -> None:
        chosen = scene.selected_node_ids()
        if len(chosen) < 2:
            say("select at least two layers to group (Shift+click or drag a rectangle around them)")
            return
        graph = services.editor.graph
        shown = [model.group_of(graph, n) or n for n in chosen]
        name = ask_name(window, model.default_name(dict.fromkeys(shown)),
                        lambda text: model.grouping_problem(graph, chosen, text))
        if name is not None:
            edits.group(chosen, name)

    def selected_groups() -> list[str]:
        names = edits.groups_of(scene.selected_node_ids())
        if not names:
            say("select a group's card or some of its layers first")
        return names

    def ungroup() -> None:
        edits.ungroup(selected_groups())

    def toggle_collapsed() -> None:
        names = selected_groups()
        if names:
            any_open = any(not model.group_named(services.editor.graph, n).collapsed for n in names)
            edits.set_collapsed(names, any_open)

    actions = {
        "group": action("&Group…", "Make the selected layers a named group that can be collapsed"
                        " into one card", group, "Ctrl+G"),
        "ungroup": action("U&ngroup", "Remove the selected groups (their layers stay)", ungroup,
                          "Ctrl+Shift+G"),
        "collapse": action(EITHER, "Show the selected groups as one card each,"
                           " or their layers again", toggle_collapsed),
    }
    def name_the_toggle() -> None:
        """Say what the toggle does for the selection: collapse, expand, or either."""
        if not isValid(scene) or not isValid(actions["collapse"]):  # the window is closing
            return
        graph = services.editor.graph
        chosen = [model.group_named(graph, n) for n in edits.groups_of(scene.selected_node_ids())]
        if chosen and all(g.collapsed for g in chosen):
            actions["collapse"].setText(EXPAND)
        elif chosen:
            actions["collapse"].setText(COLLAPSE)
        else:
            actions["collapse"].setText(EITHER)

    scene.selectionChanged.connect(name_the_toggle)
    edit = services.menu("Edit")
    edit.addSeparator()
    for key in ("group", "ungroup", "collapse"):
        edit.addAction(actions[key])
    services.view.context_actions += [None, actions["group"], actions["ungroup"], actions["collapse"]]
    return actions


def ask_name(window, default: str, problem) -> str | None:
    """The group's name from a small dialog (None when cancelled); a refused name is said
    in the dialog, which stays open."""
    dialog = QInputDialog(window)
    dialog.setObjectName("groupNameDialog")
    dialog.setWindowTitle("Group layers")
    prompt = "Name of the group (shown on its frame and on its card when collapsed):"
    dialog.setLabelText(prompt)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setTextValue(default)
    while dialog.exec():
        name = dialog.textValue().strip()
        reason = problem(name)
        if reason is None:
            return name
        dialog.setLabelText(f"{reason[:1].upper() + reason[1:]}.\n\n{prompt}")
    return None
