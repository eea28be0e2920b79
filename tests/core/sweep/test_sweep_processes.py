"""Sweeps as people run them: several processes on one storage, a kill -9 and a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.sweep.spec import check_sweep, study_name
from core.sweep.storage import default_storage
from core.sweep.study import COMPLETE, INTERRUPTED, PRUNED, RUNNING, load_rows
from tests.core.sweep.helpers import run_folders, run_json, sweep_project

ROOT = Path(__file__).resolve().parents[3]
# Trials that last seconds, so a kill or Ctrl-C lands while one is under way: at 40 epochs a trial
# on these 120 rows ended within one poll of the storage, and the kill found nothing running.
LONG_TRIALS = {"epochs": 400, "batch_size": 4, "seed": 0, "early_stopping": False}


def _start(*args: str) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, "-m", "core.cli", "sweep", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _rows(project, runs: Path):
    return load_rows(default_storage(runs), study_name(project, check_sweep(project)))


@pytest.mark.slow
def test_two_processes_on_one_storage_complete_exactly_n_trials(tmp_path):
    project = sweep_project(tmp_path)
    processes = [_start(str(project.path), "--trials", "6") for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    rows = _rows(project, tmp_path / "runs")
    assert len(rows) == 6 and all(r.state in (COMPLETE, PRUNED) for r in rows)
    folders = run_folders(tmp_path / "runs")
    assert sorted(r.run_dir for r in rows) == [str(f) for f in folders]  # one run per trial, none twice
    lines = [line for out, _err in outputs for line in out.splitlines() if line.startswith("trial ")]
    assert sorted(int(line.split()[1].rstrip(":")) for line in lines) == list(range(6))
    assert len({r.params["learning_rate"] for r in rows}) == 6  # the two processes drew apart


@pytest.mark.slow
def test_workers_in_processes_share_the_trials(tmp_path):
    project = sweep_project(tmp_path, trials=3)
    process = _start(str(project.path), "--workers", "2")
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    rows = _rows(project, tmp_path / "runs")
    assert len(rows) == 3 and len(run_folders(tmp_path / "runs")) == 3
    assert "2 at a time" in out


@pytest.mark.slow
def test_a_killed_sweep_goes_on_where_it_stopped(tmp_path):
    project = sweep_project(tmp_path, trials=2, pruner="none",
                            training=LONG_TRIALS)
    runs = tmp_path / "runs"
    process = _start(str(project.path))
    deadline = time.time() + 300
    victim = None
    while time.time() < deadline:  # kill it while its second trial is under way (a checkpoint written)
        rows = _rows(project, runs) if (runs / "sweeps.db").exists() else []
        running = [r for r in rows if r.state == RUNNING and r.epochs >= 1
                   and (Path(r.run_dir) / "last.ckpt").is_file()]
        if running and any(r.state == COMPLETE for r in rows):
            victim = running[0]
            break
        time.sleep(0.2)
    assert victim is not None, "the sweep did not get to its second trial"
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert [r.state for r in _rows(project, runs)].count(RUNNING) == 1

    again = _start(str(project.path))
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    rows = _rows(project, runs)
    counted = [r for r in rows if r.state == COMPLETE]
    assert len(counted) == 2
    killed = next(r for r in rows if r.number == victim.number)
    assert killed.state == INTERRUPTED
    retry = next(r for r in rows if r.retry_of == victim.number)
    assert retry.params == victim.params and retry.run_dir == victim.run_dir  # same folder, continued
    record = run_json(Path(retry.run_dir))
    assert record["status"] == "completed" and record["resumed"]
    assert record["epochs_completed"] == LONG_TRIALS["epochs"]
    assert len(run_folders(runs)) == 2


@pytest.mark.slow
def test_ctrl_c_stops_the_workers_cleanly_and_the_next_start_goes_on(tmp_path):
    project = sweep_project(tmp_path, trials=3, pruner="none",
                            training=LONG_TRIALS)
    runs = tmp_path / "runs"
    process = _start(str(project.path), "--workers", "2")
    deadline = time.time() + 300
    while time.time() < deadline:
        rows = _rows(project, runs) if (runs / "sweeps.db").exists() else []
        if any(r.state == RUNNING and r.epochs >= 1 for r in rows):
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)  # as a terminal's Ctrl-C reaches the command
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "stopping after the running trials' current batch" in err
    assert "run the same command again to go on" in err and "Traceback" not in err
    rows = _rows(project, runs)
    assert rows and not any(r.state == RUNNING for r in rows)  # nothing left half-claimed
    stopped = [r for r in rows if r.state == INTERRUPTED]
    assert stopped and all(run_json(Path(r.run_dir))["status"] == "stopped" for r in stopped)

    again = _start(str(project.path), "--workers", "2")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    rows = _rows(project, runs)
    assert sum(r.state == COMPLETE for r in rows) == 3
    assert all(any(r.retry_of == s.number for r in rows) for s in stopped)
