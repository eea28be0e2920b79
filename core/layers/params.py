"""Parameter schemas of layers: types, defaults, ranges and one-line docs.

The designer builds its forms and tooltips from these objects; the project loader
validates a node's ``params`` with them. Values keep their JSON form (a pair is a
list ``[3, 3]``), so a project file round-trips unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from core.errors import ParamError

#: The kinds of parameter an editor must be able to show.
KINDS = ("int", "float", "bool", "choice", "int_or_pair", "int_list", "float_or_pair", "name_list")


@dataclass(frozen=True)
class Param:
    """One parameter of a layer.

    ``optional`` allows ``None``, whose meaning ``none_means`` explains ("same as
    kernel_size", "from the data", ...). ``minimum``/``maximum`` bound every number,
    also each number inside a pair or list.
    """

    name: str
    kind: str
    default: Any
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False
    none_means: str = ""
    list_length: tuple[int, int] | None = None  # (min, max) items for int_list and name_list
    #: ``"module:function"`` returning the choices, for a list that another registry owns
    #: (the Output's loss): read when first needed, so the layer modules import nothing more.
    choices_from: str = ""
    #: ``"module:function"`` taking ``(params, data)`` (the node's other parameters and the
    #: loaded data's :class:`~core.shapes.DataShapes`, or None) and returning the choices that
    #: fit them (the Output's losses for its target): what an editor offers. Validation still
    #: accepts every :meth:`options` value; a choice that does not fit is the analysis's to flag.
    choices_in: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r} for {self.name}")
        if self.kind == "choice" and not self.choices_from and self.default not in self.choices:
            raise ValueError(f"default of {self.name} is not one of its choices")

    def options(self) -> tuple[str, ...]:
        """The allowed values of a ``choice`` parameter."""
        if not self.choices_from:
            return self.choices
        import importlib

        module, name = self.choices_from.split(":")
        return tuple(getattr(importlib.import_module(module), name)())

    def options_in(self, params: dict[str, Any], data: Any = None) -> tuple[str, ...]:
        """The choices that fit a node's ``params`` and the data (``choices_in``), else all of
        :meth:`options`. The first is the default when it is among them."""
        if not self.choices_in:
            return self.options()
        import importlib

        module, name = self.choices_in.split(":")
        return tuple(getattr(importlib.import_module(module), name)(params, data))

    # ------------------------------------------------------------------ describing
    def range_text(self) -> str:
        """Human words for the allowed values, used in messages and tooltips."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.options())
        lo, hi = self.minimum, self.maximum
        what = {"int": "a whole number", "float": "a number",
                "int_or_pair": "a whole number or a pair of them",
                "float_or_pair": "a number or a pair of them",
                "int_list": "a list of whole numbers",
                "name_list": "a list of names"}[self.kind]
        if lo is not None and hi is not None:
            what += f" from {_fmt(lo)} to {_fmt(hi)}"
        elif lo is not None:
            what += f" of at least {_fmt(lo)}"
        elif hi is not None:
            what += f" of at most {_fmt(hi)}"
        return what

    # ------------------------------------------------------------------ validating
    def validate(self, value: Any) -> Any:
        """Return ``value`` if it is allowed, else raise :class:`ParamError` with a sentence."""
        if value is None:
            if self.optional:
                return None
            raise self._error(value)
        kind = self.kind
        if kind == "bool":
            if isinstance(value, bool):
                return value
            raise self._error(value)
        if kind == "choice":
            if isinstance(value, str) and value in self.options():
                return value
            raise self._error(value)
        if kind == "int":
            self._check_number(value, integer=True)
            return value
        if kind == "float":
            self._check_number(value, integer=False)
            return value
        if kind in ("int_or_pair", "float_or_pair"):
            integer = kind == "int_or_pair"
            if isinstance(value, (list, tuple)):
                if len(value) != 2:
                    raise self._error(value)
                for item in value:
                    self._check_number(item, integer=integer, whole=value)
                return list(value)
            self._check_number(value, integer=integer)
            return value
        if kind == "int_list":
            if not isinstance(value, (list, tuple)):
                raise self._error(value)
            if self.list_length is not None:
                lo, hi = self.list_length
                if not lo <= len(value) <= hi:
                    raise self._error(value)
            for item in value:
                self._check_number(item, integer=True, whole=value)
            return list(value)
        if kind == "name_list":
            if not isinstance(value, (list, tuple)) or not all(
                    isinstance(item, str) and item.strip() for item in value):
                raise self._error(value)
            if self.list_length is not None and not self.list_length[0] <= len(value) <= self.list_length[1]:
                raise self._error(value)
            return list(value)
        raise AssertionError(kind)  # pragma: no cover - KINDS is checked in __post_init__

    def _check_number(self, value: Any, *, integer: bool, whole: Any = None) -> None:
        shown = value if whole is None else whole
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._error(shown)
        if integer and not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                raise self._error(shown, hint=f" (write {int(value)} without a decimal point)")
            raise self._error(shown)
        if isinstance(value, float) and not math.isfinite(value):
            raise self._error(shown)
        if self.minimum is not None and value < self.minimum:
            raise self._error(shown)
        if self.maximum is not None and value > self.maximum:
            raise self._error(shown)

    def _error(self, value: Any, hint: str = "") -> ParamError:
        allowed = self.range_text()
        if self.optional:
            allowed += f", or empty ({self.none_means or 'automatic'})"
        return ParamError(f"{self.name} must be {allowed}, got {_show(value)}{hint}",
                          param=self.name)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "an object"
    return str(value)


@dataclass(frozen=True)
class ParamSet:
    """The ordered parameters of one layer type, with lookup by name."""

    params: tuple[Param, ...] = field(default_factory=tuple)

    def __iter__(self):
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def get(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}
