"""Python's garbage collector while a run trains in the window, given back when it ends.

A full (generation-2) collection walks every tracked object of the process (torch, Qt
wrappers, pyqtgraph: about a million) holding the interpreter lock: 90-230 ms on the 2-core
machine, and the GUI thread froze for all of it (``tests/bench/bench_gui_training.py``; they
came while the worker loaded the data and built the trainer). Collections run in the GUI
thread, on a timer (``designer/gui_gc.py``). While a run trains, the objects that existed when it started are frozen
(``gc.freeze``): collections then only walk what was made since, and what the run makes
is still collected. When it ends they are unfrozen.

The GIL switch interval was measured too (1 ms against the default 5 ms, alternated on the
benchmark): no difference in the heartbeat's gaps or in training speed, so it is left alone.
"""

from __future__ import annotations

import gc


class TrainingInterpreter:
    """``enter()`` when a run starts, ``leave()`` when it has ended; calling either twice is harmless."""

    def __init__(self) -> None:
        self._froze = False

    @property
    def active(self) -> bool:
        return self._froze

    def enter(self) -> None:
        if self._froze:
            return
        gc.freeze()
        self._froze = True

    def leave(self) -> None:
        if self._froze:
            gc.unfreeze()  # what the run left behind is collected again, in the idle window
            self._froze = False
