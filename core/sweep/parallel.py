"""K trial workers in processes of their own on this machine.

Each worker is ``python -m core.cli sweep PROJECT --worker ...`` in a session of its own,
so a terminal's Ctrl-C reaches only this process, which passes it on exactly once to
every worker (and a second Ctrl-C aborts them). The CPU's cores are split between the
workers (torch threads = cores / K); with several GPUs each worker gets one of them.
A worker whose parent is killed stops by itself after its batch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import core


def threads_per_worker(workers: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // max(1, workers))


def gpu_count(device: str) -> int:
    """CUDA GPUs the trials may use (0 unless the training device is auto or cuda)."""
    if device not in ("auto", "cuda"):
        return 0
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:  # noqa: BLE001 - no usable CUDA: the workers train on the CPU
        return 0


def worker_env(index: int, workers: int, gpus: int) -> dict[str, str]:
    """The environment of worker ``index``: its share of the threads, or its GPU."""
    env = dict(os.environ)
    root = str(Path(core.__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    threads = str(threads_per_worker(workers))
    env.update({"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads})
    if gpus > 1:
        env["CUDA_VISIBLE_DEVICES"] = str(index % gpus)
    return env


def run_workers(argv: list[str], workers: int, gpus: int = 0) -> tuple[int, bool]:
    """Start ``workers`` processes of ``layerforge sweep`` with ``argv`` (the worker's
    arguments) and wait for them all; returns the worst exit code and whether a stop was
    asked for."""
    threads = threads_per_worker(workers)
    processes = []
    for index in range(workers):
        command = [sys.executable, "-m", "core.cli", "sweep", *argv, "--worker",
                   "--threads", str(threads), "--parent-pid", str(os.getpid())]
        processes.append(subprocess.Popen(command, env=worker_env(index, workers, gpus),
                                          start_new_session=True))
    stopped = {"count": 0}

    def forward(signum, frame) -> None:
        stopped["count"] += 1
        if stopped["count"] == 1:
            print("\nlayerforge sweep: stopping after the running trials' current batch"
                  " (Ctrl-C again to abort)", file=sys.stderr, flush=True)
        for process in processes:
            if process.poll() is None:
                try:
                    process.send_signal(signal.SIGINT)
                except ProcessLookupError:
                    pass

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        codes = [_wait(process) for process in processes]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return max(codes, key=abs), stopped["count"] > 0


def _wait(process: subprocess.Popen) -> int:
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:  # only if a handler raised; keep waiting for the worker
            continue
