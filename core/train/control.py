"""Thread-safe control of a running trainer: stop, pause, resume, live optimiser changes.

Any thread (the GUI, a signal handler) calls the request methods; the training thread
calls :meth:`TrainingControl.checkpoint` between batches, which applies pending
optimiser changes, waits while paused, and raises :class:`StopRequested` on stop. The
training loop reads a single boolean per batch (``pending``) to know whether to call it.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable


class StopRequested(Exception):
    """Raised in the training thread at the first batch boundary after ``stop()``."""


class TrainingControl:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._stop = False
        self._pause = False
        self._updates: list[dict[str, Any]] = []
        #: True when the training thread should call ``checkpoint`` (read without a lock).
        self.pending = False
        self.paused_seconds = 0.0

    # ------------------------------------------------------------------ any thread
    def request_stop(self) -> None:
        with self._cond:
            self._stop = True
            self.pending = True
            self._cond.notify_all()

    def request_pause(self) -> None:
        with self._cond:
            self._pause = True
            self.pending = True
            self._cond.notify_all()

    def request_resume(self) -> None:
        with self._cond:
            self._pause = False
            self._cond.notify_all()

    def request_update(self, settings: dict[str, Any]) -> None:
        with self._cond:
            self._updates.append(settings)
            self.pending = True
            self._cond.notify_all()

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def pause_requested(self) -> bool:
        return self._pause

    # ------------------------------------------------------------------ training thread
    def take_updates(self, keep_stop_pending: bool = True) -> list[dict[str, Any]]:
        with self._cond:
            updates, self._updates = self._updates, []
            self.pending = (self._stop and keep_stop_pending) or self._pause
            return updates

    def checkpoint(self, apply: Callable[[dict[str, Any]], None],
                   on_pause: Callable[[], None], on_resume: Callable[[], None],
                   allow_stop: bool = True) -> None:
        """Apply pending changes; wait while paused; raise ``StopRequested`` if asked to stop.

        With ``allow_stop=False`` (several processes, mid-epoch) a stop request is left
        for the end of the epoch, where all processes agree on it.
        """
        for settings in self.take_updates(allow_stop):
            apply(settings)
        if self._stop and allow_stop:
            raise StopRequested
        if not self._pause:
            return
        on_pause()
        started = time.perf_counter()
        while True:
            with self._cond:
                while self._pause and not self._stop and not self._updates:
                    self._cond.wait(0.5)
                paused = self._pause
            for settings in self.take_updates(allow_stop):
                apply(settings)
            if self._stop:
                if allow_stop:
                    self.paused_seconds += time.perf_counter() - started
                    raise StopRequested
                break
            if not paused:
                break
        self.paused_seconds += time.perf_counter() - started
        with self._cond:
            self.pending = bool(self._updates) or (self._stop and allow_stop) or self._pause
        on_resume()
