"""Starting the designer: the QApplication, the theme, the window, then the project.

The window's shell is shown first (``MainWindow(build=False)`` imports almost
nothing); once it has been painted, its parts are built, left-behind work is offered
for restoring, and the project named on the command line is opened. Torch is not
imported at all: the canvas, palette and inspector run from the layer registry's
metadata, and torch loads when something needs it (training, export).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from designer import settings
from designer.main_window import MainWindow
from designer.style import apply_theme

FIRST_PAINT_FALLBACK_MS = 400


def create_app(argv: list[str] | None = None, panels: bool = True) -> QApplication:
    """The application with LayerForge's names and theme (``panels=False``: the shell's part)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName(settings.APPLICATION)
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationDisplayName("LayerForge")
    apply_theme(app, panels=panels)
    return app


def start_window(paths: list[str], welcome: bool = True) -> MainWindow:
    """Show the window's shell; once it is on screen build its parts, offer recovery, open
    ``paths[0]``, then show the welcome gallery on the first run (``designer/welcome.py``)."""
    window = MainWindow(build=False)

    def finish() -> None:
        window.build()
        from designer.recovery import offer_recovery

        if offer_recovery(window):
            return
        if paths:
            window.files.open_path(paths[0], confirm=False)
        if welcome:
            from designer.welcome import show_at_startup

            show_at_startup(window)

    _after_first_paint(window, finish)
    window.show()
    return window


class _FirstPaint(QObject):
    """Calls ``action`` on the event-loop turn after ``widget`` was first painted."""

    def __init__(self, widget, action) -> None:
        super().__init__(widget)
        self.action = action
        widget.installEventFilter(self)
        QTimer.singleShot(FIRST_PAINT_FALLBACK_MS, self._fire)  # never painted (minimised, ...)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self._fire)
        return False

    def _fire(self) -> None:
        if self.action is not None:
            action, self.action = self.action, None
            action()


def _after_first_paint(widget, action) -> None:
    _FirstPaint(widget, action)


def launch(argv: list[str]) -> tuple[QApplication, MainWindow]:
    """What ``layerforge [project] [--no-welcome]`` does before the event loop: the app and the shell."""
    app = create_app(argv, panels=False)  # the rest of the style comes with the panels
    paths = [a for a in argv if not a.startswith("-")]
    return app, start_window(paths, welcome="--no-welcome" not in argv)


def run(argv: list[str]) -> int:
    app, window = launch(argv)
    code = app.exec()
    del window
    return code
