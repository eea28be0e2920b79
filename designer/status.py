"""The status bar's permanent parts: what the app is doing, and the device training uses.

``window.set_activity(text)`` and ``window.set_device(text)`` (on the main window) are
the hooks for other parts; ``None`` gives the automatic text back. The automatic
activity is "Checking the data…" while the data's shapes are worked out, else
"Ready"; the automatic device comes from the preference (``settings.default_device()``)
and becomes precise ("auto: CPU (2 threads)") once the devices are known: from the
training part's own device finder when it is installed (``follow_training``), or
from ``designer.devices`` (the About and Preferences dialogs start it).

``follow_training(indicators, problems, training)`` connects the status bar and the
Problems panel to what the training part offers as ``designer.services.TrainingApi``
(``session.state_changed``, ``session.started``, ``session.progressed``,
``device_finder.found``, ``devices``); the window calls it once its extensions are in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from designer import settings
from designer.devices import DeviceReport, detector

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow
    from designer.problems import ProblemsPanel
    from designer.services import TrainingApi
    from designer.summary import SummaryLabel

READY = "Ready"
CHECKING = "Checking the data…"


class StatusIndicators(QObject):
    """Owns the activity and device labels of ``window``'s status bar."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self.activity = QLabel(READY, objectName="activity")
        self.activity.setToolTip("What LayerForge is doing")
        self.device = QLabel(objectName="device")
        self._explicit_activity: str | None = None
        self._training_activity: str | None = None
        self._explicit_device: str | None = None
        self._training_device: str | None = None
        self._report: DeviceReport | None = detector().report
        self._training_devices: dict[str, str] = {}
        self._epochs: int | None = None
        detector().ready.connect(self._on_devices_known)
        window.analysis.data_changed.connect(self._show_activity)
        self._show_activity()
        self.refresh_device()

    # ------------------------------------------------------------------ public
    def set_activity(self, text: str | None) -> None:
        self._explicit_activity = text or None
        self._show_activity()

    def set_device(self, text: str | None) -> None:
        self._explicit_device = text or None
        self.refresh_device()

    def activity_text(self) -> str:
        return self.activity.text()

    def device_text(self) -> str:
        return self.device.text()

    # ------------------------------------------------------------------ activity
    def _show_activity(self, *_args) -> None:
        text = self._explicit_activity or self._training_activity
        if text is None:
            text = CHECKING if self.window.analysis.waiting_for_data else READY
        self.activity.setText(text)

    # ------------------------------------------------------------------ device
    def refresh_device(self) -> None:
        """Show the device: an explicit one, else the preference as precisely as it is known."""
        shown = self._explicit_device or self._training_device
        if shown:
            self.device.setText(shown)
            self.device.setToolTip("The device training runs on")
            return
        preferred = settings.default_device()
        precise = self._training_devices.get(preferred)
        if precise is None and self._report is not None:
            precise = self._report.describe(preferred)
            if preferred == "auto":
                precise = f"auto: {precise}"
        self.device.setText(f"Device: {precise or preferred}")
        self.device.setToolTip("The device training uses when a project's device is 'auto'"
                               " (Edit ▸ Preferences); a running training shows its own")

    def _on_devices_known(self, report: DeviceReport) -> None:
        self._report = report
        self.refresh_device()

    # ------------------------------------------------------------------ the training part
    def on_training_devices(self, devices: list) -> None:
        """The training part's ``(device, text)`` list, such as ``("auto", "auto (CPU (2 threads))")``."""
        self._training_devices = {str(d): str(t) for d, t in devices}
        self.refresh_device()

    def on_training_state(self, state: str) -> None:
        texts = {"loading": "Loading the data…", "running": "Training…", "paused": "Training paused",
                 "stopping": "Stopping training…"}
        self._training_activity = texts.get(state)
        if state == "idle":
            self._training_device = None
            self.refresh_device()
        self._show_activity()

    def on_training_started(self, item: Any) -> None:
        self._epochs = getattr(item, "epochs", None)
        device = getattr(item, "device", None)
        if device:
            name = self._training_devices.get(device) or (self._report.describe(device) if self._report else device)
            self._training_device = f"Training on: {name}"
            self.refresh_device()

    def on_training_progress(self, item: Any) -> None:
        """Batch and epoch updates: "Training: epoch 3 of 20" while running."""
        if not (self._training_activity or "").startswith("Training…") and \
                not (self._training_activity or "").startswith("Training: epoch"):
            return
        epoch = getattr(item, "epoch", None)
        if epoch is None:
            epoch = getattr(item, "row", {}).get("epoch")
        epochs = getattr(item, "epochs", None) or self._epochs
        if epoch is None or not epochs:
            return
        text = f"Training: epoch {int(epoch)} of {int(epochs)}"
        if text != self._training_activity:
            self._training_activity = text
            self._show_activity()


def follow_training(indicators: StatusIndicators, problems: "ProblemsPanel | None",
                    training: "TrainingApi | None", summary: "SummaryLabel | None" = None) -> bool:
    """Connect the status bar (its activity, device and summary, and the Problems panel's run
    hints) to the training part; False when there is none."""
    if training is None:
        return False
    session = training.session
    session.state_changed.connect(indicators.on_training_state)
    if summary is not None:
        session.state_changed.connect(summary.on_training_state)
    session.started.connect(indicators.on_training_started)
    session.progressed.connect(indicators.on_training_progress)
    training.device_finder.found.connect(indicators.on_training_devices)
    if training.devices:
        indicators.on_training_devices(training.devices)
    if problems is not None:
        problems.follow_session(session)
    return True
