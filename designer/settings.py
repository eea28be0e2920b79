"""Where the designer keeps what is not in a project: window layout, recent files, recovery.

Everything goes through :func:`settings` and :func:`state_dir`, never a bare
``QSettings()``, so that the environment variable ``LAYERFORGE_SETTINGS_DIR`` can move
all of it somewhere else. The test suite points it at a temporary folder (an autouse
fixture in ``tests/conftest.py``), so tests never read or change a person's settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ORGANIZATION = "LayerForge"
APPLICATION = "LayerForge"
ENV_DIR = "LAYERFORGE_SETTINGS_DIR"

# Keys (one place, so that two parts never use one key for two things).
GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
RECENT_FILES = "files/recent"
LAST_DIRECTORY = "files/last_directory"
MAX_RECENT = 8


def state_dir() -> Path:
    """A folder for the designer's own files (recovery copies); created on demand."""
    override = os.environ.get(ENV_DIR)
    if override:
        folder = Path(override)
    else:
        folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
                      or Path.home() / ".layerforge")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def settings() -> QSettings:
    """The designer's settings store (an INI file under ``LAYERFORGE_SETTINGS_DIR`` when set)."""
    override = os.environ.get(ENV_DIR)
    if override:
        return QSettings(str(Path(override) / "layerforge.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def recent_files() -> list[str]:
    """Recently opened or saved project files, newest first, only those that still exist."""
    value = settings().value(RECENT_FILES, [])
    if isinstance(value, str):  # QSettings returns a lone string for a one-item list
        value = [value]
    return [p for p in (value or []) if isinstance(p, str) and Path(p).is_file()]


def add_recent_file(path: str | os.PathLike) -> None:
    path = str(Path(path).resolve())
    files = [path] + [p for p in recent_files() if p != path]
    store = settings()
    store.setValue(RECENT_FILES, files[:MAX_RECENT])
    store.setValue(LAST_DIRECTORY, str(Path(path).parent))


def clear_recent_files() -> None:
    settings().remove(RECENT_FILES)


def last_directory() -> str:
    value = settings().value(LAST_DIRECTORY, "")
    return value if isinstance(value, str) and Path(value).is_dir() else str(Path.home())
