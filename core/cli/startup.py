"""``layerforge train --profile-startup``: where the time before the first batch goes.

One line on stderr per phase, measured from the start of the Python process (read from
``/proc`` where there is one, else from when this module was imported), so that the
interpreter and imports count too: what a person waits for after pressing Enter.
"""

from __future__ import annotations

import os
import sys
import time

from core.train.callbacks import Callback

_IMPORTED = time.perf_counter()


def _process_age() -> float:
    """Seconds since this process started (Linux: /proc), else since this module's import."""
    try:
        with open("/proc/self/stat", encoding="ascii") as file:
            started = int(file.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as file:
            uptime = float(file.read().split()[0])
        return max(0.0, uptime - started / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


class StartupClock(Callback):
    """Marks phases (``mark("load data")``) and prints them when the first batch is done."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.origin = time.perf_counter() - _process_age()
        self.last = self.origin
        self.phases: list[tuple[str, float]] = []
        self.done = False

    def mark(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases.append((phase, now - self.last))
        self.last = now

    def on_train_start(self, trainer) -> None:
        self.mark("set up the trainer (device, batches, optimiser, run folder)")

    def on_batch_end(self, trainer, event) -> None:
        if self.done:
            return
        self.mark("first batch")
        self.done = True
        for phase, seconds in self.phases:
            print(f"startup: {seconds:6.2f} s  {phase}", file=self.stream)
        print(f"startup: {self.last - self.origin:6.2f} s  in all, from the process's start to the end"
              " of the first batch", file=self.stream)
