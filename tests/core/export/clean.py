"""Running Python without LayerForge: ``-I -S`` and only the installed packages on the path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.export.verify import site_paths


def run_without_layerforge(script: str, cwd: Path, *args: str, python: str | None = None,
                           paths: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run ``script`` (source text) in a fresh interpreter whose ``sys.path`` holds the
    installed packages (no ``.pth`` hooks, so no editable LayerForge) and not the repository."""
    bootstrap = (f"import sys\nsys.path[:0] = {list(paths if paths is not None else site_paths())!r}\n"
                 "sys.argv = sys.argv[1:]\n"
                 "exec(compile(open(sys.argv[0]).read(), sys.argv[0], 'exec'), {'__name__': '__main__'})\n")
    path = cwd / "_check.py"
    path.write_text(script, encoding="utf-8")
    command = [python or sys.executable, "-I", "-S", "-c", bootstrap, str(path), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


#: The first lines of every check script: LayerForge must not be importable there.
NO_LAYERFORGE = """
import importlib.util, sys
assert importlib.util.find_spec("core") is None, "LayerForge (core) is importable: " + str(sys.path)
assert importlib.util.find_spec("designer") is None
"""
