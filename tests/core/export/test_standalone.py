"""The standalone-code export in a virtual environment with torch, numpy, safetensors,
pandas and Pillow, but not LayerForge: predict.py agrees with ``layerforge predict``, and
train.py trains in one process and under torchrun (2 processes, DDP on CPU).

The environment is made once (``python -m venv`` + pip from the configured index, torch
pinned to LayerForge's version) and kept in pytest's cache folder for the next runs.
"""

from __future__ import annotations

import csv
import fcntl
import subprocess
import sys

import numpy as np
import pytest
import torch

from core.cli import main as cli

pytestmark = pytest.mark.slow

PACKAGES = [f"torch=={torch.__version__.split('+')[0]}", "numpy", "safetensors", "pandas", "pillow"]


def _works(python) -> bool:
    if not python.exists():
        return False
    probe = "import torch, numpy, safetensors, pandas, PIL; print(torch.__version__)"
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.startswith(PACKAGES[0].split("==")[1])


@pytest.fixture(scope="session")
def venv_python(request):
    """The Python of a virtual environment without LayerForge (made once, then reused)."""
    cache = request.config.cache.mkdir("standalone-venv")
    folder = cache / f"py{sys.version_info[0]}{sys.version_info[1]}-{PACKAGES[0].replace('==', '-')}"
    python = folder / "bin" / "python"
    with open(cache / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one maker at a time (pytest-xdist)
        if not _works(python):
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PACKAGES], check=True,
                           capture_output=True)
    assert _works(python)
    done = subprocess.run([str(python), "-c", "import core"], capture_output=True, text=True, cwd=folder)
    assert done.returncode != 0 and "No module named 'core'" in done.stderr
    return str(python)


def _child_error(stderr: str) -> str:
    """The worker's own traceback, not only the launcher's (which comes last)."""
    start = stderr.find("Traceback")
    return stderr[start:start + 3000] if start >= 0 else stderr[-3000:]


def export_code(run, folder, capsys):
    assert cli(["export", str(run), "--format", "python", "--out", str(folder)]) == 0
    capsys.readouterr()
    return folder


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assert_same_predictions(mine, theirs):
    assert mine[0] == theirs[0]
    assert [r[:2] for r in mine] == [r[:2] for r in theirs]  # identifiers and predictions
    numbers = np.array([[float(v) for v in r[1 if len(r) == 2 else 2:]] for r in mine[1:]])
    others = np.array([[float(v) for v in r[1 if len(r) == 2 else 2:]] for r in theirs[1:]])
    np.testing.assert_allclose(numbers, others, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("which", ["classification", "regression", "images"])
def test_predict_py_agrees_with_layerforge_predict(venv_python, table_runs, image_run, which, tmp_path, capsys):
    run = image_run if which == "images" else table_runs[which]
    data = run.parent / ("images" if which == "images" else "table.csv")
    code = export_code(run, tmp_path / "code", capsys)
    assert cli(["predict", str(run), "--data", str(data), "--out", str(tmp_path / "lf.csv")]) == 0
    capsys.readouterr()
    done = subprocess.run([venv_python, str(code / "predict.py"), str(data), "--out", str(tmp_path / "sa.csv")],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert_same_predictions(read(tmp_path / "sa.csv"), read(tmp_path / "lf.csv"))


def test_train_py_in_one_process_and_with_torchrun(venv_python, table_runs, tmp_path, capsys):
    run = table_runs["classification"]
    data = run.parent / "table.csv"
    code = export_code(run, tmp_path / "code", capsys)
    single = subprocess.run([venv_python, "train.py", "--data", str(data), "--epochs", "2",
                             "--out", str(tmp_path / "one.safetensors")], cwd=code, capture_output=True, text=True)
    assert single.returncode == 0, single.stderr
    assert "epoch 2/2: train loss" in single.stdout and "val accuracy" in single.stdout
    ddp = subprocess.run([venv_python, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                          "train.py", "--data", str(data), "--epochs", "2", "--out", str(tmp_path / "two.safetensors")],
                         cwd=code, capture_output=True, text=True, timeout=300)
    assert ddp.returncode == 0, _child_error(ddp.stderr)
    assert ddp.stdout.count("epoch 2/2") == 1  # rank 0 reports
    from safetensors.torch import load_file

    one, two = load_file(str(tmp_path / "one.safetensors")), load_file(str(tmp_path / "two.safetensors"))
    assert one.keys() == two.keys()
    for name in one:  # the same global batches: DDP gives (nearly) the single-process weights
        torch.testing.assert_close(one[name], two[name], rtol=1e-4, atol=1e-5)
    # the retrained weights work with predict.py
    done = subprocess.run([venv_python, "predict.py", str(data), "--weights", str(tmp_path / "two.safetensors"),
                           "--out", str(tmp_path / "p.csv")], cwd=code, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(read(tmp_path / "p.csv")) == 161


def test_predict_py_names_a_missing_column(venv_python, table_runs, tmp_path, capsys):
    code = export_code(table_runs["regression"], tmp_path / "code", capsys)
    (tmp_path / "bad.csv").write_text("a,b,colour\n1,2,red\n")
    done = subprocess.run([venv_python, str(code / "predict.py"), str(tmp_path / "bad.csv")],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == ("predict.py: bad.csv has no column 'city', which the model was trained"
                                   " on: add it (the file needs the same columns as the training data)")
