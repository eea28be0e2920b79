"""Running chunks of file work in worker processes, with progress and cancel.

Used for reading image headers and decoding images. ``fork`` starts workers quickest;
once threads, torch or Qt run in this process (the designer loads data from a worker
thread) a fork server is used instead, because forking a multi-threaded process can
deadlock the child.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import types
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from core.data.dataset import Cancelled

#: Below this many tasks the work runs in this process: starting workers would cost more.
MIN_PARALLEL_TASKS = 4


def default_workers() -> int:
    """One worker process per available CPU core, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _context():
    if sys.platform != "linux":  # pragma: no cover
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1 and not {"torch", "PySide6"} & set(sys.modules):
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["core.data.image_decode", "core.data.image_scan",
                                    "core.data.image_first_load", "PIL.Image",
                                    "PIL.JpegImagePlugin", "PIL.PngImagePlugin"])
    return context


@contextmanager
def _main_not_rerun(context) -> Iterator[None]:
    """While workers start from a fork server, hide the program's main script from them.

    They would import it again (``multiprocessing`` does, to find functions defined
    there); a script without the ``if __name__ == "__main__"`` guard would then start
    loading in every worker. Our worker functions live in ``core.data`` modules.
    """
    if context.get_start_method() == "fork":
        yield
        return
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def check_cancel(cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


def run_chunks(function: Callable[[Any], list], tasks: list, *, workers: int | None = None,
               progress: Callable[[int], None] | None = None,
               cancel: Callable[[], bool] | None = None) -> list:
    """``function(task)`` for every task (each returns a list); the lists joined in task order.

    ``progress(tasks_done)`` is called as tasks finish; ``cancel()`` is checked every 0.1 s
    and stops the remaining tasks by raising :class:`Cancelled`.
    """
    workers = default_workers() if workers is None else max(1, int(workers))
    results: list[list | None] = [None] * len(tasks)
    if workers == 1 or len(tasks) < MIN_PARALLEL_TASKS:
        for index, task in enumerate(tasks):
            check_cancel(cancel)
            results[index] = function(task)
            if progress is not None:
                progress(index + 1)
    else:
        context = _context()
        executor = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context)
        try:
            with _main_not_rerun(context):  # the workers start during the first submits
                futures = {executor.submit(function, task): i for i, task in enumerate(tasks)}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in finished:
                    results[futures[future]] = future.result()
                if progress is not None and finished:
                    progress(len(tasks) - len(pending))
                check_cancel(cancel)
        except BaseException:
            executor.shutdown(wait=True, cancel_futures=True)
            raise
        executor.shutdown(wait=True)
    return [item for part in results for item in (part or [])]
