"""Starting the designer: the QApplication, the theme, the window, then the project.

The window is shown first; the project named on the command line is opened, and
left-behind work offered for restoring, on the first turn of the event loop. Torch
is not imported here at all: the canvas, palette and inspector run from the layer
registry's metadata, and torch loads when something needs it (training, export).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from designer import settings
from designer.main_window import MainWindow
from designer.style import app_icon, apply_theme


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName(settings.APPLICATION)
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationDisplayName("LayerForge")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    return app


def start_window(paths: list[str]) -> MainWindow:
    """Show a window, then (next event-loop turn) offer recovery and open ``paths[0]``."""
    window = MainWindow()
    window.show()

    def after_shown() -> None:
        from designer.recovery import offer_recovery

        if offer_recovery(window):
            return
        if paths:
            window.files.open_path(paths[0], confirm=False)

    QTimer.singleShot(0, after_shown)
    return window


def run(argv: list[str]) -> int:
    app = create_app(argv)
    paths = [a for a in argv if not a.startswith("-")]
    window = start_window(paths)
    code = app.exec()
    del window
    return code
