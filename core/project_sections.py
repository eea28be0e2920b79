"""A project's ``training`` and ``data`` sections as typed models with one validator each.

:class:`TrainingSettings` and :class:`DataSettings` are dicts (every reader that does
``project.training.get(key)``, ``dict(...)``, ``json.dumps`` or ``==`` keeps working, and
keys this version does not know are kept and saved as they were), plus:

* ``set(key, value, info=None)`` stores a value and returns the validator's sentences
  about that key (the settings table of :mod:`core.train.settings` for training, the data
  kind's registry entry for data);
* ``problems(info=None)``: every sentence about the section;
* ``subscribe(callback)``: ``callback(key, old, new)`` after each change of one key (a set,
  an item assignment, a deletion; :data:`MISSING` stands for "not there"). No Qt.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

#: The old value of a key just added, or the new value of a key just removed.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

Callback = Callable[[str, Any, Any], None]


class Section(dict):
    """A dict whose one-key changes are announced to its subscribers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._subscribers: list[Callback] = []

    # ------------------------------------------------------------------ change signal
    def subscribe(self, callback: Callback) -> Callback:
        if callback not in self._subscribers:
            self._subscribers.append(callback)
        return callback

    def unsubscribe(self, callback: Callback) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def _announce(self, key: str, old: Any, new: Any) -> None:
        if old is MISSING or new is MISSING or old != new or type(old) is not type(new):
            for callback in list(self._subscribers):
                callback(key, old, new)

    # ------------------------------------------------------------------ typed setter
    def set(self, key: str, value: Any, info: Any = None) -> list[str]:
        """Store ``value`` (a copy) under ``key``; the validator's sentences about ``key``."""
        self[key] = copy.deepcopy(value)
        return self.key_problems(key, info)

    def problems(self, info: Any = None) -> list[str]:
        """Every problem of the section, one sentence each (empty when fine)."""
        raise NotImplementedError

    def key_problems(self, key: str, info: Any = None) -> list[str]:
        raise NotImplementedError

    # ------------------------------------------------------------------ dict, announced
    def __setitem__(self, key: str, value: Any) -> None:
        old = self.get(key, MISSING)
        super().__setitem__(key, value)
        self._announce(key, old, value)

    def __delitem__(self, key: str) -> None:
        old = self[key]
        super().__delitem__(key)
        self._announce(key, old, MISSING)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            value = self[key]
            del self[key]
            return value
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> "Section":
        self.update(other)
        return self

    def clear(self) -> None:
        for key in list(self):
            del self[key]

    # ------------------------------------------------------------------ copies
    def __copy__(self) -> "Section":
        return type(self)(self)

    def __deepcopy__(self, memo: dict) -> "Section":
        """A copy of the values without the subscribers (they watch this object only)."""
        return type(self)(copy.deepcopy(dict(self), memo))

    def __reduce__(self) -> tuple:
        return type(self), (dict(self),)


class TrainingSettings(Section):
    """``project.training``: judged by the settings table (:mod:`core.train.settings`)."""

    def problems(self, info: Any = None) -> list[str]:
        from core.train.spec import training_problems

        return training_problems(self, info)

    def key_problems(self, key: str, info: Any = None) -> list[str]:
        from core.train.settings import Context, key_problems

        return key_problems(self, (key,), Context.of(info))


class DataSettings(Section):
    """``project.data``: its ``kind`` names a data source (:data:`core.data.sources.SOURCES`),
    which says the keys it reads and needs and reads them into its typed settings
    (:meth:`options`: ``CsvOptions``, ``ImageOptions``, ``BuiltinOptions``) with the checks
    its ``describe`` and ``load`` use; reading the files is the source's ``describe``."""

    def options(self, base_dir: Any = None) -> Any:
        """The kind's typed settings, paths resolved from ``base_dir`` (default: the current
        folder; no file is opened); a ``DataError`` sentence for the first wrong value."""
        from core.data import SOURCES
        from core.data.input_noise import input_noise_options

        source = SOURCES.of(self)
        input_noise_options(self.get("input_noise"))
        return source.read_options(self, base_dir or ".") if source.read_options else None

    @property
    def source(self):
        """The data source ``kind`` names, or None when it names none."""
        from core.data import SOURCES

        return SOURCES.get(self.get("kind")) if self.get("kind") in SOURCES else None

    def problems(self, info: Any = None) -> list[str]:
        from core.data import SOURCES
        from core.errors import DataError

        try:
            source = SOURCES.of(self)
        except DataError as err:
            return [str(err)]
        missing = [f"data.{key} is missing: the {source.name} data needs it"
                   for key in source.required if self.get(key) in (None, "")]
        if missing:
            return missing
        try:
            self.options()
        except DataError as err:
            return [str(err)]
        return []

    def key_problems(self, key: str, info: Any = None) -> list[str]:
        return [p for p in self.problems(info) if p.startswith(f"data.{key} ")]
