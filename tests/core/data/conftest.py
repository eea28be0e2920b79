"""Fixtures for the data tests: a private cache folder and quick CSV writing."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.data import cache


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path, monkeypatch):
    """Each test gets its own cache folder and forgets remembered facts."""
    monkeypatch.setenv("LAYERFORGE_CACHE_DIR", str(tmp_path / "cache"))
    cache.forget_all()
    yield
    cache.forget_all()


@pytest.fixture
def write_csv(tmp_path):
    """``write_csv(name, text_or_bytes, encoding="utf-8") -> Path``."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = content.encode(encoding)
        path.write_bytes(content)
        return path

    return write


def csv_spec(path: Path, **options) -> dict:
    return {"kind": "csv", "path": str(path), **options}
