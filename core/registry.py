"""A registry of specs keyed by name: the shape every domain list of LayerForge takes.

Optimisers, losses, schedules, metrics (and layers, through
:class:`core.layers.registry.LayerRegistry`) each keep one :class:`Registry`. Registering
a name twice is a programming mistake (``ValueError``); asking for a name that is not
there is usually a person's (a hand-edited project file), so it raises
:class:`~core.errors.UnknownNameError` with one sentence that names the key, what kind
of thing was asked for and the closest names the registry knows.
"""

from __future__ import annotations

import difflib
from typing import Callable, Generic, Iterator, TypeVar

from core.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Specs in registration order, keyed by ``key(spec)`` (``spec.name`` unless told).

    ``subject`` is what one entry is, in words: ``"optimizer"``, ``"loss"``,
    ``"learning-rate schedule"``; the error sentences use it.
    """

    def __init__(self, subject: str, key: Callable[[T], str] | None = None):
        self.subject = subject
        self._key: Callable[[T], str] = key or (lambda spec: spec.name)  # type: ignore[attr-defined]
        self._specs: dict[str, T] = {}

    def register(self, spec: T) -> T:
        name = self._key(spec)
        if name in self._specs:
            raise ValueError(f"{self.subject} {name!r} is already registered")
        self._specs[name] = spec
        return spec

    def get(self, name: object) -> T:
        try:
            return self._specs[name]  # type: ignore[index]
        except (KeyError, TypeError):
            raise self.unknown(name) from None

    def unknown(self, name: object) -> Exception:
        """The error for a name that is not registered (subclasses may say more)."""
        return UnknownNameError(unknown_sentence(self.subject, name, list(self._specs)),
                                subject=self.subject, name=name)

    def names(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._specs
        except TypeError:  # an unhashable value from a JSON file
            return False

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._specs.values()))

    def __len__(self) -> int:
        return len(self._specs)


def closest(name: object, known: list[str], n: int = 3) -> list[str]:
    """The known names nearest to ``name``: a case-insensitive match first, then difflib's."""
    if not isinstance(name, str):
        return []
    lowered = {k.lower(): k for k in known}
    if name.lower() in lowered:
        return [lowered[name.lower()]]
    return difflib.get_close_matches(name, known, n=n, cutoff=0.6)


def unknown_sentence(subject: str, name: object, known: list[str]) -> str:
    """``unknown optimizer 'adma': did you mean 'adam' or 'adamw'?`` (else the known names)."""
    text = f"unknown {subject} {name!r}"
    near = closest(name, known)
    if near:
        return text + ": did you mean " + " or ".join(repr(k) for k in near) + "?"
    return text + ": use one of " + ", ".join(repr(k) for k in known)


def and_list(names, quoted: bool = True) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b' and 'c'`` (or without quotes): names in a sentence."""
    shown = [repr(n) if quoted else str(n) for n in names]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
