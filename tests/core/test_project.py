"""Project files: round trips, examples, and every kind of broken file refused clearly."""

from __future__ import annotations

import json
import os

import pytest

from core.errors import ProjectError
from core.project import Project

ISSUE_EXAMPLE = {
    "format": "layerforge.project",
    "format_version": 3,
    "name": "Iris MLP",
    "graph": {
        "nodes": [
            {"id": "input", "type": "Input", "params": {}, "pos": [0, 0]},
            {"id": "fc1", "type": "Linear", "params": {"out_features": 16}, "pos": [200, 0]},
            {"id": "act1", "type": "ReLU", "params": {}, "pos": [400, 0]},
            {"id": "out", "type": "Output", "params": {}, "pos": [600, 0]},
        ],
        "edges": [
            {"source": "input", "target": "fc1"},
            {"source": "fc1", "target": "act1"},
            {"source": "act1", "target": "out", "target_port": 0},
        ],
    },
    "data": {"kind": "csv", "path": "iris.csv", "target": "species"},
    "training": {"epochs": 50, "batch_size": 32, "optimizer": "adam", "learning_rate": 0.01},
}


def _variant(**changes):
    data = json.loads(json.dumps(ISSUE_EXAMPLE))
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return data


_DELETE = object()


def test_issue_example_round_trips_unchanged(tmp_path):
    project = Project.from_dict(ISSUE_EXAMPLE)
    saved = project.to_dict()
    expected = json.loads(json.dumps(ISSUE_EXAMPLE))
    expected["graph"]["edges"][2].pop("target_port")  # port 0 is the default and not written
    assert saved == expected


def test_unknown_keys_survive_a_save(tmp_path):
    data = _variant(plugin_settings={"colour": "teal"})
    data["data"]["future_option"] = [1, 2]
    data["training"]["warmup"] = 5
    data["graph"]["nodes"][1]["trainable"] = False
    data["graph"]["nodes"][1]["note"] = "hidden layer"
    path = tmp_path / "p.lfproj"
    Project.from_dict(data, path=path).save()
    again = json.loads(path.read_text())
    assert again["plugin_settings"] == {"colour": "teal"}
    assert again["data"]["future_option"] == [1, 2]
    assert again["training"]["warmup"] == 5
    assert again["graph"]["nodes"][1]["trainable"] is False
    assert again["graph"]["nodes"][1]["note"] == "hidden layer"


def test_examples_load_and_save_byte_identical(examples, tmp_path):
    """Saved beside itself an example is unchanged; saved elsewhere only its relative data
    path and init_from are rewritten (the files an example reads stay the same files)."""
    assert len(examples) >= 9
    for path in examples:
        project = Project.load(path)
        assert project.to_json() == path.read_text(), path.name
        written = (project.data or {}).get("path")
        shipped = project.resolve(written) if written else None
        weights = project.training.get("init_from")
        shipped_weights = project.resolve(weights) if weights else None
        copy = tmp_path / path.name
        project.save(copy)  # rebases a relative data path to the new folder
        again = Project.load(copy)
        if written:
            assert again.resolve(again.data["path"]) == shipped, path.name
            again.data["path"] = written
        if weights:
            assert again.resolve(again.training["init_from"]) == shipped_weights, path.name
            again.training["init_from"] = weights
        assert again.to_json() == path.read_text(), path.name


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "p.lfproj"
    project = Project.from_dict(ISSUE_EXAMPLE, path=path)
    project.save()
    before = path.read_text()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    project.set_name("Changed")
    with pytest.raises(OSError):
        project.save()
    assert path.read_text() == before  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.lfproj"]


def test_save_as_elsewhere_keeps_relative_data_paths_pointing_at_the_same_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "iris.csv").write_text("a,b\n1,2\n")
    data = _variant(data__path="data/iris.csv")
    project = Project.from_dict(data, path=tmp_path / "p.lfproj")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    project.save(tmp_path / "sub" / "deeper" / "q.lfproj")
    assert project.data["path"] == "../../data/iris.csv"
    assert project.resolve(project.data["path"]) == (tmp_path / "data" / "iris.csv").resolve()


def test_relative_paths_resolve_against_the_project_folder(tmp_path):
    project = Project.from_dict(ISSUE_EXAMPLE, path=tmp_path / "x" / "p.lfproj")
    assert project.resolve("iris.csv") == tmp_path / "x" / "iris.csv"


