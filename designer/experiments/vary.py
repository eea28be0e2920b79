"""The right-click "Vary this in a sweep" on a setting: the inspector's layer parameters and
the training form's fields.

A field's context menu keeps its usual entries (a text field's Cut, Copy, Paste...) and
gets the sweep's entry below them; the menu is shown without blocking (``popup``) and kept
in :data:`last_menu`, so that tests can find and trigger its actions.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QMenu, QWidget

VARY_TEXT = "Vary this in a sweep"
#: The menu shown last (tests trigger its actions; a person clicks them).
last_menu: QMenu | None = None


def add_vary_menu(widgets: list[QWidget], name: Callable[[], str | None],
                  vary: Callable[[str], None]) -> None:
    """Give each widget a context menu with "Vary this in a sweep", which calls ``vary`` with
    ``name()`` (``node_id.param`` or a training setting; None: no entry)."""
    for widget in widgets:
        targets = [widget] + [child for child in widget.findChildren(QWidget)
                              if isinstance(child, (QLineEdit, QAbstractSpinBox))]
        for target in targets:
            target.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            target.customContextMenuRequested.connect(
                lambda pos, t=target: _show(t, pos, name, vary))


def _show(widget: QWidget, pos: QPoint, name: Callable[[], str | None], vary: Callable[[str], None]) -> QMenu:
    global last_menu
    menu = widget.createStandardContextMenu() if isinstance(widget, QLineEdit) else QMenu(widget)
    target = name()
    if target is not None:
        if menu.actions():
            menu.addSeparator()
        action = menu.addAction(VARY_TEXT)
        action.setObjectName("actionVaryInSweep")
        action.setToolTip(f"Add {target} to the project's sweep with a range around its value")
        action.triggered.connect(lambda: vary(target))
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    last_menu = menu
    menu.popup(widget.mapToGlobal(pos))
    return menu
