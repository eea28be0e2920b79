"""Help ▸ About LayerForge: the versions of everything that matters, and the devices.

Versions of LayerForge, Python, Qt/PySide6, pyqtgraph and NumPy are known at once.
PyTorch's version and the devices need ``import torch`` (seconds), which never runs
on the GUI thread: the dialog says "detecting…" and fills them in when
``designer.devices`` reports. "Copy" puts the whole text on the clipboard for a bug
report.
"""

from __future__ import annotations

import platform
from html import escape
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

import core
from designer.devices import DeviceReport, detector
from designer.style import app_icon

DETECTING = "detecting…"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def static_versions() -> list[tuple[str, str]]:
    """What is known without importing torch."""
    return [("LayerForge", core.__version__),
            ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
            ("Qt", qVersion()),
            ("PySide6", pyside_version),
            ("pyqtgraph", _version("pyqtgraph")),
            ("NumPy", _version("numpy")),
            ("Platform", f"{platform.system()} {platform.release()} ({platform.machine()})")]


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About LayerForge")
        self.report: DeviceReport | None = None
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(72, 72))
        title = QLabel(f"LayerForge {escape(core.__version__)}", objectName="aboutTitle")
        blurb = QLabel("Design, train and export neural networks without writing code: drag layers,"
                       " load data, watch them learn.", wordWrap=True, objectName="aboutVersions")
        self.versions = QLabel(objectName="aboutVersions")
        self.versions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.versions.setTextFormat(Qt.TextFormat.RichText)
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(blurb)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addSpacing(12)
        top.addLayout(heading, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setToolTip("Copy the versions and devices, for a bug report")
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 14)
        layout.addLayout(top)
        layout.addSpacing(10)
        layout.addWidget(self.versions)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self._show()
        found = detector()
        found.ready.connect(self._on_devices)
        found.start()
        self.setMinimumWidth(520)

    def rows(self) -> list[tuple[str, str]]:
        rows = static_versions()
        report = self.report
        rows.insert(4, ("PyTorch", report.torch_version if report else DETECTING))
        if report is None:
            rows.append(("Devices", DETECTING))
        else:
            devices = [f"{text} ({name})" for name, text in report.devices]
            rows.append(("Devices", "; ".join(devices) or "none"))
            rows.append(("auto trains on", report.describe("auto")))
            if report.error:
                rows.append(("PyTorch problem", report.error))
        return rows

    def text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.rows())

    def _show(self) -> None:
        body = "".join(f"<tr><td style='padding: 2px 14px 2px 0'><b>{escape(name)}</b></td>"
                       f"<td style='padding: 2px 0'>{escape(value)}</td></tr>" for name, value in self.rows())
        self.versions.setText(f"<table>{body}</table>")

    def _on_devices(self, report: DeviceReport) -> None:
        self.report = report
        self._show()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())


def show_about(parent: QWidget | None = None) -> AboutDialog:
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
