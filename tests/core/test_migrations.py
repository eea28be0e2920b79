"""Older project files are brought up to the current format on load (core.migrations).

One test per real migration loads a file of the old version; the mechanism itself is
tested with a step registered for the test (format 3 -> a pretend format 4 that renames
``lr`` to ``learning_rate``).
"""

from __future__ import annotations

import copy
import json

import pytest

from core import migrations
from core.check import check_project
from core.errors import ProjectError
from core.project import Project
from core.train.spec import TrainSpec

GRAPH = {"nodes": [{"id": "input", "type": "Input", "params": {"shape": [2]}},
                   {"id": "output", "type": "Output", "params": {"units": 2}}],
         "edges": [{"source": "input", "target": "output"}]}
VERSION_1 = {"format": "layerforge.project", "format_version": 1, "name": "Old", "graph": GRAPH,
             "training": {"epochs": 40}}
OLD = {"format": "layerforge.project", "format_version": 3, "name": "Old", "graph": GRAPH,
       "training": {"lr": 0.5}}


# ---------------------------------------------------------------------- 1 -> 2
def test_a_format_1_file_keeps_training_every_epoch(tmp_path):
    """Format 2 stops early by default; a format-1 file that never asked keeps it off."""
    path = tmp_path / "v1.lfproj"
    path.write_text(json.dumps(VERSION_1))
    project = Project.load(path)
    assert project.training == {"epochs": 40, "early_stopping": None}
    assert TrainSpec.from_dict(project.training).early_stopping is None
    assert project.migration_notes == ["v1.lfproj: early stopping stays off, as it was by default when"
                                       " the file was saved (new projects stop early after 10 epochs"
                                       " without improvement)"]
    assert json.loads(project.to_json())["format_version"] == migrations.CURRENT


def test_format_1_choices_and_new_projects(tmp_path):
    chosen = {**VERSION_1, "training": {"early_stopping": {"patience": 3}}}
    project = Project.from_dict(chosen)
    assert project.training == {"early_stopping": {"patience": 3}} and project.migration_notes == []
    bare = {k: v for k, v in VERSION_1.items() if k != "training"}
    assert Project.from_dict(bare).training == {"early_stopping": None}
    assert TrainSpec.from_dict({}).early_stopping.patience == 10  # a new project stops early


# ---------------------------------------------------------------------- 2 -> 3
def test_a_format_2_embedding_keeps_its_table_of_1000(tmp_path):
    """Format 3 sizes an Embedding from the data's vocabulary; one saved without a size kept 1000."""
    graph = {"nodes": [{"id": "input", "type": "Input", "params": {"shape": [5]}},
                       {"id": "embed", "type": "Embedding", "params": {}},
                       {"id": "sized", "type": "Embedding", "params": {"num_embeddings": 50}}],
             "edges": [{"source": "input", "target": "embed"}, {"source": "input", "target": "sized"}]}
    path = tmp_path / "v2.lfproj"
    path.write_text(json.dumps({"format": "layerforge.project", "format_version": 2, "name": "Old",
                                "graph": graph}))
    project = Project.load(path)
    assert project.graph.nodes["embed"].params == {"num_embeddings": 1000}
    assert project.graph.nodes["sized"].params == {"num_embeddings": 50}
    assert project.migration_notes == ["v2.lfproj: Embedding 'embed' keeps its table of 1000 token"
                                       " ids, as it had when the file was saved (new Embeddings"
                                       " follow the data's vocabulary)"]
    assert json.loads(project.to_json())["format_version"] == 3


# ---------------------------------------------------------------------- the mechanism
@pytest.fixture
def version_three(monkeypatch):
    """Pretend this LayerForge writes format_version 4, with a step from version 3."""
    steps = dict(migrations._STEPS)
    monkeypatch.setattr(migrations, "_STEPS", steps)
    monkeypatch.setattr(migrations, "CURRENT", 4)

    @migrations.migration(3)
    def rename_lr(data):
        training = data.get("training") or {}
        if "lr" in training:
            training["learning_rate"] = training.pop("lr")
            return ["training.lr is now called learning_rate"]
        return []
    return rename_lr


def test_an_older_file_is_migrated_on_load_and_saved_as_the_current_version(version_three, tmp_path):
    path = tmp_path / "old.lfproj"
    path.write_text(json.dumps(OLD))
    project = Project.load(path)
    assert project.training == {"learning_rate": 0.5}
    assert project.migration_notes == ["old.lfproj: training.lr is now called learning_rate"]
    assert check_project(project).notes == project.migration_notes  # `layerforge check` prints them
    saved = json.loads(Project.from_json(project.to_json()).to_json())
    assert saved["format_version"] == 4 and saved["training"] == {"learning_rate": 0.5}


def test_steps_run_one_after_another_from_the_files_version(version_three):
    migrated, notes = migrations.migrate({**VERSION_1, "training": {"lr": 0.1}})
    assert migrated["format_version"] == 4
    assert migrated["training"] == {"learning_rate": 0.1, "early_stopping": None} and len(notes) == 2


def test_migrating_leaves_the_given_data_alone(version_three):
    data = copy.deepcopy(OLD)
    migrated, notes = migrations.migrate(data)
    assert data == OLD and migrated["format_version"] == 4 and notes


def test_a_current_file_passes_unchanged_and_a_newer_one_is_refused(version_three):
    current = {**OLD, "format_version": 4, "training": {"learning_rate": 0.1}}
    assert migrations.migrate(current) == (current, [])
    with pytest.raises(ProjectError, match="saved by a newer LayerForge .*reads up to 4"):
        Project.from_dict({**OLD, "format_version": 5})


def test_one_step_per_version_and_a_missing_step_is_a_bug(version_three, monkeypatch):
    with pytest.raises(ValueError, match="already registered"):
        migrations.migration(3)(lambda data: [])
    monkeypatch.setattr(migrations, "CURRENT", 5)
    with pytest.raises(RuntimeError, match="no migration from project format_version 4"):
        migrations.migrate(OLD)


def test_the_shipped_examples_are_current(examples):
    for path in examples:
        assert Project.load(path).migration_notes == [], path.name
