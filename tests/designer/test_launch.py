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
    ("quux", "layerforge: unknown command 'quux' (see 'layerforge --help')"),
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


# ---------------------------------------------------------------------- Qt cannot start
def test_a_missing_system_library_is_named_with_its_package(monkeypatch, capsys):
    """Qt would abort with its own message (qFatal) that names no package; we say which."""
    import designer.app
    from designer import qt_check
    from designer.launch import main

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(qt_check.sys, "platform", "linux")
    monkeypatch.setattr(qt_check, "missing_libraries", lambda plugin: ["libxcb-cursor.so.0"])
    opened: list = []
    monkeypatch.setattr(designer.app, "run", lambda args: opened.append(args) or 0)
    assert main([]) == 2 and opened == []
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == ("layerforge: Qt cannot open a window: the system library libxcb-cursor0 is"
                           " missing; install it with: sudo apt-get install libxcb-cursor0")
    monkeypatch.setattr(qt_check, "missing_libraries",
                        lambda plugin: ["libxcb-icccm.so.4", "libxkbcommon-x11.so.0"])
    assert main([]) == 2
    assert capsys.readouterr().err.strip().endswith("sudo apt-get install libxcb-icccm4 libxkbcommon-x11-0")
    # another platform plugin (offscreen, -platform offscreen) needs none of them
    assert main(["-platform", "offscreen"]) == 0
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main([]) == 0 and len(opened) == 2


def test_the_package_names_are_those_the_start_script_installs():
    """``debian_package`` turns the libraries Qt's X11 plugin links into LF_APT_GUI's names."""
    import re
    import shutil

    from designer import qt_check

    script = (ROOT / "packaging" / "bootstrap.sh").read_text()
    wanted = set(re.search(r"LF_APT_GUI=\(([^)]*)\)", script).group(1).split())
    plugin = qt_check.xcb_plugin()
    if plugin is None or shutil.which("ldd") is None:
        pytest.skip("no X11 plugin or no ldd here")
    listing = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    linked = {qt_check.debian_package(line.split()[0]) for line in listing.splitlines() if "=>" in line}
    assert wanted <= linked, wanted - linked


def test_qt_libraries_that_ship_with_pyside_are_never_reported(monkeypatch):
    """In the desktop bundle ldd may not find Qt's own libraries: that is no system package."""
    import subprocess

    from designer import qt_check

    listing = ("\tlibQt6XcbQpa.so.6 => not found\n\tlibxcb-cursor.so.0 => not found\n"
               "\tlibshiboken6.abi3.so.6.11 => not found\n\tlibc.so.6 => /lib/libc.so.6 (0x0)\n")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, listing, ""))
    assert qt_check.missing_libraries(qt_check.Path("/x/libqxcb.so")) == ["libxcb-cursor.so.0"]
