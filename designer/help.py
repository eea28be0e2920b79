"""The Help menu: Welcome, the guide (F1), keyboard shortcuts, About.

F1 opens the guide page of what the person is looking at (``designer/guide``);
Help ▸ Guide Index searches every layer, activation, loss and training topic;
Help ▸ Keyboard Shortcuts lists the window's real shortcuts (``designer/shortcuts.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from designer.guide import GuideHelp, install as install_guide

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow


def install_help_menu(window: "MainWindow") -> GuideHelp:
    """Fill the Help menu; returns the guide's opener (also ``window.guide``)."""
    from designer.about import show_about
    from designer.shortcuts import show_shortcuts
    from designer.welcome import show_welcome

    menu = window.menu("Help")
    guide = install_guide(window)
    welcome = QAction("&Welcome…", window)
    welcome.setStatusTip("The example gallery: open an example ready to train")
    welcome.triggered.connect(lambda _checked=False: show_welcome(window))
    menu.addAction(welcome)
    menu.addSeparator()
    menu.addAction(guide.context_action)
    menu.addAction(guide.index_action)
    menu.addAction("&Keyboard Shortcuts", lambda: show_shortcuts(window))
    menu.addSeparator()
    about = menu.addAction("&About LayerForge", lambda: show_about(window))
    about.setMenuRole(QAction.MenuRole.AboutRole)
    return guide
