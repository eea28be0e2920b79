"""Runs shared by the attribution tests (trained once per session, in temporary folders)."""

from __future__ import annotations

import pytest

from tests.core.explain import projects


@pytest.fixture(scope="session")
def explain_env(tmp_path_factory):
    """Caches of session-wide work go to a temporary folder, not the home folder."""
    folder = tmp_path_factory.mktemp("explain-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(folder))
        patch.setenv("XDG_CACHE_HOME", str(folder / ".cache"))
        patch.setenv("LAYERFORGE_CACHE_DIR", str(folder / "cache"))
        yield folder


@pytest.fixture(scope="session")
def table_run(tmp_path_factory, explain_env):
    root = tmp_path_factory.mktemp("explain-table")
    return projects.train(projects.table_project(root), root / "run")


@pytest.fixture(scope="session")
def image_run(tmp_path_factory, explain_env):
    root = tmp_path_factory.mktemp("explain-image")
    return projects.train(projects.image_project(root), root / "run")


@pytest.fixture(scope="session")
def text_run(tmp_path_factory, explain_env):
    root = tmp_path_factory.mktemp("explain-text")
    return projects.train(projects.text_project(root), root / "run")
