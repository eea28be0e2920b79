"""Trained runs shared by the export tests (trained once per session, in temporary folders)."""

from __future__ import annotations

import pytest

from tests.core.export import projects


@pytest.fixture(scope="session")
def session_env(tmp_path_factory):
    """Caches and settings of session-wide work go to a temporary folder, not the home folder."""
    folder = tmp_path_factory.mktemp("session-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(folder))
        patch.setenv("XDG_CACHE_HOME", str(folder / ".cache"))
        patch.setenv("LAYERFORGE_CACHE_DIR", str(folder / "cache"))
        yield folder


@pytest.fixture(scope="session")
def table_runs(tmp_path_factory, session_env):
    """``{"classification": run_dir, "regression": run_dir}`` trained on the same CSV file."""
    root = tmp_path_factory.mktemp("tables")
    runs = {}
    for task, target in (("classification", "label"), ("regression", "price")):
        project = projects.table_project(root / task, target, f"Table {task}")
        runs[task] = projects.train(project, root / task / "run", epochs=2)
    return runs


@pytest.fixture(scope="session")
def image_run(tmp_path_factory, session_env):
    root = tmp_path_factory.mktemp("images")
    return projects.train(projects.image_project(root), root / "run")


@pytest.fixture(scope="session")
def spiral_run(tmp_path_factory, session_env):
    root = tmp_path_factory.mktemp("spiral")
    return projects.train(projects.small_example("spiral_mlp", root), root / "run")


@pytest.fixture(scope="session")
def sequence_run(tmp_path_factory, session_env):
    root = tmp_path_factory.mktemp("series")
    return projects.train(projects.sequence_project(root), root / "run")
