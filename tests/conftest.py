"""Test-wide fixtures: tests never touch the real home folder or user settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "resources" / "examples"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: This machine's cache folder, read before the fixtures below point HOME and XDG_CACHE_HOME
#: at temporary folders. Only for what is slow to make, the same for every run and holds
#: nothing of the person's: the standalone-export test's virtual environment.
_XDG_CACHE = os.environ.get("XDG_CACHE_HOME", "")
MACHINE_CACHE = Path(_XDG_CACHE) if os.path.isabs(_XDG_CACHE) else Path.home() / ".cache"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Point HOME and the XDG folders at a temporary folder for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    yield home


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """The designer's QSettings and recovery files go to a fresh folder (designer/settings.py)."""
    folder = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("LAYERFORGE_SETTINGS_DIR", str(folder))
    yield folder


@pytest.fixture(scope="session")
def machine_cache() -> Path:
    """This machine's real cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``), for test tools
    worth keeping between runs; everything else goes to the temporary home above."""
    return MACHINE_CACHE


@pytest.fixture
def examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.lfproj"))
