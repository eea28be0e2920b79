"""Two-process DDP on the CPU (gloo) against one process, for the MLP 784-256-128-10.

Run: ``.venv/bin/python -m tests.bench.bench_ddp [--repeats N] [--batch-size B]``.

Each measurement is a fresh run of the core trainer on 60 000 synthetic samples for
one epoch: alone in one process (torch uses every core), or in two processes started
by ``torch.distributed.run`` (each with its share of the cores, gradients averaged
with gloo's all-reduce after every step; the global batch is the same). The runs
alternate; the table gives the median samples/s of the training epoch (from
``metrics.csv``) and of the whole run (process start and setup included), and the
median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def worker(out: Path, batch_size: int) -> None:
    """One process of a run (under torchrun or alone): train, rank 0 writes the numbers."""
    from core.train import prepare
    from core.train.distributed import init_from_env, shutdown
    from core.train.rundir import read_metrics_csv
    from tests.bench.bench_trainer import dataset_for, project_for, synthetic

    ctx = init_from_env("cpu")
    x, y = synthetic("mlp", 60_000)
    project = project_for("mlp", 1)
    project.training["batch_size"] = batch_size
    run_dir = out / "run"
    started = time.perf_counter()
    trainer = prepare(project, dataset_for(x, y), run_dir=run_dir, distributed=ctx)
    result = trainer.fit()
    seconds = time.perf_counter() - started
    if ctx is None or ctx.is_main:
        assert result.status == "completed", result.reason
        row = read_metrics_csv(run_dir / "metrics.csv")[-1]
        import torch

        (out / "result.json").write_text(json.dumps({
            "epoch_samples_per_second": row["samples_per_second"],
            "run_samples_per_second": len(x) / seconds, "threads": torch.get_num_threads(),
            "processes": ctx.world if ctx else 1}))
    if ctx is not None:
        shutdown()


def _measure(processes: int, batch_size: int, workdir: Path) -> dict:
    out = Path(tempfile.mkdtemp(dir=workdir))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    worker_args = ["-m", "tests.bench.bench_ddp", "--worker", str(out), "--batch-size", str(batch_size)]
    if processes == 1:
        command = [sys.executable, *worker_args]
    else:
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // processes))
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   f"--nproc-per-node={processes}", *worker_args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"the {processes}-process run failed:\n{done.stderr[-3000:]}")
    result = json.loads((out / "result.json").read_text())
    result["process_samples_per_second"] = 60_000 / wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.batch_size)
        return
    print(f"{os.cpu_count()} CPU cores; MLP 784-256-128-10, 60 000 samples, global batch"
          f" {args.batch_size}, 1 epoch per run, {args.repeats} rounds (alternating)")
    runs: dict[int, list[dict]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.repeats):
            for processes in ((1, 2) if round_ % 2 == 0 else (2, 1)):
                runs[processes].append(_measure(processes, args.batch_size, Path(tmp)))
            print(f"  round {round_ + 1}: 1 process {runs[1][-1]['epoch_samples_per_second']:,.0f},"
                  f" 2 processes {runs[2][-1]['epoch_samples_per_second']:,.0f} samples/s (epoch)",
                  flush=True)
    print()
    print(f"{'':<34}{'1 process':>12}{'2 processes':>14}{'ratio':>8}  [spread]")
    for key, label in (("epoch_samples_per_second", "training epoch (samples/s)"),
                       ("run_samples_per_second", "setup + epoch (samples/s)"),
                       ("process_samples_per_second", "whole command (samples/s)")):
        one = [r[key] for r in runs[1]]
        two = [r[key] for r in runs[2]]
        ratios = [b / a for a, b in zip(one, two)]
        print(f"{label:<34}{statistics.median(one):>12,.0f}{statistics.median(two):>14,.0f}"
              f"{statistics.median(ratios):>8.2f}  [{min(ratios):.2f} .. {max(ratios):.2f}]")
    print(f"threads per process: {runs[1][0]['threads']} (1 process), {runs[2][0]['threads']} (2 processes)")


if __name__ == "__main__":
    main()
