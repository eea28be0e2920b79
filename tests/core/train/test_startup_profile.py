"""``layerforge train --profile-startup`` says where the time before the first batch goes."""

from __future__ import annotations

import re

from core.cli import main
from tests.core.train.tiny import project


def test_each_phase_to_the_first_batch_gets_a_line(tmp_path, capsys):
    proj = project(tmp_path)
    assert main(["train", str(proj.path), "--epochs", "1", "--quiet", "--profile-startup",
                 "--run-dir", str(tmp_path / "run")]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("startup:")]
    phases = [re.sub(r"^startup:\s+[\d.]+ s\s+", "", line) for line in lines]
    assert phases[:4] == ["start Python and import LayerForge's command line", "import PyTorch",
                          "read the project", "load the data"]
    assert phases[-2:] == ["first batch", "in all, from the process's start to the end of the first batch"]
    seconds = [float(re.search(r"([\d.]+) s", line).group(1)) for line in lines]
    assert abs(sum(seconds[:-1]) - seconds[-1]) < 0.05  # the phases add up to the whole


def test_without_the_flag_nothing_is_said(tmp_path, capsys):
    proj = project(tmp_path)
    assert main(["train", str(proj.path), "--epochs", "1", "--quiet", "--run-dir", str(tmp_path / "run")]) == 0
    assert "startup:" not in capsys.readouterr().err
