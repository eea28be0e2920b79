"""The welcome page: the example gallery shown on the first start, and on request.

On the very first run (no ``welcome/show_at_startup`` setting yet) the gallery opens
over the window, with the quick-start project (``./packaging/start.sh`` opens the
Spiral MLP) already open behind it; that first showing is recorded, so later runs do
not show it unless the person ticks "Show at start-up" (also in Preferences). Help ▸
Welcome shows it at any time. Picking an example opens it as an untitled copy, ready
to train; closing the page keeps what is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from core.project import Project
from designer import settings
from designer.gallery import NewProjectDialog

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow


def show_welcome(window: "MainWindow") -> NewProjectDialog:
    """Open the welcome gallery over ``window`` (window-modal, without blocking the event loop)."""
    dialog = NewProjectDialog(window, welcome=True)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: open_choice(window, dialog.chosen))
    dialog.finished.connect(lambda _result: setattr(window, "welcome_dialog", None))
    window.welcome_dialog = dialog
    dialog.open()
    return dialog


def open_choice(window: "MainWindow", chosen: str | None) -> bool:
    """Open what the gallery's person picked: an example as a copy, or an empty canvas."""
    if chosen is None or not window.files.confirm_discard():
        return False
    if chosen:
        return window.files.open_as_copy(chosen)
    window.set_project(Project("Untitled"))
    return True


def show_at_startup(window: "MainWindow") -> NewProjectDialog | None:
    """At start-up: show the welcome on the first run, or when the person asked for it."""
    wanted = settings.welcome_at_startup()
    if wanted is False:
        return None
    if wanted is None:
        settings.set_welcome_at_startup(False)  # shown once; the check box keeps it coming
    return show_welcome(window)
