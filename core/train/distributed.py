"""Data-parallel training over several processes (DistributedDataParallel).

``layerforge train --nproc N`` starts N copies of itself through PyTorch's elastic
launcher (``torch.distributed.run``, what ``torchrun`` runs); a process started by the
launcher (or by ``torchrun`` on several machines) finds ``RANK``/``WORLD_SIZE`` in its
environment and joins the group with :func:`init_from_env`: gloo on CPUs, NCCL on
CUDA GPUs. Rank 0 writes the run directory; every rank trains on its share of each
batch (see ``core.train.batches``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from core.errors import TrainingError


@dataclass
class DistContext:
    rank: int
    world: int
    local_rank: int
    local_world: int
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def all_reduce_sum(self, tensor):
        import torch.distributed as dist

        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def all_reduce_max(self, tensor):
        import torch.distributed as dist

        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return tensor

    def broadcast_object(self, value: Any) -> Any:
        """Rank 0's ``value`` on every rank (small JSON-like values: paths, flags)."""
        import torch.distributed as dist

        holder = [value]
        dist.broadcast_object_list(holder, src=0)
        return holder[0]

    def barrier(self) -> None:
        import torch.distributed as dist

        dist.barrier()

    def describe(self) -> dict[str, Any]:
        return {"world_size": self.world, "backend": self.backend,
                "nodes": max(1, self.world // max(self.local_world, 1))}


def launched() -> bool:
    """Whether this process was started by torchrun / ``--nproc`` with more than one rank."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def uses_cuda(device: str) -> bool:
    """Whether processes training on ``device`` (the training section's value) use CUDA GPUs."""
    import torch

    return torch.cuda.is_available() and (device in ("auto", "cuda") or device.startswith("cuda:"))


def check_gpus(nproc: int, device: str) -> None:
    """Before starting ``nproc`` processes: refuse a device this machine lacks, and CUDA with
    fewer than ``nproc`` GPUs (the process without a GPU would stop with "invalid device
    ordinal", and every other one with it). One sentence, once, instead of one per process."""
    import torch

    from core.train.device import resolve

    resolve(device, "float32")
    if nproc < 2 or not uses_cuda(device):
        return

    count = torch.cuda.device_count()
    if count < nproc:
        gpus = f"{count} CUDA GPU" + ("" if count == 1 else "s")
        raise TrainingError(f"--nproc {nproc} needs one GPU per process but this machine has {gpus}:"
                            f" give --nproc {count} or fewer, or --device cpu to train in {nproc}"
                            " processes on the CPU (gloo)")


def is_main_rank() -> bool:
    """Whether this process is rank 0 of its group, or the only process."""
    return not launched() or int(os.environ.get("RANK", "0")) == 0


def init_from_env(device: str = "auto") -> DistContext | None:
    """Join the process group the launcher set up; ``None`` for a single process.

    ``device`` is the training section's device: NCCL is used when it resolves to CUDA.
    On CPUs each process gets its share of the cores as torch threads.
    """
    if not launched():
        return None
    import torch
    import torch.distributed as dist

    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", world))
    use_cuda = uses_cuda(device)
    backend = "nccl" if use_cuda else "gloo"
    if use_cuda:
        torch.cuda.set_device(local_rank)
    else:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(local_world, 1)))
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return DistContext(rank, world, local_rank, local_world, backend)


def shutdown() -> None:
    """Leave the process group once every rank got here (leaving early aborts the others)."""
    import gc

    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        gc.collect()  # free DDP wrappers and pending work before the group goes
        try:
            dist.barrier()
        finally:
            dist.destroy_process_group()


def launch(nproc: int, argv: list[str]) -> int:
    """Run ``python -m core.cli <argv>`` in ``nproc`` processes on this machine and wait.

    Uses ``torch.distributed.run`` with a standalone rendezvous (a free local port).
    Returns the launcher's exit status: 0 when every process succeeded.
    """
    import sys

    from torch.distributed.run import get_args_parser, run

    env = os.environ
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    args = get_args_parser().parse_args(
        ["--standalone", f"--nproc-per-node={nproc}", "--max-restarts=0", "--no-python",
         sys.executable, "-m", "core.cli", *argv])
    try:
        run(args)
    except Exception as err:  # ChildFailedError: the workers printed their own messages
        failures = getattr(err, "failures", None) or {}
        codes = [getattr(f, "exitcode", 1) for f in failures.values()] or [1]
        return next((c for c in codes if c), 1)
    return 0
