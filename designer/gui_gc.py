"""Python's garbage collector runs in the GUI thread only, and never while PySide wraps widgets.

A collection runs in whichever thread allocated when a generation's count passed its
threshold. When it frees a widget made in Python (a panel or dialog without a parent, caught
in a reference cycle), the C++ widget is deleted right there:

- in a worker thread (training, data loading), a widget is deleted off the GUI thread while
  the GUI thread may be walking the list of widgets: the process crashes;
- in the GUI thread, in the middle of PySide wrapping a list of widgets
  (``QApplication.topLevelWidgets()``), the list still holds the deleted widget and wrapping
  it crashes the process (a CI run crashed so in ``theme._mark_windows``).

So :func:`wrapping_widgets` turns collection off while such a list is wrapped, and while a
main window is open :class:`GuiThreadCollector` turns automatic collection off and collects
from a timer in the GUI thread instead, each generation when its count passed the threshold
the automatic collector uses (pyqtgraph's ``GarbageCollector`` does the same, for the same
reason). A full collection walks every object of the process (90-230 ms on the 2-core
machine, ``designer/training/interpreter.py``), so it comes at most once per
:data:`FULL_COLLECTION_EVERY_S`, as rarely as Python's own rule makes it in a steady state.
``tests/designer/test_gui_gc.py`` reproduces both crashes in a process of its own.
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from typing import Iterator

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks at the collector's counts.
CHECK_EVERY_MS = 100
#: The least time between two full (generation-2) collections.
FULL_COLLECTION_EVERY_S = 60.0


@contextmanager
def wrapping_widgets() -> Iterator[None]:
    """No collection inside: wrap a list of widgets (``topLevelWidgets()``, ``findChildren``)
    and keep it in a variable within this block; once held, its widgets cannot be freed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class GuiThreadCollector(QObject):
    """While anyone holds it (:meth:`hold`), automatic collection is off and the GUI thread
    collects on a timer; when the last holder releases it, collection is as it was."""

    def __init__(self) -> None:
        super().__init__()
        self._holders = 0
        self._was_enabled = True
        self._last_full = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.collect_due)

    @property
    def held(self) -> bool:
        return self._holders > 0

    def hold(self) -> "Hold":
        if self._holders == 0:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self.timer.start()
        self._holders += 1
        return Hold(self)

    def release(self) -> None:
        if self._holders == 0:
            return
        self._holders -= 1
        if self._holders == 0:
            self.timer.stop()
            if self._was_enabled:
                gc.enable()

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose count passed its threshold (the young ones with
        it); the generation collected, or ``None``."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return None
        generation = 0
        if counts[1] > thresholds[1]:
            generation = 1
            full_due = time.monotonic() - self._last_full >= FULL_COLLECTION_EVERY_S
            if counts[2] > thresholds[2] and full_due:
                generation = 2
        gc.collect(generation)
        if generation == 2:
            self._last_full = time.monotonic()
        return generation


class Hold:
    """One holder's claim on the collector; :meth:`release` gives it back, once."""

    def __init__(self, owner: GuiThreadCollector) -> None:
        self._owner: GuiThreadCollector | None = owner

    def release(self, *_args) -> None:
        if self._owner is not None:
            self._owner.release()
            self._owner = None


_collector: list[GuiThreadCollector] = []


def collector() -> GuiThreadCollector:
    """The one collector of the process (made in the GUI thread on first use)."""
    if not _collector:
        _collector.append(GuiThreadCollector())
    return _collector[0]
