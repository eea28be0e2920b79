"""The standalone-code export in a virtual environment with torch, numpy, safetensors,
pandas, Pillow and tokenizers (text columns), but not LayerForge: predict.py agrees with ``layerforge predict``, and
train.py trains in one process and under torchrun (2 processes, DDP on CPU).

The environment (``python -m venv`` + pip from the configured index, torch pinned to
LayerForge's version, about a minute) is made once per machine and reused by every later
run, with or without pytest's cache (CI runs with ``-p no:cacheprovider``): it lives in
``$XDG_CACHE_HOME/layerforge-test-venvs/<key>`` (``~/.cache/...``), or under
``$LAYERFORGE_TEST_VENV`` when that is set, where ``<key>`` is a hash of what it holds
(the package list, this Python's version and base installation). It is built in a
temporary folder beside it and renamed into place, so a run that is killed while
building leaves no half-made environment behind; a file lock keeps parallel sessions
from building it twice. Only ``bin/python`` (and ``python -m ...``) is used from it:
pip's console scripts keep the temporary folder's path in their first line.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import main as cli

pytestmark = pytest.mark.slow

PACKAGES = [f"torch=={torch.__version__.split('+')[0]}", "numpy", "safetensors", "pandas", "pillow",
            "tokenizers"]


def _works(python) -> bool:
    if not python.exists():
        return False
    probe = "import torch, numpy, safetensors, pandas, PIL, tokenizers; print(torch.__version__)"
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.startswith(PACKAGES[0].split("==")[1])


def venv_key() -> str:
    """A short hash of what the environment holds: same key, same environment."""
    described = {"packages": PACKAGES, "python": platform.python_version(),
                 "implementation": sys.implementation.name, "machine": platform.machine(),
                 "base": os.path.realpath(sys.base_prefix)}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def _build_venv(folder: Path) -> None:
    """Make the environment in a temporary folder beside ``folder``, then rename it into place."""
    for stale in folder.parent.glob(f".{folder.name}-building-*"):  # a killed build (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    building = Path(tempfile.mkdtemp(prefix=f".{folder.name}-building-", dir=folder.parent))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(building)], check=True,
                       capture_output=True)
        pip_home = building / ".pip-home"  # pip writes nothing to the real home folder
        env = {**os.environ, "HOME": str(pip_home), "PIP_NO_CACHE_DIR": "1"}
        env.pop("PYTHONPATH", None)
        done = subprocess.run([str(building / "bin" / "python"), "-m", "pip", "install", "--quiet",
                               *PACKAGES], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            pytest.fail(f"pip could not install {' '.join(PACKAGES)} for the standalone test:"
                        f" {done.stderr[-2000:]}")
        shutil.rmtree(pip_home, ignore_errors=True)
        if folder.exists() or folder.is_symlink():  # a broken one: move it aside, then delete
            broken = folder.with_name(f".{folder.name}-broken-{os.getpid()}")
            os.rename(folder, broken)
            shutil.rmtree(broken, ignore_errors=True)
        os.rename(building, folder)
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)


@pytest.fixture(scope="session")
def venv_python(machine_cache):
    """The Python of a virtual environment without LayerForge (made once per machine, then reused)."""
    if os.environ.get("LAYERFORGE_TEST_VENV"):
        root = Path(os.environ["LAYERFORGE_TEST_VENV"]).expanduser()
    else:
        root = machine_cache / "layerforge-test-venvs"
    root.mkdir(parents=True, exist_ok=True)
    folder = root / venv_key()
    python = folder / "bin" / "python"
    if not _works(python):
        with open(root / f"{folder.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one maker at a time (pytest-xdist, parallel CI jobs)
            if not _works(python):  # another process may have made it while we waited
                _build_venv(folder)
    assert _works(python), f"{folder} does not hold a working environment"
    # Isolation: neither LayerForge package can be imported there, in the environment the
    # tests below run it in (predict.py and train.py must not need them).
    for package in ("core", "designer"):
        done = subprocess.run([str(python), "-c", f"import {package}"], capture_output=True,
                              text=True, cwd=folder)
        assert done.returncode != 0 and f"No module named '{package}'" in done.stderr, done.stderr
    return str(python)


def _child_error(stderr: str) -> str:
    """The workers' own messages (a traceback, or C++'s words before an abort), then the launcher's."""
    return stderr[:3000] + ("\n...\n" + stderr[-1500:] if len(stderr) > 4500 else stderr[3000:])


def _torchrun(command: list[str], folder) -> subprocess.CompletedProcess:
    """Run torchrun; once more if a worker was killed by a signal (not a Python error).

    On a loaded two-core machine gloo's TCP pairs can, rarely, abort a worker with SIGABRT
    while the process group is torn down (pytorch/gloo: "Connection closed by peer"), after
    training finished. A second failure, or any Python error, still fails the test.
    """
    for attempt in range(2):
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
        signalled = "(SIGABRT)" in done.stderr or "(SIGSEGV)" in done.stderr
        if done.returncode == 0 or not signalled:
            return done
    return done


