"""Where runs go: beside the project, except for the shipped examples and unwritable folders."""

from __future__ import annotations

import os

from core.resources import examples_dir
from core.train.rundir import default_run_dir, runs_folder, user_runs_folder


def test_runs_go_beside_a_saved_project(tmp_path):
    assert runs_folder(tmp_path) == tmp_path.resolve() / "runs"
    run = default_run_dir(tmp_path, "My net: v2", when=0)
    assert run.parent == tmp_path.resolve() / "runs"
    assert run.name.startswith("My_net_v2-")


def test_examples_and_unsaved_projects_use_the_users_runs_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LAYERFORGE_RUNS_DIR", raising=False)
    assert runs_folder(examples_dir()) == user_runs_folder()
    assert user_runs_folder() == __import__("pathlib").Path.home() / "LayerForge" / "runs"
    assert runs_folder(None) == user_runs_folder()
    assert runs_folder(None, fallback=tmp_path / "mine") == tmp_path / "mine"
    monkeypatch.setenv("LAYERFORGE_RUNS_DIR", str(tmp_path / "env"))
    assert runs_folder(examples_dir()) == tmp_path / "env"


def test_an_unwritable_project_folder_uses_the_users_runs_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert runs_folder(tmp_path) == user_runs_folder()
