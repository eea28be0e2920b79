"""The training panel: Train / Pause / Resume / Stop, progress, and the hyperparameter form.

The panel shows; the controller (:mod:`designer.training.controller`) decides. It
gets the session's state and progress messages and exposes its buttons and form.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSizePolicy, QVBoxLayout, QWidget)

from designer.training.form import TrainingForm
from designer.training.progress import ProgressLine, TextLine
from designer.training.relay import BatchUpdate, EpochUpdate, RunStarted
from designer.training.session import IDLE, LOADING, PAUSED, RUNNING, STOPPING

STYLE = """
QWidget#trainingPanel QPushButton#trainButton {
    background: @accent@; border-color: @focus@; color: @on_accent@; font-weight: 600;
}
QWidget#trainingPanel QPushButton#trainButton:disabled {
    background: @button@; border-color: @border@; color: @text_faint@;
}
QWidget#trainingPanel QLabel#trainingStatus { color: @text_dim@; }
QWidget#trainingPanel QLabel#trainingMessage {
    color: @error_box_text@; background: @error_box@; border: 1px solid @error_box_border@;
    border-radius: 5px; padding: 6px;
}
QWidget#trainingPanel QLabel#trainingNote {
    color: @text_soft@; background: @alt@; border: 1px solid @border@; border-radius: 5px; padding: 6px;
}
QWidget#trainingPanel QFrame#trainingLine { color: @line@; }
"""


def panel_style() -> str:
    """The panel's style sheet in the colours of the theme in use."""
    from designer import theme

    sheet = STYLE
    for key, value in theme.current().sheet.items():
        sheet = sheet.replace(f"@{key}@", str(value))
    return sheet


#: The panel's status while no run is on show.
READY = "Ready to train: press Train (F5)."


