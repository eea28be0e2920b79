"""``layerforge train`` as a person runs it: exit codes, one-line messages, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.cli import main
from tests.core.train.tiny import metrics_rows, project

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "resources" / "sample_data"


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def layerforge(*args: str, **kw) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-m", "core.cli", *args]
    if kw.pop("background", False):
        return subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_training_prints_the_result_and_the_run_folder(tmp_path, capsys):
    path = project(tmp_path).path
    code = main(["train", str(path), "--epochs", "2", "--batch-size", "32", "--lr", "0.01",
                 "--run-dir", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert code == 0, err
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    from core.train.device import resolve

    # The line names the device that trained: what "auto" picks here (cpu, cuda:0 or mps).
    assert run["device"] == resolve("auto", "float32").device
    assert "Tiny: completed after 2 of 2 epochs" in out and f" on {run['device']}," in out
    assert "best epoch" in out and "val_accuracy" in out
    assert f"run directory: {tmp_path / 'run'}" in out
    assert run["training"]["batch_size"] == 32 and run["training"]["learning_rate"] == 0.01
    assert run["project"]["training"]["epochs"] == 2
    assert "epoch 2/2" in err  # the progress bar is on stderr


def test_data_and_target_from_the_command_line(tmp_path, capsys):
    path = project(tmp_path).path
    code = main(["train", str(path), "--data", str(SAMPLES / "flowers.csv"), "--target", "species",
                 "--epochs", "1", "--run-dir", str(tmp_path / "run"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["project"]["data"]["kind"] == "csv" and run["project"]["data"]["target"] == "species"
    assert run["data"]["info"]["class_names"] == ["setosa", "versicolor", "virginica"]


@pytest.mark.parametrize("args, words", [
    ([], "give a project file to train, or --resume RUN_DIR"),
    (["{tmp}/nothing.lfproj"], "nothing.lfproj does not exist"),
    (["{project}", "--resume", "{tmp}", "--batch-size", "4"], "cannot change when a run is continued"),
    (["--resume", "{tmp}/nowhere"], "is not a folder"),
    (["{nodata}"], "the project has no data yet"),
    (["{badtraining}"], "training.momentum applies to 'sgd' and 'rmsprop', not 'adam'"),
    (["{project}", "--device", "cuda"], "no CUDA GPU"),
])
def test_a_persons_mistake_exits_2_with_one_line(tmp_path, capsys, args, words):
    if "--device" in args:
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has a GPU")
    paths = {"tmp": str(tmp_path), "project": str(project(tmp_path).path),
             "nodata": str(project(tmp_path, name="NoData", data={}).path)}
    bad = project(tmp_path, name="Bad", training={"optimizer": "adam", "momentum": 0.9})
    paths["badtraining"] = str(bad.path)
    nodata = project(tmp_path, name="NoData2")
    nodata.data = None
    nodata.save(tmp_path / "nodata.lfproj")
    paths["nodata"] = str(tmp_path / "nodata.lfproj")
    code = main(["train", *[a.format(**paths) for a in args]])
    out, err = capsys.readouterr()
    assert code == 2
    line = _one_line(err)
    assert line.startswith("layerforge train: ") and words in line, line


def test_bad_numbers_are_refused_by_the_parser(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "x.lfproj", "--epochs", "0"])
    assert exit_info.value.code == 2
    assert "expected a whole number of at least 1" in capsys.readouterr().err


def test_a_diverging_loss_exits_2_with_advice(tmp_path, capsys):
    data = {"kind": "csv", "path": str(SAMPLES / "flowers.csv"), "target": "petal_width"}
    path = project(tmp_path, data=data, training={"optimizer": "sgd", "learning_rate": 10.0,
                                                  "epochs": 5}).path
    code = main(["train", str(path), "--run-dir", str(tmp_path / "run"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "failed" in out
    line = _one_line(err)
    assert "loss became" in line and "lower learning rate" in line
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "failed"


@pytest.mark.slow
def test_a_killed_training_resumes_from_its_last_epoch_and_ends_as_if_never_killed(tmp_path):
    training = {"epochs": 30, "batch_size": 8, "optimizer": "sgd", "momentum": 0.9,
                "learning_rate": 0.01, "seed": 7}
    data = {"kind": "builtin", "name": "gaussian", "samples": 1500, "classes": 3, "seed": 1}
    path = project(tmp_path, data=data, training=training).path
    killed = tmp_path / "killed"
    process = layerforge("train", str(path), "--run-dir", str(killed), "--quiet", background=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            metrics = killed / "metrics.csv"
            # The first write comes a quarter second into training; later ones when writing
            # costs little of the time since the last write (core/train/saving.py), so on a
            # fast machine the next write may be the last epoch's: kill after the first.
            if metrics.exists() and len(metrics.read_text().splitlines()) >= 2:
                break
            time.sleep(0.005)
        assert process.poll() is None, "training ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(30)
        process.stdout.close()
        process.stderr.close()
    run = json.loads((killed / "run.json").read_text())
    assert run["status"] == "running"  # it never got to say anything else
    import torch

    # The checkpoint is written before metrics.csv and run.json: it is the truth.
    done = torch.load(killed / "last.ckpt", weights_only=True)["epoch"]
    assert 1 <= done < 30
    resumed = layerforge("train", "--resume", str(killed), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert "completed after 30 of 30 epochs" in resumed.stdout
    whole = layerforge("train", str(path), "--run-dir", str(tmp_path / "whole"), "--quiet")
    assert whole.returncode == 0, whole.stderr
    assert metrics_rows(killed) == metrics_rows(tmp_path / "whole")  # bitwise
    run = json.loads((killed / "run.json").read_text())
    assert run["status"] == "completed" and run["resumed"][0]["at_epoch"] == done


def test_continuing_a_completed_run_without_more_epochs_says_how_to_go_on(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", str(project(tmp_path).path), "--epochs", "2", "--run-dir", str(run), "--quiet"]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    for extra in ([], ["--epochs", "2"], ["--epochs", "1"]):
        assert main(["train", "--resume", str(run), "--quiet", *extra]) == 0
        out = capsys.readouterr().out
        assert "run already completed 2 of 2 epochs: nothing to continue" in out
        assert "give --epochs with a total above 2" in out
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # nothing was rewritten
    assert main(["train", "--resume", str(run), "--epochs", "3", "--quiet"]) == 0
    assert len(metrics_rows(run)) == 3


def test_a_run_folder_that_holds_a_run_is_never_replaced_without_overwrite(tmp_path, capsys):
    path = project(tmp_path).path
    run = tmp_path / "run"
    args = ["train", str(path), "--epochs", "1", "--run-dir", str(run), "--quiet"]
    assert main(args) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    assert main(args) == 2
    out, err = capsys.readouterr()
    line = _one_line(err)
    assert line.startswith("layerforge train: ") and str(run) in line and "--overwrite" in line
    assert "--resume" in line and "completed" in line, line
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # nothing was touched
    # a run with no checkpoint (stopped before its first epoch) is not offered --resume
    (run / "last.ckpt").rename(tmp_path / "kept.ckpt")
    assert main(args) == 2
    line = _one_line(capsys.readouterr().err)
    assert "--overwrite" in line and "--resume" not in line, line
    (tmp_path / "kept.ckpt").rename(run / "last.ckpt")
    # continuing the same run is what --resume is for
    assert main(["train", "--resume", str(run), "--epochs", "2", "--quiet"]) == 0
    assert len(metrics_rows(run)) == 2
    # a folder with other files in it is not a run folder to write into either
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.txt").write_text("precious")
    assert main(["train", str(path), "--epochs", "1", "--run-dir", str(tmp_path / "notes"), "--quiet"]) == 2
    assert "already holds" in _one_line(capsys.readouterr().err)
    assert sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["thesis.txt"]
    # an empty folder is fine, and --overwrite replaces the finished run
    (tmp_path / "empty").mkdir()
    assert main(["train", str(path), "--epochs", "1", "--run-dir", str(tmp_path / "empty"), "--quiet"]) == 0
    assert main([*args, "--overwrite"]) == 0
    assert len(metrics_rows(run)) == 1


def test_overwrite_keeps_the_old_run_until_the_new_one_can_start(tmp_path, capsys):
    path = project(tmp_path).path
    run = tmp_path / "run"
    assert main(["train", str(path), "--epochs", "2", "--run-dir", str(run), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    code = main(["train", str(path), "--data", str(tmp_path / "missing.csv"), "--run-dir", str(run),
                 "--overwrite", "--quiet"])
    assert code == 2
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # a mistake loses nothing
    assert main(["train", str(path), "--epochs", "1", "--run-dir", str(run), "--overwrite", "--quiet"]) == 0
    assert len(metrics_rows(run)) == 1


def test_a_run_folder_that_is_a_file_gets_a_sentence(tmp_path, capsys):
    path = project(tmp_path).path
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for extra in ([], ["--overwrite"]):
        assert main(["train", str(path), "--epochs", "1", "--run-dir", str(afile), "--quiet", *extra]) == 2
        line = _one_line(capsys.readouterr().err)
        assert f"{afile} is a file, not a folder" in line, line
    assert afile.read_text() == "keep me"


def test_a_folder_another_run_trains_in_is_never_written_by_a_second_one(tmp_path, capsys):
    from core.train.rundir import lock_folder

    path = project(tmp_path).path
    run = tmp_path / "run"
    assert main(["train", str(path), "--epochs", "1", "--run-dir", str(run), "--quiet"]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    held = lock_folder(run)  # as a run training there now holds it
    assert held is not None
    try:
        for args in (["train", str(path), "--epochs", "1", "--run-dir", str(run), "--overwrite"],
                     ["train", "--resume", str(run), "--epochs", "2"]):
            assert main([*args, "--quiet"]) == 2
            line = _one_line(capsys.readouterr().err)
            assert f"{run} is in use by another training run" in line, line
        assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # nothing touched
    finally:
        os.close(held)
    assert main(["train", "--resume", str(run), "--epochs", "2", "--quiet"]) == 0  # free again
    assert len(metrics_rows(run)) == 2
    assert lock_folder(run) is not None  # and the finished run let go of it


def test_resuming_with_another_networks_checkpoint_gets_a_sentence(tmp_path, capsys):
    from tests.core.train.tiny import MLP

    small, wide = tmp_path / "small", tmp_path / "wide"
    small.mkdir(), wide.mkdir()
    assert main(["train", str(project(small).path), "--epochs", "1", "--run-dir", str(small / "run"),
                 "--quiet"]) == 0
    wider = [(name, kind, {"out_features": 32} if params else params) for name, kind, params in MLP]
    assert main(["train", str(project(wide, layers=wider).path), "--epochs", "1", "--run-dir",
                 str(wide / "run"), "--quiet"]) == 0
    capsys.readouterr()
    (small / "run" / "last.ckpt").write_bytes((wide / "run" / "last.ckpt").read_bytes())
    assert main(["train", "--resume", str(small / "run"), "--epochs", "2", "--quiet"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "last.ckpt does not fit this run's network (size mismatch for" in line, line
    assert "start a new run" in line
