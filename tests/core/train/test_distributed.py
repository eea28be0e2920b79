"""Two processes on the CPU (DistributedDataParallel over gloo) train as one process would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from core.train.batches import BatchPlan
from tests.core.train.tiny import metrics_rows, project

ROOT = Path(__file__).resolve().parents[3]
TRAINING = {"epochs": 3, "batch_size": 16, "optimizer": "sgd", "momentum": 0.9,
            "learning_rate": 0.05, "seed": 0}
#: The gloo backend on the CPU, also on a machine with GPUs (the tests compare with CPU runs).
GLOO_ON_CPU = {**TRAINING, "device": "cpu"}


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=300)


def _close(a: list[dict], b: list[dict]) -> None:
    assert [r["epoch"] for r in a] == [r["epoch"] for r in b]
    for row_a, row_b in zip(a, b):
        assert set(row_a) == set(row_b)
        for key in row_a:
            assert row_a[key] == pytest.approx(row_b[key], rel=1e-4, abs=1e-6), key


def test_global_batches_are_shared_between_ranks():
    plans = [BatchPlan(50, 16, shuffle=True, seed=3, rank=r, world=2) for r in range(2)]
    single = BatchPlan(50, 16, shuffle=True, seed=3)
    orders = [p.order(1) for p in plans]
    together = []
    for (a0, b0, w0), (a1, b1, w1) in zip(plans[0].steps, plans[1].steps):
        together += orders[0][a0:b0].tolist() + orders[1][a1:b1].tolist()
        assert w0 + w1 == pytest.approx(2.0)  # the mean of the rank losses is the batch mean
    # every rank sees its share of each global batch; the last (2 samples) is split 1 + 1
    assert together == single.order(1).tolist()
    assert [b - a for a, b, _ in plans[0].steps] == [8, 8, 8, 1]


@pytest.mark.slow
def test_two_processes_end_with_identical_weights_and_single_process_metrics(tmp_path):
    proj = project(tmp_path, training=GLOO_ON_CPU)
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(f"""
        from safetensors.torch import save_file
        from core.data import load
        from core.project import Project
        from core.train import Callback, prepare
        from core.train.distributed import init_from_env, shutdown

        ctx = init_from_env("cpu")
        assert ctx is not None and ctx.world == 2 and ctx.backend == "gloo"
        project = Project.load({str(proj.path)!r})

        class SaveWeights(Callback):
            def on_train_end(self, trainer, result):
                assert result.status == "completed", result.reason
                save_file({{k: v.contiguous() for k, v in trainer.module.state_dict().items()}},
                          {str(tmp_path)!r} + f"/rank{{ctx.rank}}.safetensors")

        trainer = prepare(project, load(project.data, project.directory), distributed=ctx,
                          run_dir={str(tmp_path / "ddp")!r}, callbacks=[SaveWeights()])
        trainer.fit()
        shutdown()
    """))
    launched = _run(["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
                     str(script)], tmp_path)
    assert launched.returncode == 0, launched.stderr[-3000:]
    rank0, rank1 = (load_file(tmp_path / f"rank{r}.safetensors") for r in range(2))
    assert set(rank0) == set(rank1)
    for name in rank0:
        assert np.array_equal(rank0[name], rank1[name]), name
    single = _run(["-m", "core.cli", "train", str(proj.path), "--run-dir", str(tmp_path / "single"),
                   "--quiet"], tmp_path)
    assert single.returncode == 0, single.stderr
    _close(metrics_rows(tmp_path / "ddp"), metrics_rows(tmp_path / "single"))
    best = load_file(tmp_path / "single" / "model.safetensors")
    for name in rank0:
        assert np.allclose(rank0[name], best[name], atol=1e-4), name


@pytest.mark.slow
def test_layerforge_train_nproc_2_writes_one_run_folder(tmp_path):
    proj = project(tmp_path, training=GLOO_ON_CPU)
    result = _run(["-m", "core.cli", "train", str(proj.path), "--nproc", "2", "--quiet"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "completed after 3 of 3 epochs" in result.stdout
    assert result.stdout.count("run directory:") == 1  # rank 0 speaks
    (run_dir,) = (tmp_path / "runs").iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["distributed"] == {"world_size": 2, "backend": "gloo", "nodes": 1}
    assert run["status"] == "completed" and len(metrics_rows(run_dir)) == 3


@pytest.fixture
def gpus(monkeypatch):
    """Pretend this machine has CUDA with the given number of GPUs; records launches."""
    import torch

    from core.train import distributed

    launches: list = []
    monkeypatch.setattr(distributed, "launch", lambda nproc, argv: launches.append((nproc, argv)) or 0)

    def have(count: int) -> list:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
        return launches
    return have


@pytest.mark.parametrize("device", [None, "cuda"])
def test_more_processes_than_gpus_is_refused_before_launching(tmp_path, capsys, gpus, device):
    from core.cli import main

    launches = gpus(1)
    proj = project(tmp_path, training=TRAINING)
    args = ["train", str(proj.path), "--nproc", "2", "--quiet"] + (["--device", device] if device else [])
    assert main(args) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("layerforge train: --nproc 2") and "1 CUDA GPU" in line, line
    assert "--device cpu" in line and launches == []


def test_a_gpu_that_is_not_there_is_reported_once_before_launching(tmp_path, capsys, gpus):
    from core.cli import main

    launches = gpus(0)
    proj = project(tmp_path, training=TRAINING)
    assert main(["train", str(proj.path), "--nproc", "2", "--device", "cuda", "--quiet"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "no CUDA GPU" in line and launches == []


def test_enough_gpus_or_the_cpu_launch(tmp_path, gpus):
    from core.cli import main

    proj = project(tmp_path, training=TRAINING)
    launches = gpus(2)
    assert main(["train", str(proj.path), "--nproc", "2", "--quiet"]) == 0
    launches = gpus(1)
    assert main(["train", str(proj.path), "--nproc", "4", "--device", "cpu", "--quiet"]) == 0
    assert [n for n, _ in launches] == [2, 4]
    assert launches[1][1][launches[1][1].index("--device") + 1] == "cpu"  # gloo on the CPU
