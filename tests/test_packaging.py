"""Packaging pieces that can be checked without building the bundle (CI builds it too)."""

from __future__ import annotations

import configparser
import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "resources" / "app"


def test_desktop_entry_opens_lfproj_files_with_the_app():
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(APP / "layerforge.desktop")
    section = entry["Desktop Entry"]
    assert section["Exec"].startswith("layerforge ") and "%f" in section["Exec"]
    assert section["Icon"] == "layerforge"
    mime = ET.parse(APP / "layerforge-mime.xml").getroot()
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    mime_type = mime.find("m:mime-type", ns)
    assert mime_type.get("type") + ";" == section["MimeType"]
    assert mime_type.find("m:glob", ns).get("pattern") == "*.lfproj"


def test_icons_exist_at_the_usual_sizes():
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(APP / "icons" / f"layerforge-{size}.png") as image:
            assert image.size == (size, size) and image.mode == "RGBA"
    assert "<svg" in (APP / "layerforge.svg").read_text()


def _entry_module():
    spec = importlib.util.spec_from_file_location("lf_entry", ROOT / "packaging" / "entry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundle_entry_answers_interpreter_calls(tmp_path, monkeypatch):
    entry = _entry_module()
    out = tmp_path / "out.txt"
    code = f"import sys; open({str(out)!r}, 'w').write(' '.join(sys.argv))"
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    assert entry._run_as_interpreter(["-I", "-S", "-c", code, "script.py", "a"]) == 0
    assert out.read_text() == "-c script.py a"
    assert entry._run_as_interpreter(["my.lfproj"]) is None
    assert entry._run_as_interpreter([]) is None


def test_smoke_test_flag_trains_an_example_headless():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "designer.launch", "--smoke-test"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "smoke test: OK" in result.stdout and "trained 1 epoch (completed)" in result.stdout
    assert "exported onnx (verified) and python (verified)" in result.stdout
    assert "devices CPU (" in result.stdout


def test_every_resource_file_is_in_the_package_data():
    """A pip install (not only a checkout) must carry every shipped resource, e.g. an example's
    pretrained weights: each file under resources/ matches one of pyproject's globs."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["resources"]
    resources = ROOT / "resources"
    missing = [str(path.relative_to(resources)) for path in resources.rglob("*")
               if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".py"
               and not any(fnmatch.fnmatch(path.name, pattern.split("/")[-1]) for pattern in globs)]
    assert missing == []


def test_the_bundle_ships_the_source_files_the_standalone_export_copies():
    """The bundle's Python is compiled into an archive: each file the standalone-code export
    copies as source must be listed as data in the spec, or that export fails in the bundle."""
    from core.export.python_format import SHARED_MODULES

    spec = (ROOT / "packaging" / "layerforge.spec").read_text(encoding="utf-8")
    for module in SHARED_MODULES:
        assert f'(str(ROOT / "core" / "data" / "{module}"), "core/data")' in spec, module
    assert '"core" / "layers" / "torch_modules.py"' in spec and '"core" / "export" / "standalone"' in spec