@pytest.fixture(scope="module")
def text_run(tmp_path_factory, session_env):
    """A run on a CSV of sentences: Input(columns=[review]) -> Embedding -> Flatten -> Output."""
    from tests.core.data.text_corpus import text_project
    from tests.core.export import projects

    root = tmp_path_factory.mktemp("text")
    return projects.train(text_project(root, rows=120, epochs=1, max_length=8), root / "run")


@pytest.fixture(scope="module")
def code(table_runs, image_run, sequence_run, text_run, tmp_path_factory):
    """The standalone-code export of each run (read-only for the tests)."""
    root = tmp_path_factory.mktemp("code")
    runs = {**table_runs, "images": image_run, "series": sequence_run, "text": text_run}
    for name, run in runs.items():
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli(["export", str(run), "--format", "python", "--out", str(root / name)]) == 0
    return {name: (run, root / name) for name, run in runs.items()}


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assert_same_predictions(mine, theirs):
    assert mine[0] == theirs[0]
    assert [r[:2] for r in mine] == [r[:2] for r in theirs]  # identifiers and predictions
    numbers = np.array([[float(v) for v in r[1 if len(r) == 2 else 2:]] for r in mine[1:]])
    others = np.array([[float(v) for v in r[1 if len(r) == 2 else 2:]] for r in theirs[1:]])
    np.testing.assert_allclose(numbers, others, rtol=1e-6, atol=1e-7)


DATA = {"classification": "table.csv", "regression": "table.csv", "images": "images", "series": "series.csv",
        "text": "reviews.csv"}


