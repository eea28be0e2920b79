"""Which devices PyTorch can train on here, found in a background thread.

Importing torch takes seconds and the GUI thread never runs torch (GUIDE §4), so
:func:`detector` asks a child process from a thread and reports a :class:`DeviceReport` through
the ``ready`` signal (queued to the GUI thread). The report is kept: later callers
get it at once from ``detector().report``. The training controller starts it shortly
after start-up (designing never needs torch); the About and Preferences dialogs too.
"""

from __future__ import annotations

import json
import subprocess
import sys
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


#: Runs in a separate Python process: it prints ``core.train.device.device_report()`` as JSON.
_REPORT_CODE = "import json, core.train.device as d; print(json.dumps(d.device_report()))"
#: A first import of torch (and CUDA's initialisation) can take long on a cold disk.
_REPORT_TIMEOUT_S = 300


def detect() -> DeviceReport:
    """List the devices torch can train on (slow: call it off the GUI thread).

    Asked of a child process, so that importing torch never holds this process's GIL:
    a thread importing torch here made the window take seconds to build and stutter.
    Once training has imported torch here, asking here is free (a child would take a core
    from the training). If the child cannot answer, torch is imported here instead.
    """
    if "torch" in sys.modules:
        return _detect_here()
    try:
        return detect_in_child()
    except Exception:  # noqa: BLE001 - any failure of the child: ask in this process
        return _detect_here()


def detect_in_child() -> DeviceReport:
    """The report from a child Python process (the bundle's smoke test checks this works)."""
    found = subprocess.run([sys.executable, "-c", _REPORT_CODE], capture_output=True, text=True,
                           timeout=_REPORT_TIMEOUT_S, check=True)
    return _from_report(json.loads(found.stdout.strip().splitlines()[-1]))


def _detect_here() -> DeviceReport:
    try:
        from core.train.device import device_report

        return _from_report(device_report())
    except Exception as err:  # noqa: BLE001 - a broken torch install must not break the dialog
        return DeviceReport("not available", [("cpu", "CPU")], "cpu", f"{type(err).__name__}: {err}")


def _from_report(report: dict) -> DeviceReport:
    """A :class:`DeviceReport` from ``core.train.device.device_report()``'s dict."""
    return DeviceReport(report["torch_version"], [tuple(d) for d in report["devices"]], report["auto"])


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


class DeviceFinder(QObject):
    """The device selector's entries, from the application's device detector (:func:`detector`,
    which asks a child process off the GUI thread): ``found`` gives ``[(device, text), ...]``."""

    found = Signal(list)
    _connected = False

    def start(self) -> None:
        """Ask for the devices (once; later calls do nothing)."""
        if not self._connected:
            self._connected = True
            detector().ready.connect(self._on_report)
            detector().start()

    def _on_report(self, report) -> None:
        devices = [("auto", f"auto → {report.describe('auto')}")] + list(report.devices)
        emit(self.found, devices)
