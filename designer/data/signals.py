"""Emitting Qt signals from Python without PySide6 6.12's reference leak.

With PySide6 6.12 on CPython 3.11, every ``signal.emit(...)`` called from Python
returns ``True`` without owning a reference to it, so each emit lowers the reference
count of ``True`` by one; after a few hundred emits the interpreter aborts with
"Fatal Python error: bool_dealloc". :func:`emit` gives the reference back when (and
only when) this PySide6 leaks it; on Python 3.12+ (immortal ``True``) it is a plain emit.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

_leaks: bool | None = None


def _emit_leaks() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.ping.emit()
    after = sys.getrefcount(True)
    leaked = before - after >= 12
    if leaked:
        for _ in range(16):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return leaked


def emit(signal: Any, *args: Any) -> Any:
    """``signal.emit(*args)``, keeping the reference count of ``True`` intact."""
    global _leaks
    if _leaks is None:
        _leaks = _emit_leaks()
    result = signal.emit(*args)
    if _leaks and result is True:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return result
