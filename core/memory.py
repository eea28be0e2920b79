"""How much memory one training step needs, estimated before anything is allocated.

``check``, the Problems panel and the start of training use the same estimate, so a
network that cannot fit (two Linear layers of a million units each) is refused with a
sentence instead of freezing the computer or dying in the allocator. The estimate is
a lower bound of what PyTorch will need: float32 weights, their gradients, the
optimiser's state, and every layer's output for one batch kept for the backward pass
(counted twice: the output and its gradient). No torch here: it is pure arithmetic on
the shape inference's results, so the designer can run it on the GUI thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from core.layers.rules import numel
from core.train.optimizers import OPTIMIZERS

FLOAT_BYTES = 4
#: float32 tensors of optimiser state per parameter (Adam keeps two moments).
OPTIMIZER_STATE = {spec.name: spec.state_tensors for spec in OPTIMIZERS}


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes one training step needs, by part, and the node with the most parameters."""

    weights: int
    gradients: int
    optimizer_state: int
    activations: int
    batch_size: int
    largest_node: str | None = None
    largest_params: int = 0

    @property
    def total(self) -> int:
        return self.weights + self.gradients + self.optimizer_state + self.activations


def estimate(analysis, batch_size: int, optimizer: str = "adam") -> MemoryEstimate:
    """The memory of one training step of the graph ``analysis`` describes."""
    params = analysis.total_params
    activations = 0
    largest, largest_params = None, 0
    for node_id, result in analysis.results.items():
        if result.output is not None:
            activations += numel(result.output)
        if result.params > largest_params:
            largest, largest_params = node_id, result.params
    weights = params * FLOAT_BYTES
    return MemoryEstimate(
        weights=weights, gradients=weights,
        optimizer_state=weights * OPTIMIZER_STATE.get(optimizer, 2),
        activations=2 * activations * batch_size * FLOAT_BYTES, batch_size=batch_size,
        largest_node=largest, largest_params=largest_params)


def available_system_memory() -> int | None:
    """Bytes of RAM the system can give a new allocation now (``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def human_bytes(count: float) -> str:
    """``512 MB``, ``3.2 GB``, ``4,000 TB``: decimal units, as disks and task managers show."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if count >= size:
            value = count / size
            return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
    return f"{int(count)} bytes"


def memory_problem(est: MemoryEstimate, available: int | None, where: str = "on this computer",
                   node_label: str | None = None) -> str | None:
    """The sentence refusing ``est`` when it cannot fit into ``available`` bytes, else None."""
    if available is None or est.total <= available:
        return None
    parts = (f"weights {human_bytes(est.weights)}, gradients {human_bytes(est.gradients)},"
             f" optimiser state {human_bytes(est.optimizer_state)}, activations"
             f" {human_bytes(est.activations)}")
    biggest = ""
    if node_label and est.largest_params:
        biggest = f"; the largest is {node_label} with {est.largest_params:,} parameters"
    return (f"the network needs at least {human_bytes(est.total)} to train one batch of"
            f" {est.batch_size} ({parts}), more than the {human_bytes(available)} free {where}:"
            f" make the layers smaller{biggest}, or lower the batch size")
