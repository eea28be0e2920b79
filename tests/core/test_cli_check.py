"""``layerforge check`` as a person runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def layerforge(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the console script's entry point in a fresh interpreter."""
    code = ("import sys; from designer.launch import main; code = main(sys.argv[1:]);"
            " assert 'PySide6' not in sys.modules, 'the CLI imported Qt'; sys.exit(code)")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=_env())


def _env():
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_check_prints_every_node_and_the_totals_for_every_example(examples):
    for path in examples:
        result = layerforge("check", str(path))
        assert result.returncode == 0, (path.name, result.stderr)
        project = json.loads(path.read_text())
        for node in project["graph"]["nodes"]:
            assert node["id"] in result.stdout
        assert "parameters" in result.stdout and "multiply-accumulates per sample" in result.stdout
        assert "ready to train" in result.stdout


def test_lenet_shapes_and_totals_are_right():
    result = layerforge("check", str(ROOT / "resources/examples/lenet_shapes.lfproj"))
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    assert lines["pool2"][2] == "16×5×5"
    assert lines["fc1"][3] == "48,120"
    assert "total: 61,111 parameters (0.24 MB as float32)" in result.stdout


BROKEN = {
    "broken_json.lfproj": ("{\"format\": \"layerforge.project\",", "is not valid JSON: line 1"),
    "newer.lfproj": (json.dumps({"format": "layerforge.project", "format_version": 99,
                                 "graph": {"nodes": [], "edges": []}}), "newer LayerForge"),
    "unknown.lfproj": (None, "unknown layer type 'Dense'"),
    "badparam.lfproj": (None, "out_features must be a whole number from 1"),
    "cycle.lfproj": (None, "cycle"),
    "dangling.lfproj": (None, "which does not exist"),
}


def _example_with(change) -> str:
    data = json.loads((ROOT / "resources/examples/spiral_mlp.lfproj").read_text())
    change(data)
    return json.dumps(data)


def _set(data, **kw):
    data["graph"]["nodes"][1].update(kw)


CHANGES = {
    "unknown.lfproj": lambda d: _set(d, type="Dense"),
    "badparam.lfproj": lambda d: _set(d, params={"out_features": -3}),
    "cycle.lfproj": lambda d: d["graph"]["edges"].append({"source": "relu1", "target": "fc1", "target_port": 1}),
    "dangling.lfproj": lambda d: d["graph"]["edges"].append({"source": "relu2", "target": "ghost"}),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_projects_exit_2_with_one_line(tmp_path, name):
    text, expected = BROKEN[name]
    if text is None:
        text = _example_with(CHANGES[name])
    path = tmp_path / name
    path.write_text(text)
    result = layerforge("check", str(path))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_design_with_shape_errors_prints_the_table_and_exits_2(tmp_path):
    data = json.loads((ROOT / "resources/examples/lenet_shapes.lfproj").read_text())
    data["graph"]["nodes"] = [n for n in data["graph"]["nodes"] if n["id"] != "flatten"]
    data["graph"]["edges"] = [e for e in data["graph"]["edges"] if "flatten" not in (e["source"], e["target"])]
    data["graph"]["edges"].append({"source": "pool2", "target": "fc1"})
    path = tmp_path / "noflat.lfproj"
    path.write_text(json.dumps(data))
    result = layerforge("check", str(path))
    assert result.returncode == 2
    assert "16×5×5" in result.stdout
    assert ("Linear 'fc1' needs a flat input but receives (N, 16, 5, 5): add a Flatten before it"
            in result.stderr)
    assert "Traceback" not in result.stderr


def test_missing_file_and_usage_errors_exit_2():
    result = layerforge("check", "/nonexistent/x.lfproj")
    assert result.returncode == 2 and "does not exist" in result.stderr
    result = layerforge("check")
    assert result.returncode == 2
    assert result.stderr.strip() == ("layerforge check: the following arguments are required: project"
                                     " (see 'layerforge check --help')")
