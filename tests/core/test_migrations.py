"""Older project files are brought up to the current format on load (core.migrations).

There is no format change yet (format_version 1 is current), so the hook is tested with
a step registered for the test: a version-1 file that names its learning rate ``lr``
becomes a version-2 file with ``learning_rate``. Each real migration gets its own test
here, loading a file of the old version.
"""

from __future__ import annotations

import copy
import json

import pytest

from core import migrations
from core.check import check_project
from core.errors import ProjectError
from core.project import Project

OLD = {"format": "layerforge.project", "format_version": 1, "name": "Old",
       "graph": {"nodes": [{"id": "input", "type": "Input", "params": {"shape": [2]}},
                           {"id": "output", "type": "Output", "params": {"units": 2}}],
                 "edges": [{"source": "input", "target": "output"}]},
       "training": {"lr": 0.5}}


@pytest.fixture
def version_two(monkeypatch):
    """Pretend this LayerForge writes format_version 2, with a step from version 1."""
    steps = dict(migrations._STEPS)
    monkeypatch.setattr(migrations, "_STEPS", steps)
    monkeypatch.setattr(migrations, "CURRENT", 2)

    @migrations.migration(1)
    def rename_lr(data):
        training = data.get("training") or {}
        if "lr" in training:
            training["learning_rate"] = training.pop("lr")
            return ["training.lr is now called learning_rate"]
        return []
    return rename_lr


def test_a_version_one_file_is_migrated_on_load_and_saved_as_version_two(version_two, tmp_path):
    path = tmp_path / "old.lfproj"
    path.write_text(json.dumps(OLD))
    project = Project.load(path)
    assert project.training == {"learning_rate": 0.5}
    assert project.migration_notes == ["old.lfproj: training.lr is now called learning_rate"]
    assert check_project(project).notes == project.migration_notes  # `layerforge check` prints them
    saved = json.loads(Project.from_json(project.to_json()).to_json())
    assert saved["format_version"] == 2 and saved["training"] == {"learning_rate": 0.5}


def test_migrating_leaves_the_given_data_alone(version_two):
    data = copy.deepcopy(OLD)
    migrated, notes = migrations.migrate(data)
    assert data == OLD and migrated["format_version"] == 2 and notes


def test_a_current_file_passes_unchanged_and_a_newer_one_is_refused(version_two):
    current = {**OLD, "format_version": 2, "training": {"learning_rate": 0.1}}
    assert migrations.migrate(current) == (current, [])
    with pytest.raises(ProjectError, match="saved by a newer LayerForge .*reads up to 2"):
        Project.from_dict({**OLD, "format_version": 3})


def test_one_step_per_version_and_a_missing_step_is_a_bug(version_two, monkeypatch):
    with pytest.raises(ValueError, match="already registered"):
        migrations.migration(1)(lambda data: [])
    monkeypatch.setattr(migrations, "CURRENT", 3)
    with pytest.raises(RuntimeError, match="no migration from project format_version 2"):
        migrations.migrate(OLD)


def test_files_of_the_current_version_load_without_notes(examples):
    for path in examples:
        assert Project.load(path).migration_notes == []