@pytest.mark.parametrize("which", list(DATA))
def test_predict_py_agrees_with_layerforge_predict(venv_python, code, which, tmp_path, capsys):
    run, folder = code[which]
    data = run.parent / DATA[which]
    assert cli(["predict", str(run), "--data", str(data), "--out", str(tmp_path / "lf.csv")]) == 0
    capsys.readouterr()
    done = subprocess.run([venv_python, str(folder / "predict.py"), str(data), "--out", str(tmp_path / "sa.csv")],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert_same_predictions(read(tmp_path / "sa.csv"), read(tmp_path / "lf.csv"))


def test_train_py_in_one_process_and_with_torchrun(venv_python, code, tmp_path):
    run, folder = code["classification"]
    data = run.parent / "table.csv"
    single = subprocess.run([venv_python, "train.py", "--data", str(data), "--epochs", "2",
                             "--out", str(tmp_path / "one.safetensors")], cwd=folder, capture_output=True, text=True)
    assert single.returncode == 0, single.stderr
    assert "epoch 2/2: train loss" in single.stdout and "val accuracy" in single.stdout
    ddp = _torchrun([venv_python, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                     "train.py", "--data", str(data), "--epochs", "2", "--out", str(tmp_path / "two.safetensors")],
                    folder)
    assert ddp.returncode == 0, _child_error(ddp.stderr)
    assert ddp.stdout.count("epoch 2/2") == 1  # rank 0 reports
    from safetensors.torch import load_file

    one, two = load_file(str(tmp_path / "one.safetensors")), load_file(str(tmp_path / "two.safetensors"))
    assert one.keys() == two.keys()
    for name in one:  # the same global batches: DDP gives (nearly) the single-process weights
        torch.testing.assert_close(one[name], two[name], rtol=1e-4, atol=1e-5)
    # the retrained weights work with predict.py
    done = subprocess.run([venv_python, "predict.py", str(data), "--weights", str(tmp_path / "two.safetensors"),
                           "--out", str(tmp_path / "p.csv")], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(read(tmp_path / "p.csv")) == 161


def test_predict_py_names_a_missing_column(venv_python, code, tmp_path):
    (tmp_path / "bad.csv").write_text("a,b,colour\n1,2,red\n")
    done = subprocess.run([venv_python, str(code["regression"][1] / "predict.py"), str(tmp_path / "bad.csv")],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == ("predict.py: bad.csv has no column 'city', which the model was trained"
                                   " on: add it (the file needs the same columns as the training data)")


def test_predict_py_of_a_text_model_says_to_install_tokenizers_when_it_is_missing(venv_python, code, tmp_path):
    run, folder = code["text"]
    block = ("import runpy, sys; sys.modules['tokenizers'] = None;"  # as if it were not installed
             f" sys.argv = ['predict.py', {str(run.parent / 'reviews.csv')!r}];"
             f" runpy.run_path({str(folder / 'predict.py')!r}, run_name='__main__')")
    done = subprocess.run([venv_python, "-c", block], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == ("predict.py: this model reads text columns, which needs the"
                                   " tokenizers package: pip install tokenizers")


def test_predict_py_refuses_or_warns_when_numbers_do_not_read_as_numbers(venv_python, code, tmp_path):
    """A file with another delimiter and decimal mark than the training file's: each mismatch
    named with the option that fixes it, never predictions made on filled-in values."""
    run, folder = code["classification"]
    lines = (run.parent / "table.csv").read_text().splitlines()
    (tmp_path / "semi.csv").write_text("\n".join(line.replace(",", ";").replace(".", ",") for line in lines) + "\n")

    def predict(*args):
        return subprocess.run([venv_python, str(folder / "predict.py"), *args, "--out", str(tmp_path / "p.csv")],
                              cwd=tmp_path, capture_output=True, text=True)

    done = predict("semi.csv")
    assert done.returncode == 2 and "the header reads as one column" in done.stderr
    assert "give --delimiter ';'" in done.stderr
    done = predict("semi.csv", "--delimiter", ";")
    assert done.returncode == 2, done.stdout
    assert "no cell of the numeric column 'a' is a number (such as" in done.stderr
    assert "give --decimal ','" in done.stderr
    done = predict("semi.csv", "--delimiter", ";", "--decimal", ",")
    assert done.returncode == 0, done.stderr
    semi = read(tmp_path / "p.csv")
    assert predict(str(run.parent / "table.csv")).returncode == 0
    assert_same_predictions(semi, read(tmp_path / "p.csv"))
    # some cells that are not numbers: predicted, with a warning that names them
    typos = [line if i % 10 else ",".join([line.split(",")[0], "12kg", *line.split(",")[2:]])
             for i, line in enumerate(lines[1:])]  # every tenth row's 'a'
    (tmp_path / "typos.csv").write_text("\n".join([lines[0], *typos]) + "\n")
    done = predict("typos.csv")
    assert done.returncode == 0, done.stderr
    assert "warning: 16 of 160 cells of 'a'" in done.stderr and "'12kg'" in done.stderr


def test_predict_py_and_layerforge_predict_number_rows_past_blank_lines_alike(venv_python, code, tmp_path, capsys):
    """Blank lines count in the row numbers both give (as in an editor and a spreadsheet)."""
    run, folder = code["classification"]
    lines = (run.parent / "table.csv").read_text().splitlines()
    gappy = [lines[0], "", *lines[1:4], "", "", *lines[4:]]  # rows 1-3 after one blank, the rest after three
    (tmp_path / "gappy.csv").write_text("\n".join(gappy) + "\n")
    assert cli(["predict", str(run), "--data", str(tmp_path / "gappy.csv"), "--out", str(tmp_path / "lf.csv")]) == 0
    capsys.readouterr()
    done = subprocess.run([venv_python, str(folder / "predict.py"), "gappy.csv", "--out", str(tmp_path / "sa.csv")],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    mine, theirs = read(tmp_path / "sa.csv"), read(tmp_path / "lf.csv")
    assert_same_predictions(mine, theirs)
    assert [r[0] for r in theirs[1:6]] == ["3", "4", "5", "8", "9"]


def test_values_never_seen_in_training_are_named_by_both_predicts(venv_python, code, tmp_path, capsys):
    """A category the model never saw is read as none (one-hot) or as the fill category
    (codes): both say which values, in how many rows, and that those predictions guess."""
    run, folder = code["classification"]
    lines = (run.parent / "table.csv").read_text().splitlines()
    header = lines[0].split(",")
    colour, city = header.index("colour"), header.index("city")
    changed = []
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        if i in (4, 9):
            cells[colour] = "purple"
        if i == 6:
            cells[colour], cells[city] = "teal", "atlantis"
        changed.append(",".join(cells))
    (tmp_path / "new.csv").write_text("\n".join([lines[0], *changed]) + "\n")
    assert cli(["predict", str(run), "--data", str(tmp_path / "new.csv"), "--out", str(tmp_path / "lf.csv")]) == 0
    said = " ".join(capsys.readouterr())
    done = subprocess.run([venv_python, str(folder / "predict.py"), "new.csv", "--out", str(tmp_path / "sa.csv")],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for text in (said, done.stderr):
        assert ("column 'colour' holds 2 values the model never saw in training ('purple', 'teal') in 3 of"
                " 160 rows, the first in row 6: the model reads them as no known category") in text
        assert "column 'city' holds 1 value the model never saw in training ('atlantis') in 1 of 160 rows" in text
        assert "the model reads it as the category" in text
    assert_same_predictions(read(tmp_path / "sa.csv"), read(tmp_path / "lf.csv"))