BROKEN = {
    "newer format": (_variant(format_version=7), "newer LayerForge (format version 7"),
    "not a project": ({"hello": 1}, "is not a LayerForge project"),
    "unknown layer": (_variant(graph__nodes__1__type="Conv3d"), "node 'fc1' has an unknown layer type 'Conv3d'"),
    "misspelt layer": (_variant(graph__nodes__1__type="linear"), "did you mean 'Linear'"),
    "bad parameter": (_variant(graph__nodes__1__params={"out_features": -3}),
                      "node 'fc1' (Linear): out_features must be a whole number from 1"),
    "unknown parameter": (_variant(graph__nodes__1__params={"units": 3}),
                          "node 'fc1' (Linear): Linear has no parameter 'units'"),
    "float for int": (_variant(graph__nodes__1__params={"out_features": 16.0}),
                      "write 16 without a decimal point"),
    "dangling edge": (_variant(graph__edges__1={"source": "fc1", "target": "fc9"}),
                      "edge 2 (fc1 -> fc9) points to node 'fc9', which does not exist"),
    "cycle": (_variant(graph__edges__0={"source": "act1", "target": "fc1"}), "cycle"),
    "self loop": (_variant(graph__edges__0={"source": "fc1", "target": "fc1"}), "connects a node to itself"),
    "duplicate id": (_variant(graph__nodes__2__id="fc1"), "node 'fc1' appears twice"),
    "missing type": (_variant(graph__nodes__1__type=_DELETE), "node 'fc1' is missing 'type'"),
    "wrong type": (_variant(graph__nodes="abc"), "graph nodes must be a list"),
    "bad id": (_variant(graph__nodes__1__id="my layer"), "must start with a letter"),
    # A bad training *value* opens (the settings table judges it: tests/core/test_settings_table.py).
    "training not an object": (_variant(training=[1]), "training must be an object, not a list"),
    "bad pos": (_variant(graph__nodes__1__pos=[1]), "pos must hold at least 2 items"),
    "edge into input": (_variant(graph__edges__0={"source": "fc1", "target": "input"}),
                        "leads into Input 'input'"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_projects_are_refused_with_where_and_what(name):
    data, expected = BROKEN[name]
    with pytest.raises(ProjectError) as info:
        Project.from_json(json.dumps(data), path="broken.lfproj")
    message = str(info.value)
    assert expected in message
    assert message.startswith("broken.lfproj")
    assert "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize("text,expected", [
    ("{\"format\": ", "is not valid JSON: line 1, column 12"),
    ("", "is not valid JSON"),
    ("[" * 100000, "nested too deeply"),
    ('{"format": "layerforge.project", "format_version": 1, "graph": {"nodes": [], "edges": []}, "x": NaN}',
     "NaN is not allowed"),
])
def test_unparseable_text_is_refused(text, expected):
    with pytest.raises(ProjectError, match=expected):
        Project.from_json(text, path="broken.lfproj")


def test_binary_and_missing_files_are_refused(tmp_path):
    binary = tmp_path / "image.lfproj"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ProjectError, match="not text"):
        Project.load(binary)
    with pytest.raises(ProjectError, match="does not exist"):
        Project.load(tmp_path / "nope.lfproj")
    with pytest.raises(ProjectError, match="is a folder"):
        Project.load(tmp_path)


def test_several_problems_are_all_reported():
    data = _variant(graph__nodes__1__params={"out_features": -3}, graph__nodes__2__type="Relu")
    with pytest.raises(ProjectError) as info:
        Project.from_dict(data, path="p.lfproj")
    assert len(info.value.problems) == 2
    assert "(and 1 more problems)" in str(info.value)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.lfproj"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ISSUE_EXAMPLE).encode())
    assert Project.load(path).name == "Iris MLP"


def test_signals_report_section_changes():
    project = Project.from_dict(ISSUE_EXAMPLE)
    seen = []
    project.changed.connect(lambda: seen.append("changed"))
    project.data_changed.connect(lambda: seen.append("data"))
    project.set_data({"kind": "builtin", "name": "spiral"})
    project.graph.set_param("fc1", "out_features", 8)
    assert seen == ["data", "changed", "changed"]
