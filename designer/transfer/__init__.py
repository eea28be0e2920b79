"""Transfer learning in the designer: freeze layers, replace the head, fine-tune from a run.

``install(window)`` adds, to the Edit menu and the canvas's right-click menu, **Freeze
Selected Layers** (Ctrl+K), **Unfreeze Selected Layers** (Ctrl+Shift+K) and **Replace the
Head**, and to the Train menu **Fine-tune from a Run…** (:mod:`designer.transfer.fine_tune`).
A card's own lock (designer/canvas/node_item.py) freezes one layer with a click. Every
edit is one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from designer.transfer.head import replace_head


def install(window) -> dict[str, QAction]:
    scene, editor = window.scene, window.editor

    def action(text: str, tip: str, slot, shortcut: str | None = None) -> QAction:
        made = QAction(text, window)
        made.setStatusTip(tip)
        if shortcut:
            made.setShortcut(QKeySequence(shortcut))
            made.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            window.view.addAction(made)
        made.triggered.connect(lambda _checked=False: slot())
        return made

    def freeze(frozen: bool) -> None:
        chosen = scene.selected_node_ids()
        if not editor.set_frozen(chosen, frozen):
            reason = ("select layers with weights first (a card's lock freezes one layer)" if not chosen
                      else "the selected layers have no weights to freeze" if frozen
                      else "none of the selected layers is frozen")
            window.statusBar().showMessage(reason, 6000)

    actions = {
        "freeze": action("&Freeze Selected Layers", "Keep the selected layers' weights as they are"
                         " while training (transfer learning)", lambda: freeze(True), "Ctrl+K"),
        "unfreeze": action("U&nfreeze Selected Layers", "Train the selected layers' weights again",
                           lambda: freeze(False), "Ctrl+Shift+K"),
        "replace_head": action("Replace the &Head", "Replace the selected layers after the backbone"
                               " with a new classifier for the current data",
                               lambda: replace_head(window)),
        "fine_tune": action("Fine-tune from a &Run…", "Start from an earlier run's weights: see which"
                            " layers load, freeze the backbone", lambda: open_fine_tune(window)),
    }
    edit = window.menu("Edit")
    edit.addSeparator()
    for key in ("freeze", "unfreeze", "replace_head"):
        edit.addAction(actions[key])
    window.menu("Train").addAction(actions["fine_tune"])
    window.view.context_actions += [actions["freeze"], actions["unfreeze"], None, actions["replace_head"]]
    return actions


def open_fine_tune(window):
    from designer.export import run_context
    from designer.transfer.fine_tune import FineTuneDialog

    dialog = FineTuneDialog(window, **run_context(window))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
