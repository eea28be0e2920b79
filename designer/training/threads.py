"""How many torch threads training uses in the window (no Qt: the benchmark's headless arms use it too).

With as many OpenMP threads as cores, each GUI-thread wake-up (a redraw, a queued message,
the person's click) or another process takes a core from the team, and the other threads
spin at its barrier until it comes back. On the 2-core development machine with other
processes busy, the benchmark's MLP trained at ~2,000 samples/s with two threads and
~45,000 with one (``tests/bench/bench_gui_training.py``). So the training thread keeps
one core free for the GUI thread.
"""

from __future__ import annotations

import os


def training_threads(cores: int | None = None) -> int:
    """Torch's intra-op threads while training in the window: every core but one, which is left
    to the GUI thread. ``OMP_NUM_THREADS``, when the person set it, wins."""
    chosen = os.environ.get("OMP_NUM_THREADS", "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores - 1)
