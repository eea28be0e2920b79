"""Operations launched per training step: the trainer against a lean hand loop, float32 and bf16.

Run: ``.venv/bin/python -m tests.bench.bench_step_ops [--batches N]``.

Why: on a fast GPU a small or medium network is bound by the host launching kernels, so a
step that launches more operations than a hand-written one is slower there, whatever the
GPU (issue 16: bf16 training of an MLP ran at 0.79x a hand loop with the same autocast on
an H200). Counting the ATen operations each step dispatches is device-independent and
needs no GPU: every operation counted is a kernel launch (or a host sync, for
``_local_scalar_dense``) on CUDA.

Arms, on the MLP 784-256-128-10 of ``bench_trainer``, batch 64:

- ``trainer``: ``core.train``'s epoch loop (``Trainer._train_epoch``), its accumulator and
  metrics included. Mixed precision is CUDA-only in the trainer (``core.train.device``), so
  for bf16 its placement is set to CPU + bf16 here: the same autocast region and the same
  code path, on CPU kernels.
- ``hand``: the leanest loop: data indexed in memory, ``zero_grad(set_to_none=True)``, the
  forward and the loss under the same autocast, ``backward``, fused Adam, no ``.item()``.

Prints operations per step for each arm and the difference by operation. The trainer reads
the loss (one ``_local_scalar_dense``) every step on the CPU, where it costs no sync, and
every 32nd step on CUDA. Target: no more than the hand loop's operations plus that read.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import tempfile
from pathlib import Path

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

import core.train.trainer as trainer_module
from core.train import prepare
from core.train.device import Placement
from tests.bench.bench_trainer import BATCH, dataset_for, hand_model, project_for, synthetic


class CountOps(TorchDispatchMode):
    """Counts every ATen operation dispatched while it is active (backward ones included)."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: collections.Counter[str] = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops[str(func)] += 1
        return func(*args, **(kwargs or {}))


def trainer_ops(precision: str, x, y) -> collections.Counter[str]:
    """The operations of one training epoch of ``core.train``, placed on CPU in ``precision``."""
    counted: dict[str, collections.Counter[str]] = {}
    real_epoch, real_resolve = trainer_module.Trainer._train_epoch, trainer_module.resolve

    def epoch_counted(self, epoch):
        with CountOps() as mode:
            result = real_epoch(self, epoch)
        counted["ops"] = mode.ops
        return result

    trainer_module.Trainer._train_epoch = epoch_counted
    trainer_module.resolve = lambda device, _precision: Placement("cpu", precision, [])
    try:
        with tempfile.TemporaryDirectory() as folder:
            result = prepare(project_for("mlp", 1), dataset_for(x, y), run_dir=Path(folder) / "run").fit()
        assert result.status == "completed", result.reason
    finally:
        trainer_module.Trainer._train_epoch, trainer_module.resolve = real_epoch, real_resolve
    return counted["ops"]


def hand_ops(precision: str, x, y) -> collections.Counter[str]:
    """The operations of one epoch of the lean hand loop."""
    torch.manual_seed(0)
    model = hand_model("mlp")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)
    autocast = (torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16"
                else contextlib.nullcontext())
    with CountOps() as mode:
        order = torch.randperm(len(inputs))
        for start in range(0, len(inputs), BATCH):
            index = order[start:start + BATCH]
            optimizer.zero_grad(set_to_none=True)
            with autocast:
                loss = nn.functional.cross_entropy(model(inputs[index]), targets[index])
            loss.backward()
            optimizer.step()
    return mode.ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    args = parser.parse_args()
    x, y = synthetic("mlp", BATCH * args.batches)
    torch.set_num_threads(1)
    for precision in ("float32", "bf16"):
        ours, hand = trainer_ops(precision, x, y), hand_ops(precision, x, y)
        per_step = {name: sum(ops.values()) / args.batches for name, ops in (("trainer", ours), ("hand", hand))}
        print(f"{precision}: trainer {per_step['trainer']:.1f} ops/step, hand {per_step['hand']:.1f}, "
              f"ratio {per_step['trainer'] / per_step['hand']:.3f}")
        for sign, difference in (("+", ours - hand), ("-", hand - ours)):
            for op, count in difference.most_common():
                if count / args.batches >= 0.5:  # per-step differences, not the once-per-epoch ones
                    print(f"    {sign}{count / args.batches:5.2f}/step {op}")


if __name__ == "__main__":
    main()
