"""Which devices PyTorch can train on here, found in a background thread.

Importing torch takes seconds and the GUI thread never runs torch (GUIDE §4), so
:func:`detector` imports it in a thread and reports a :class:`DeviceReport` through
the ``ready`` signal (queued to the GUI thread). The report is kept: later callers
get it at once from ``detector().report``. Nothing starts detection at start-up
(designing never needs torch); the About and Preferences dialogs start it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from designer.data.signals import emit


@dataclass(frozen=True)
class DeviceReport:
    torch_version: str
    devices: list[tuple[str, str]] = field(default_factory=list)  # (device, description), "auto" first
    auto: str = "cpu"  # what "auto" resolves to
    error: str = ""

    def describe(self, device: str) -> str:
        """``CPU (2 threads)``; ``auto`` as what it resolves to."""
        names = dict(self.devices)
        if device == "auto":
            return names.get(self.auto, self.auto)
        return names.get(device, device)


def detect() -> DeviceReport:
    """Import torch and list its devices (slow: call it off the GUI thread)."""
    try:
        import torch

        from core.train.device import available_devices, describe_device, resolve

        devices = [(d, describe_device(d)) for d in available_devices() if d != "auto"]
        return DeviceReport(torch.__version__, devices, resolve("auto", "float32").device)
    except Exception as err:  # noqa: BLE001 - a broken torch install must not break the dialog
        return DeviceReport("not available", [("cpu", "CPU")], "cpu", f"{type(err).__name__}: {err}")


class DeviceDetector(QObject):
    ready = Signal(object)  # DeviceReport

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.report: DeviceReport | None = None
        self._started = False

    def start(self) -> None:
        """Start detecting (once); ``ready`` is emitted when done (at once if already known)."""
        if self.report is not None:
            self.ready.emit(self.report)
            return
        if self._started:
            return
        self._started = True
        threading.Thread(target=self._run, name="layerforge-device-detection", daemon=True).start()

    def _run(self) -> None:
        report = detect()
        self.report = report
        try:
            emit(self.ready, report)
        except RuntimeError:  # the application is gone
            pass


_detector: list[DeviceDetector] = []


def detector() -> DeviceDetector:
    """The application's one detector."""
    if not _detector:
        _detector.append(DeviceDetector(QApplication.instance()))
    return _detector[0]
