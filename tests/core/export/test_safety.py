"""Opening a run, a checkpoint, weights or an exported model never runs code from it.

Each crafted file holds a pickle that would create a marker file if it were unpickled;
every entry point that reads files is tried, and the marker must never appear.
"""

from __future__ import annotations

import os
import pickle
import shutil

import pytest

from core.cli import main as cli
from core.errors import TrainingError
from core.train.checkpoint import load_checkpoint


class Payload:
    """Unpickling this runs a shell command (what a malicious file would do)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "PWNED"
    # the payload really works when unpickled (so the tests below would notice it)
    pickle.loads(pickle.dumps(Payload(path)))
    assert path.exists()
    path.unlink()
    return path


@pytest.fixture
def run_copy(spiral_run, tmp_path):
    (tmp_path / "points.csv").write_text("x,y\n0.1,0.2\n")
    return shutil.copytree(spiral_run, tmp_path / "run")


def call(*argv, capsys):
    code = cli([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines()


def test_a_pickle_as_model_weights_is_refused_by_predict_and_export(run_copy, marker, tmp_path, capsys):
    (run_copy / "model.safetensors").write_bytes(pickle.dumps(Payload(marker)))
    code, err = call("predict", run_copy, "--data", tmp_path / "points.csv", "--out", tmp_path / "p.csv",
                     capsys=capsys)
    assert code == 2 and len(err) == 1 and "not a valid safetensors weights file" in err[0]
    code, err = call("export", run_copy, "--format", "all", "--out", tmp_path / "out", capsys=capsys)
    assert code == 2 and len(err) == 1 and "model.safetensors" in err[0]
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


def test_a_malicious_checkpoint_is_never_opened_by_predict_or_export_and_refused_by_resume(
        run_copy, marker, tmp_path, capsys):
    import torch

    torch.save({"format": "layerforge.checkpoint", "model": Payload(marker)}, run_copy / "last.ckpt")
    code, _ = call("predict", run_copy, "--data", tmp_path / "points.csv", "--out", tmp_path / "p.csv",
                   capsys=capsys)
    assert code == 0
    code, _ = call("export", run_copy, "--format", "safetensors", "--out", tmp_path / "w.safetensors",
                   capsys=capsys)
    assert code == 0
    with pytest.raises(TrainingError, match="not plain weights .* was not loaded"):
        load_checkpoint(run_copy / "last.ckpt")
    code, err = call("train", "--resume", run_copy, "--epochs", "5", "--quiet", capsys=capsys)
    assert code == 2 and "not plain weights" in err[-1]
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["onnx", "safetensors", "python_weights"])
def test_a_pickle_posing_as_an_exported_model_is_refused(spiral_run, marker, tmp_path, capsys, kind):
    (tmp_path / "points.csv").write_text("x,y\n0.1,0.2\n")
    evil = pickle.dumps(Payload(marker))
    if kind == "onnx":
        model = tmp_path / "model.onnx"
        model.write_bytes(evil)
        words = "not a valid ONNX model"
    elif kind == "safetensors":
        model = tmp_path / "model.safetensors"
        model.write_bytes(evil)
        words = "not a valid safetensors file"
    else:
        assert cli(["export", str(spiral_run), "--format", "python", "--out", str(tmp_path / "code")]) == 0
        model = tmp_path / "code"
        (model / "weights.safetensors").write_bytes(evil)
        words = "not a valid safetensors file"
    capsys.readouterr()
    code, err = call("predict", model, "--data", tmp_path / "points.csv", "--out", tmp_path / "p.csv",
                     capsys=capsys)
    assert code == 2 and len(err) == 1 and words in err[0], err
    assert not marker.exists()


def test_predict_on_an_exported_folder_never_runs_its_python_files(spiral_run, marker, tmp_path, capsys):
    assert cli(["export", str(spiral_run), "--format", "python", "--out", str(tmp_path / "code")]) == 0
    for name in ("model.py", "predict.py", "train.py"):
        with open(tmp_path / "code" / name, "a") as handle:
            handle.write(f"\nimport os\nos.system('touch {marker}')\n")
    (tmp_path / "points.csv").write_text("x,y\n0.1,0.2\n")
    capsys.readouterr()
    code, _ = call("predict", tmp_path / "code", "--data", tmp_path / "points.csv",
                   "--out", tmp_path / "p.csv", capsys=capsys)
    assert code == 0
    assert not marker.exists()
