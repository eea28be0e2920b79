"""Device detection: a child process imports torch, so the window's process never waits on it."""

from __future__ import annotations

import subprocess
import sys

from designer import devices

CHECK = """
import sys
from designer.devices import detect
report = detect()
assert report.error == "", report.error
assert "torch" not in sys.modules, "torch was imported in the designer's process"
print(report.torch_version, report.auto, report.devices)
"""


def test_detection_answers_without_importing_torch_here():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    version, auto, _ = out.stdout.split(" ", 2)
    import torch

    assert version == torch.__version__
    assert auto == ("cuda" if torch.cuda.is_available() else "cpu") or auto.startswith("cuda")
    assert "CPU (" in out.stdout


FALLBACK = """
import sys
from designer import devices
devices.sys.executable = "/no/such/python"  # the child cannot start
report = devices.detect()
assert report.error == "", report.error
assert "torch" in sys.modules  # asked in this process instead
print(report.describe("cpu"))
"""


def test_a_child_that_cannot_start_falls_back_to_this_process():
    out = subprocess.run([sys.executable, "-c", FALLBACK], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("CPU (")


def test_once_torch_is_loaded_here_no_child_is_started(monkeypatch):
    import torch  # noqa: F401 - as after a run has started

    def no_child(*_args, **_kwargs):
        raise AssertionError("a child process was started")

    monkeypatch.setattr(devices.subprocess, "run", no_child)
    assert devices.detect().describe("cpu").startswith("CPU (")
