"""Work off the GUI thread for the import dialogs: a task with progress and Cancel.

:class:`BackgroundTask` runs ``function(progress, cancel)`` in a Python thread and
reports through Qt signals, which reach the GUI thread queued. ``progress(fraction,
message)`` and ``cancel()`` are exactly what ``core.data`` loaders take, so a loader
can be handed over as it is. :class:`ProgressRow` is the bar + Cancel button bound to
one task at a time. The window stays responsive: the GUI thread only receives signals.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from core.data import Cancelled
from core.errors import LayerForgeError
from designer.data.signals import emit


class BackgroundTask(QObject):
    """One run of ``function(progress, cancel) -> result`` in a worker thread."""

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, function: Callable[[Callable, Callable], Any], name: str = "task",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._function = function
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.name = name
        self.done = False

    def start(self) -> "BackgroundTask":
        self._thread = threading.Thread(target=self._run, name=f"layerforge-{self.name}", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float = 5.0) -> bool:
        """Join the worker (dialogs call it when closing); True when it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _run(self) -> None:
        try:
            result = self._function(self._report, self._cancel.is_set)
        except Cancelled:
            self._emit(self.cancelled)
        except LayerForgeError as err:
            self._emit(self.failed, str(err))
        except Exception as err:  # noqa: BLE001 - a bug must not freeze the dialog
            traceback.print_exc(file=sys.stderr)
            self._emit(self.failed, f"LayerForge could not read this ({type(err).__name__}: {err});"
                                    " this is a bug, please report it")
        else:
            if self._cancel.is_set():
                self._emit(self.cancelled)
            else:
                self._emit(self.finished, result)

    def _report(self, fraction: float, message: str) -> None:
        if not self._cancel.is_set():
            self._emit(self.progress, float(fraction), str(message))

    def _emit(self, signal, *args) -> None:
        self.done = signal is not self.progress or self.done
        try:
            emit(signal, *args)
        except RuntimeError:  # the dialog (and this object) is already gone
            pass


class ProgressRow(QWidget):
    """A progress bar, what is happening, and a Cancel button for the current task."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(10)
        self.label = QLabel()
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop reading; nothing is changed")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 2)
        layout.addWidget(self.bar, 3)
        layout.addWidget(self.cancel_button)
        self.task: BackgroundTask | None = None
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.hide()

    def follow(self, task: BackgroundTask, message: str) -> None:
        """Show ``task``'s progress until it ends."""
        self.task = task
        self.bar.setValue(0)
        self.label.setText(message)
        self.cancel_button.setEnabled(True)
        task.progress.connect(self._on_progress)
        for signal in (task.finished, task.failed, task.cancelled):
            signal.connect(lambda *_args, t=task: self._on_task_ended(t))
        self.show()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if message:
            self.label.setText(message)

    def _on_cancel_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText("Cancelling…")

    def _on_task_ended(self, task: BackgroundTask) -> None:
        if task is self.task:
            self.task = None
            self.hide()
