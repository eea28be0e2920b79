"""Transfer learning in the designer: freeze layers, replace the head, fine-tune from a run.

``install(services)`` adds, to the Edit menu and the canvas's right-click menu, **Freeze
Selected Layers** (Ctrl+K), **Unfreeze Selected Layers** (Ctrl+Shift+K) and **Replace the
Head**, and to the Train menu **Fine-tune from a Run…** (:mod:`designer.transfer.fine_tune`).
A card's own lock (designer/canvas/node_item.py) freezes one layer with a click. Every
edit is one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from designer.transfer.head import replace_head

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services


def install(services: "Services") -> dict[str, QAction]:
    window, scene, editor = services.window, services.scene, services.editor

    def action(text: str, tip: str, slot, shortcut: str | None = None) -> QAction:
        made = QAction(text, window)
        made.setStatusTip(tip)
        if shortcut:
            made.setShortcut(QKeySequence(shortcut))
            made.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            services.view.addAction(made)
        made.triggered.connect(lambda _checked=False: slot())
        return made

    def freeze(frozen: bool) -> None:
        chosen = scene.selected_node_ids()
        if not editor.set_frozen(chosen, frozen):
            reason = ("select layers with weights first (a card's lock freezes one layer)" if not chosen
                      else "the selected layers have no weights to freeze" if frozen
                      else "none of the selected layers is frozen")
            services.status_bar.showMessage(reason, 6000)

    actions = {
        "freeze": action("&Freeze Selected Layers", "Keep the selected layers' weights as they are"
                         " while training (transfer learning)", lambda: freeze(True), "Ctrl+K"),
        "unfreeze": action("U&nfreeze Selected Layers", "Train the selected layers' weights again",
                           lambda: freeze(False), "Ctrl+Shift+K"),
        "replace_head": action("Replace the &Head", "Replace the selected layers after the backbone"
                               " with a new classifier for the current data",
                               lambda: replace_head(services)),
        "fine_tune": action("Fine-tune from a &Run…", "Start from an earlier run's weights: see which"
                            " layers load, freeze the backbone", lambda: open_fine_tune(services)),
    }
    edit = services.menu("Edit")
    edit.addSeparator()
    for key in ("freeze", "unfreeze", "replace_head"):
        edit.addAction(actions[key])
    services.menu("Train").addAction(actions["fine_tune"])
    services.view.context_actions += [actions["freeze"], actions["unfreeze"], None, actions["replace_head"]]
    return actions


def open_fine_tune(services: "Services"):
    from designer.transfer.fine_tune import FineTuneDialog

    dialog = FineTuneDialog(services, **services.run_context())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
