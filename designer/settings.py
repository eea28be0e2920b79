"""Where the designer keeps what is not in a project: layout, recent files, recovery, preferences.

Everything goes through :func:`settings` and :func:`state_dir`, never a bare
``QSettings()``, so that the environment variable ``LAYERFORGE_SETTINGS_DIR`` can move
all of it somewhere else. The test suite points it at a temporary folder (an autouse
fixture in ``tests/conftest.py``), so tests never read or change a person's settings.

Preferences (Edit ▸ Preferences, ``designer/preferences.py``) and their accessors, for
any part of the designer to read:

| accessor | default | meaning |
| --- | --- | --- |
| ``theme_mode()`` | ``"system"`` | ``system``, ``light`` or ``dark`` (``designer.theme`` applies it) |
| ``autosave_minutes()`` | ``1`` | minutes between recovery copies; ``0`` switches autosave off |
| ``default_device()`` | ``"auto"`` | the device to train on when a project says ``auto`` |
| ``default_run_folder()`` | ``None`` | a folder for every run (``Path``), or ``None``: ``runs/`` beside the project |
| ``runs_folder_for(project_dir)`` | | where a project's runs go: the preference, else ``core.train.rundir.runs_folder`` |
| ``welcome_at_startup()`` | ``None`` | show the welcome gallery at start-up; ``None`` until the first run recorded it |
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
THEME = "appearance/theme"
AUTOSAVE_MINUTES = "files/autosave_minutes"
DEFAULT_DEVICE = "training/default_device"
RUN_FOLDER = "training/run_folder"
TENSORBOARD_FOLDER = "tracking/tensorboard_folder"
MLFLOW_URI = "tracking/mlflow_uri"
WELCOME_AT_STARTUP = "welcome/show_at_startup"
THEME_MODES = ("system", "light", "dark")
DEFAULT_AUTOSAVE_MINUTES = 1
MAX_AUTOSAVE_MINUTES = 60


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


# ---------------------------------------------------------------------------- preferences
def _text(key: str, default: str) -> str:
    value = settings().value(key, default)
    return value if isinstance(value, str) and value else default


def _flag(value) -> bool | None:
    """A stored bool (the INI format gives back ``"true"``/``"false"``), or ``None`` if unset."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def theme_mode() -> str:
    """``system`` (follow the desktop), ``light`` or ``dark``."""
    mode = _text(THEME, "system")
    return mode if mode in THEME_MODES else "system"


def set_theme_mode(mode: str) -> None:
    if mode not in THEME_MODES:
        raise ValueError(f"unknown theme {mode!r}")
    settings().setValue(THEME, mode)


def autosave_minutes() -> int:
    """Minutes between recovery copies of unsaved work (``0``: autosave is off)."""
    try:
        minutes = int(settings().value(AUTOSAVE_MINUTES, DEFAULT_AUTOSAVE_MINUTES))
    except (TypeError, ValueError):
        return DEFAULT_AUTOSAVE_MINUTES
    return min(max(minutes, 0), MAX_AUTOSAVE_MINUTES)


def set_autosave_minutes(minutes: int) -> None:
    settings().setValue(AUTOSAVE_MINUTES, int(min(max(minutes, 0), MAX_AUTOSAVE_MINUTES)))


def default_device() -> str:
    """The device to train on when a project's ``training.device`` is ``auto``: ``auto``, ``cpu``, ``cuda:0``, ..."""
    return _text(DEFAULT_DEVICE, "auto")


def set_default_device(device: str) -> None:
    settings().setValue(DEFAULT_DEVICE, device or "auto")


def default_run_folder() -> Path | None:
    """The folder every run goes into (one sub-folder per run), or ``None`` for ``runs/`` beside
    the project (and the designer's own folder for a project that was never saved)."""
    value = _text(RUN_FOLDER, "")
    return Path(value).expanduser() if value else None


def set_default_run_folder(folder: str | os.PathLike | None) -> None:
    if folder:
        settings().setValue(RUN_FOLDER, str(Path(folder).expanduser()))
    else:
        settings().remove(RUN_FOLDER)


def tracking() -> dict[str, str | None]:
    """Where every run is also logged (``core.train.tracking``): a TensorBoard folder and an
    MLflow URI, each ``None`` when off."""
    return {"tensorboard": _text(TENSORBOARD_FOLDER, "") or None, "mlflow": _text(MLFLOW_URI, "") or None}


def set_tracking(tensorboard: str | None, mlflow: str | None) -> None:
    for key, value in ((TENSORBOARD_FOLDER, tensorboard), (MLFLOW_URI, mlflow)):
        if value:
            settings().setValue(key, str(value))
        else:
            settings().remove(key)


def runs_folder_for(project_dir: str | os.PathLike | None) -> Path:
    """Where the runs of a project in ``project_dir`` (``None``: not saved) go: the run-folder
    preference when set, else ``runs/`` beside the project (or the user's runs folder for
    unsaved projects and the shipped examples, ``core.train.rundir.runs_folder``)."""
    from core.train.rundir import runs_folder

    return default_run_folder() or runs_folder(project_dir)


def welcome_at_startup() -> bool | None:
    """Whether to show the welcome gallery at start-up; ``None`` on the very first run."""
    return _flag(settings().value(WELCOME_AT_STARTUP))


def set_welcome_at_startup(show: bool) -> None:
    settings().setValue(WELCOME_AT_STARTUP, bool(show))
