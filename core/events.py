"""A tiny Qt-free signal: the views subscribe to the core objects through it."""

from __future__ import annotations

from typing import Any, Callable


class Signal:
    """A list of callbacks called in order with the emitted arguments.

    ``blocked()`` is a context manager that silences the signal, for bulk updates
    that end with a single ``reset``-style emission.
    """

    __slots__ = ("_callbacks", "_blocked")

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []
        self._blocked = 0

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        try:
            self._callbacks.remove(callback)
        except ValueError:
            pass

    def emit(self, *args: Any) -> None:
        if self._blocked:
            return
        for callback in list(self._callbacks):
            callback(*args)

    def blocked(self) -> "_Blocker":
        return _Blocker(self)

    def __len__(self) -> int:
        return len(self._callbacks)


class _Blocker:
    def __init__(self, signal: Signal) -> None:
        self._signal = signal

    def __enter__(self) -> Signal:
        self._signal._blocked += 1
        return self._signal

    def __exit__(self, *exc: object) -> None:
        self._signal._blocked -= 1
