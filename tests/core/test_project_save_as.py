"""Data settings recorded before a Save As to another folder still name the same files."""

from __future__ import annotations

import copy

from core.project import Project
from tests.core.train.tiny import project


def test_set_data_rebases_settings_written_against_the_old_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "t.csv").write_text("x,y\n1,2\n")
    proj = Project("P", project().graph, {"kind": "csv", "path": "t.csv", "target": "y"},
                   path=tmp_path / "a" / "p.lfproj")
    before, folder = copy.deepcopy(proj.data), proj.directory
    proj.save(tmp_path / "b" / "p.lfproj")
    assert proj.data["path"] == "../a/t.csv"
    proj.set_data(before, relative_to=folder)  # what undo does with what it recorded
    assert proj.data["path"] == "../a/t.csv"
    assert proj.resolve(proj.data["path"]) == (tmp_path / "a" / "t.csv").resolve()
    proj.set_data(before, relative_to=proj.directory)  # same folder: kept exactly as given
    assert proj.data == before
    absolute = {**before, "path": str(tmp_path / "a" / "t.csv")}
    proj.set_data(absolute, relative_to=folder)
    assert proj.data == absolute
    assert Project.load(proj.save()).data == absolute
