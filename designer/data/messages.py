"""Small pieces shared by the import dialogs: the inline message, percent spins, paths."""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSpinBox

from designer.style import Colors

MAX_NOTES = 6


class MessageLabel(QLabel):
    """The dialog's inline message: a problem in red, or notes in a dimmer colour."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.is_error = False
        self.plain = ""

    def show_error(self, text: str) -> None:
        self.is_error, self.plain = True, text
        self.setText(f"<span style='color:{Colors.error}'>⚠ {html.escape(text)}</span>")
        self.setVisible(True)

    def show_notes(self, notes: list[str]) -> None:
        self.is_error = False
        shown = notes[:MAX_NOTES]
        if len(notes) > MAX_NOTES:
            shown.append(f"{len(notes) - MAX_NOTES} more notes")
        self.plain = "\n".join(shown)
        self.setText("<br>".join(f"<span style='color:{Colors.text_dim}'>• {html.escape(n)}</span>"
                                 for n in shown))
        self.setVisible(bool(shown))

    def show_note(self, text: str) -> None:
        self.show_notes([text])


def percent_spin(value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, 80)
    spin.setSuffix(" %")
    spin.setValue(value)
    return spin


def relative_path(path: Path, base_dir: Path | None) -> str:
    """``path`` as the project file writes it: relative to the project's folder when saved."""
    if base_dir is None:
        return str(path)
    try:
        return Path(os.path.relpath(path, base_dir)).as_posix()
    except ValueError:  # another drive on Windows
        return str(path)