def format_duration(seconds: float | None) -> str:
    """``45 s``, ``3 min 05 s``, ``1 h 02 min``; an empty string when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_value(value: float) -> str:
    return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"


class TrainingPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setToolTip("Train the network on the project's data (F5)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Wait after the current batch; the optimiser settings can then be changed")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Go on training (with the changed settings)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current batch; the run keeps its last completed epoch")
        self.apply_style()
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for button in (self.train_button, self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)
        self.status = QLabel(READY, objectName="trainingStatus")
        self.status.setWordWrap(True)  # "Paused: ... then Resume." is read whole, never cut
        self.epoch_bar = ProgressLine()
        self.batch_bar = ProgressLine()
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.speed = TextLine(1)  # these change every few batches: they repaint, never relayout
        self.metric_label = TextLine(2)
        self.message = QLabel("", objectName="trainingMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        #: What the message is about: ``"run"`` (a run's failure or notes), ``"project"`` (why the
        #: project cannot train); the controller drops or renews it when that changes.
        self.message_about: str | None = None
        progress = QGridLayout()
        progress.setHorizontalSpacing(8)
        progress.setVerticalSpacing(4)
        progress.addWidget(self.epoch_bar, 0, 0)
        progress.addWidget(self.batch_bar, 1, 0)
        top = QWidget()
        top_box = QVBoxLayout(top)
        top_box.setContentsMargins(8, 8, 8, 6)
        top_box.setSpacing(6)
        top_box.addLayout(buttons)
        top_box.addWidget(self.status)
        top_box.addLayout(progress)
        top_box.addWidget(self.speed)
        top_box.addWidget(self.metric_label)
        top_box.addWidget(self.message)
        line = QFrame(objectName="trainingLine")
        line.setFrameShape(QFrame.Shape.HLine)
        self.form = TrainingForm()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.form)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(top)
        column.addWidget(line)
        column.addWidget(self.scroll_area, 1)
        self._batches = 0
        self._epochs = 0
        self.clear_run()
        self.set_state(IDLE)

    def apply_style(self) -> None:
        """Colours and icons of the theme in use (again when it changes)."""
        from designer.icons import themed_icon

        self.setStyleSheet(panel_style())
        self.train_button.setIcon(themed_icon("play", "on_accent"))
        for button, name in ((self.pause_button, "pause"), (self.resume_button, "resume"),
                             (self.stop_button, "stop")):
            button.setIcon(themed_icon(name))

    # ------------------------------------------------------------------ state
    def set_state(self, state: str, can_train: bool = True) -> None:
        self.train_button.setEnabled(state == IDLE and can_train)
        self.pause_button.setEnabled(state in (LOADING, RUNNING))
        self.resume_button.setEnabled(state == PAUSED)
        self.stop_button.setEnabled(state in (LOADING, RUNNING, PAUSED))
        self.form.set_run_state(state if state in (IDLE, PAUSED) else "running")
        if state == LOADING:
            self._epochs = 0  # this run's total comes with its start
        text = {LOADING: "Loading the data and building the network…", RUNNING: "Training…",
                PAUSED: "Paused: the optimiser settings below can be changed, then Resume.",
                STOPPING: "Stopping after the current batch…"}.get(state)
        if text:
            self.status.setText(text)

    def clear_run(self, status: str = READY) -> None:
        """No run on show (another project, or a run that did not start): empty bars, no speed,
        no results, and ``status`` saying what to do."""
        for bar, word in ((self.epoch_bar, "Epoch"), (self.batch_bar, "Batch")):
            bar.setRange(0, 1)
            bar.setValue(0)
            bar.setFormat(f"{word} –")
        self.speed.setText("")
        self.metric_label.setText("")
        self.status.setText(status)

    def show_message(self, text: str | None, error: bool = True, about: str = "run") -> None:
        self.message_about = about if text else None
        self.message.setObjectName("trainingMessage" if error else "trainingNote")
        self.message.setStyleSheet("")  # re-apply the panel's style for the new object name
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    # ------------------------------------------------------------------ progress
    def on_loading(self, fraction: float, message: str) -> None:
        self.status.setText(message)
        self.batch_bar.setRange(0, 1000)
        self.batch_bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.batch_bar.setFormat(f"{message.rstrip('…')} {fraction:.0%}")

    def on_started(self, item: RunStarted) -> None:
        self._batches, self._epochs = item.batches, item.epochs
        self.epoch_bar.setRange(0, max(1, item.epochs))
        self.epoch_bar.setValue(item.start_epoch)
        self.epoch_bar.setFormat(f"Epoch {item.start_epoch} of {item.epochs} done")
        self.batch_bar.setRange(0, max(1, item.batches))
        self.batch_bar.setValue(0)
        self.batch_bar.setFormat(f"Batch 0 of {item.batches}")
        where = item.run_dir.name if item.run_dir is not None else "no folder"
        continued = f", continuing after epoch {item.start_epoch}" if item.start_epoch else ""
        device = "the CPU" if item.device == "cpu" else item.device  # as the device selector names it
        self.status.setText(f"Training on {device}{continued} · run {where}")
        self.speed.setText("")
        self.metric_label.setText("")
        notes = [n for n in item.notes if n]
        self.show_message(" ".join(notes) if notes else None, error=False)

    def on_progress(self, item) -> None:
        """A BatchUpdate (the session sends a few a second) or an EpochUpdate."""
        if isinstance(item, BatchUpdate):
            self.epoch_bar.setValue(item.epoch - 1)
            self.epoch_bar.setFormat(f"Epoch {item.epoch} of {self._epochs}")
            self.batch_bar.setRange(0, max(1, item.batches))
            self.batch_bar.setValue(item.batch)
            self.batch_bar.setFormat(f"Batch {item.batch} of {item.batches}")
            left = format_duration(item.seconds_left)
            self.speed.setText(f"{item.samples_per_second:,.0f} samples/s"
                               + (f" · {left} left" if left else "")
                               + f" · learning rate {item.learning_rate:.3g}")
        elif isinstance(item, EpochUpdate):
            row = item.row
            self.epoch_bar.setValue(int(row["epoch"]))
            self.epoch_bar.setFormat(f"Epoch {int(row['epoch'])} of {item.epochs} done")
            self.batch_bar.setValue(self.batch_bar.maximum())
            self.batch_bar.setFormat(f"Batch {self._batches} of {self._batches}")
            self.metric_label.setText(epoch_summary(row, item.best_epoch))

    def on_finished(self, result) -> None:
        if result is None:
            self.clear_run("Training did not start.")
            return
        done = {"completed": "Completed", "stopped": "Stopped", "failed": "Failed"}.get(result.status,
                                                                                       result.status)
        folder = f" · saved in {result.run_dir}" if result.run_dir is not None else ""
        if result.final and result.final.get("samples_per_second"):
            self.speed.setText(f"{result.final['samples_per_second']:,.0f} samples/s in the last epoch")
        self._show_kept_epochs(result.epochs_completed)
        # A run that completed before its last epoch says why (early stopping's patience ran out).
        why = f"; {result.reason}" if result.status == "completed" and result.reason else ""
        self.status.setText(f"{done} after {result.epochs_completed} epoch(s) in "
                            f"{format_duration(result.seconds) or '0 s'}{why}{folder}")
        if result.best:
            self.metric_label.setText("Best " + epoch_summary(result.best, int(result.best.get("epoch", 0))))
        if result.status == "failed" and result.reason:
            self.show_message(result.reason)


    def _show_kept_epochs(self, done: int) -> None:
        """The bars of an ended run: the epochs it kept, and where a stop left the epoch after
        them (its batches are not kept: continuing the run starts that epoch again)."""
        if not self._epochs:
            return
        self.epoch_bar.setValue(done)
        self.epoch_bar.setFormat(f"Epoch {done} of {self._epochs} done")
        batch, batches = self.batch_bar.value(), self.batch_bar.maximum()
        if 0 < batch < batches and done < self._epochs:
            self.batch_bar.setFormat(f"Stopped at batch {batch} of {batches} of epoch {done + 1} (not kept)")


def epoch_summary(row: dict, best_epoch: int) -> str:
    """``epoch 12: val_loss 0.051, val_accuracy 0.985 (best: epoch 11)``."""
    keys = [k for k in ("train_loss", "val_loss") if row.get(k) is not None]
    keys += [k for k in row if k.startswith("val_") and k != "val_loss"][:2]
    parts = [f"{k} {format_value(row[k])}" for k in keys if row.get(k) is not None]
    best = f" (best: epoch {best_epoch})" if best_epoch and best_epoch != row.get("epoch") else ""
    return f"epoch {int(row.get('epoch', 0))}: " + ", ".join(parts) + best
