"""The ``layerforge`` console script: a command, a project file, or a one-line answer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, ROOT


def layerforge(*args: str) -> subprocess.CompletedProcess:
    """The console script in a fresh process; a window that opens (and waits) fails the test."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "designer.launch", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("word, words", [
    ("trian", "layerforge: unknown command 'trian': did you mean 'train'? (see 'layerforge --help')"),
    ("sweep", "layerforge: unknown command 'sweep' (see 'layerforge --help')"),
])
def test_a_word_that_is_no_command_and_no_file_is_one_line(tmp_path, word, words):
    result = layerforge(word, "project.lfproj")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [words]


@pytest.mark.parametrize("name", ["missing.lfproj", "some/folder/net"])
def test_a_missing_project_file_is_one_line(name):
    result = layerforge(name)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"layerforge: no such file '{name}'"), line


@pytest.mark.parametrize("argv", [[], ["{project}"], ["--no-welcome", "{project}"],
                                  ["-platform", "offscreen", "{project}"]])
def test_nothing_or_a_real_project_file_opens_the_window(monkeypatch, argv):
    import designer.app
    from designer.launch import main

    opened: list = []
    monkeypatch.setattr(designer.app, "run", lambda args: opened.append(args) or 0)
    args = [a.format(project=EXAMPLES / "spiral_mlp.lfproj") for a in argv]
    assert main(args) == 0
    assert opened == [args]
