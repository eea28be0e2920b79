"""Test-wide fixtures: tests never touch the real home folder or user settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "resources" / "examples"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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


@pytest.fixture
def examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.lfproj"))
