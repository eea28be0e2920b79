"""What the CSV and image-folder dialogs share: background tasks, the status area, the split.

A subclass builds its widgets, puts :meth:`status_widgets` at the bottom, starts its
first task (reading the file, scanning the folder) with :meth:`run`, and implements
:meth:`spec` and :meth:`start_check`. Only the newest task of each kind may change
what the dialog shows; a task the person cancels says so, one replaced by a newer
one is silent.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel,
                               QSpinBox, QVBoxLayout, QWidget)

from core.data.columns import memory_estimate
from designer.data.messages import MessageLabel, percent_spin
from designer.data.tasks import BackgroundTask, ProgressRow


def load_facts(loader: Callable, spec: dict[str, Any], base_dir: str, progress, cancel) -> tuple:
    """Run a real loader (worker thread): the data's facts, the loader's notes and schema."""
    dataset = loader(spec, base_dir, progress, cancel)
    return dataset.info, dataset.notes, dataset.schema


def facts_line(info, count: str) -> str:
    """``60 rows · input 7 · 2 classes · 1.7 kB as float32``."""
    width = 1
    for size in info.input_shape:
        width *= size
    shape = "×".join(map(str, info.input_shape))
    what = f"{info.num_classes} classes" if info.task == "classification" else info.task
    return f"{count} · input {shape} · {what} · {memory_estimate(info.samples, width)} as float32"


def _safely_resolved(path: str | os.PathLike) -> Path:
    """Resolved when possible; a link loop stays as given and the dialog's check says so."""
    from core.data.paths import resolve
    from core.errors import DataError

    try:
        return resolve(path)
    except DataError:
        return Path(path).absolute()


class StratifyBox(QCheckBox):
    """The "Stratify" box, which only a classification's split can use: where it cannot apply (a
    regression, a time series) the box is unticked and greyed with the reason, and the
    person's own choice comes back when it applies again."""

    HINT = "Keep each class's share in every part"

    def __init__(self, chosen: bool) -> None:
        super().__init__("Stratify")
        self.chosen = bool(chosen)
        self.setChecked(self.chosen)
        self.setToolTip(self.HINT)
        self.clicked.connect(self._on_clicked)

    def set_applies(self, applies: bool, why: str = "") -> None:
        """Show the person's choice where stratifying applies, else an unticked, greyed box."""
        self.setEnabled(applies)
        self.setChecked(self.chosen if applies else False)
        self.setToolTip(self.HINT if applies else f"Stratifying keeps class shares: {why}")

    def _on_clicked(self, checked: bool) -> None:
        self.chosen = checked


class ImportDialog(QDialog):
    #: Shown when the person presses Cancel on the progress bar.
    STOPPED = "Stopped."
    OK_TEXT = "Use this data"

    def __init__(self, path: str | os.PathLike, base_dir: str | os.PathLike | None,
                 spec: dict[str, Any] | None, parent: QWidget | None, check_delay_ms: int) -> None:
        super().__init__(parent)
        self.path = _safely_resolved(path)
        self.base_dir = Path(base_dir).resolve() if base_dir else None
        self.initial = copy.deepcopy(spec) if spec else {}
        self.info = None  # DataInfo of the last successful check
        self._tasks: list[BackgroundTask] = []
        self._first_task: BackgroundTask | None = None  # reading the file / scanning the folder
        self._check_task: BackgroundTask | None = None
        self.summary = QLabel()
        self.message = MessageLabel()
        self.progress = ProgressRow()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.OK_TEXT)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._check_timer = QTimer(self, singleShot=True, interval=check_delay_ms)
        self._check_timer.timeout.connect(self.start_check)

    def status_widgets(self, layout: QVBoxLayout) -> None:
        for widget in (self.summary, self.message, self.progress, self.buttons):
            layout.addWidget(widget)

    # ------------------------------------------------------------------ the split
    def split_widgets(self) -> tuple[QHBoxLayout, QHBoxLayout]:
        """Two rows: validation and test percentages; stratify and seed. Set from the initial spec."""
        split = self.initial.get("split") or {}
        self.validation = percent_spin(round(100 * split.get("validation", 0.2)))
        self.test = percent_spin(round(100 * split.get("test", 0.0)))
        self.stratify = StratifyBox(split.get("stratify", True))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(split.get("seed", 0))
        fractions, order = QHBoxLayout(), QHBoxLayout()
        for label, widget in (("validation", self.validation), ("test", self.test)):
            fractions.addWidget(widget)
            fractions.addWidget(QLabel(label))
        order.addWidget(self.stratify)
        order.addWidget(QLabel("seed"))
        order.addWidget(self.seed, 1)
        for spin in (self.validation, self.test, self.seed):
            spin.valueChanged.connect(lambda _v: self.schedule_check())
        self.stratify.clicked.connect(lambda _c: self.schedule_check())
        return fractions, order

    def split_spec(self) -> dict[str, Any]:
        return {"validation": self.validation.value() / 100, "test": self.test.value() / 100,
                "stratify": self.stratify.chosen, "seed": self.seed.value()}

    # ------------------------------------------------------------------ tasks
    def run(self, function, name: str, message: str, on_finished) -> BackgroundTask:
        """Start ``function(progress, cancel)`` with every signal connected before it runs."""
        task = BackgroundTask(function, name, self)
        task.finished.connect(lambda result, t=task: on_finished(t, result))
        task.failed.connect(lambda text, t=task: self._on_failed(t, text))
        task.cancelled.connect(lambda t=task: self._on_cancelled(t))
        self._tasks.append(task)
        self.progress.follow(task, message)
        return task.start()

    def is_current(self, task: BackgroundTask) -> bool:
        return task is self._check_task or task is self._first_task

    def cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = [t for t in self._tasks if t.running]

    def schedule_check(self) -> None:
        """Check the current choices with the real loader, a moment after the last change."""
        self._check_timer.start()

    def start_check(self) -> None:  # pragma: no cover - every dialog has its own
        raise NotImplementedError

    def spec(self) -> dict[str, Any]:  # pragma: no cover - every dialog has its own
        raise NotImplementedError

    def explain(self, message: str) -> str:
        """The loader's message, with a hint about this dialog's controls where one helps."""
        return message

    def _on_cancelled(self, task: BackgroundTask) -> None:
        if self.is_current(task):
            self.message.show_note(self.STOPPED)

    def _on_failed(self, task: BackgroundTask, message: str) -> None:
        if not self.is_current(task):
            return
        self.info = None
        self.message.show_error(self.explain(message))
        self.ok_button.setEnabled(False)

    def stop_workers(self) -> None:
        """Subclasses stop their own helpers (thumbnails, previews) here."""

    def done(self, result: int) -> None:
        self._check_timer.stop()
        self.stop_workers()
        self.cancel_tasks()
        for task in list(self._tasks):
            task.wait(2.0)
        super().done(result)
