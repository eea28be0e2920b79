"""Starting the designer: the QApplication and the main window."""

from __future__ import annotations

import sys


def run(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from designer.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("LayerForge")
    app.setOrganizationName("LayerForge")
    window = MainWindow()
    paths = [a for a in argv if not a.startswith("-")]
    if paths:
        window.open_path(paths[0])
    window.show()
    return app.exec()
