"""Closing the window or quitting while a run goes on: ask, then stop the run and wait until
it is saved (status ``stopped``, continuable from the Runs panel)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

#: How long closing the window waits for the run to stop and save.
CLOSE_TIMEOUT_S = 120.0


class CloseGuard(QObject):
    """``watch=True`` filters the window's close event; otherwise the window's ``closeEvent``
    calls :meth:`confirm_close` itself."""

    def __init__(self, window: QMainWindow, session, status_label, watch: bool = True) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.status_label = status_label
        if watch:
            window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)

    def confirm_close(self) -> bool:
        """Ask before closing during training; stop the run cleanly. False: the person keeps
        the window open."""
        if not self.session.active:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Training is running",
                          "Stop training and close?", parent=self.window)
        box.setInformativeText("The run keeps its last completed epoch (status stopped) and can be"
                               " continued later from the Runs panel.")
        stop = box.addButton("Stop and Close", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not stop:
            return False
        return self.stop_and_wait()

    def stop_and_wait(self, timeout_s: float = CLOSE_TIMEOUT_S) -> bool:
        """Stop the run and wait until it is saved (no question asked); nothing to do, and
        nothing said, when no run is active."""
        if not self.session.active:
            return True
        self.status_label.setText("Stopping and saving the run…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return self.session.stop_and_wait(timeout_s)
        finally:
            QApplication.restoreOverrideCursor()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.session.active:
            if not self.confirm_close():
                event.ignore()
                return True
        return False

    def _on_quit(self) -> None:
        if self.session.active:
            self.session.stop_and_wait(CLOSE_TIMEOUT_S)
