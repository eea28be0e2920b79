"""Converters of ONNX operations, one function per operation type, found by name.

A converter gets the ONNX node, the values of its inputs (:mod:`core.importers.values`)
and the conversion context, and returns the value of each output. It raises
:class:`~core.importers.errors.Unsupported` with the reason when this node cannot become
LayerForge layers; the converter loop lists it with its node name and goes on, so one
import reports every operation that does not map. Operations whose inputs are all
constants (or batch-size arithmetic) never reach a converter: the loop computes them.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from onnx import helper

from core.importers.errors import Unsupported
from core.importers.values import Const, Marker, Sym, Tensor, Unknown

Converter = Callable[..., Any]
OPS: dict[str, Converter] = {}


def op(*names: str):
    """Register a converter for the ONNX operation types ``names``."""
    def register(function: Converter) -> Converter:
        for name in names:
            if name in OPS:
                raise ValueError(f"two converters for ONNX {name}")
            OPS[name] = function
        return function
    return register


def attr(node, name: str, default: Any = None) -> Any:
    """An attribute of an ONNX node as a Python value (bytes decoded), or ``default``."""
    for item in node.attribute:
        if item.name == name:
            value = helper.get_attribute_value(item)
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace")
            if isinstance(value, list):
                return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
            return value
    return default


def tensor(value: Any, what: str = "its input") -> Tensor:
    """``value`` as a LayerForge tensor, else :class:`Unsupported` saying what it is."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Marker):
        raise Unsupported(f"{what} comes from '{value.origin}' in a way LayerForge does not recognise")
    if isinstance(value, (Const, Sym)):
        raise Unsupported(f"{what} is a constant where LayerForge needs the data flowing through"
                          " the network")
    raise Unsupported(f"{what} is missing")


def const(value: Any, what: str = "its parameter") -> np.ndarray:
    """``value`` as a constant array, else :class:`Unsupported`."""
    if isinstance(value, Const):
        return value.value
    raise Unsupported(f"{what} must be a constant (a weight stored in the file) but is computed"
                      " from the input")


def optional_const(value: Any, what: str) -> np.ndarray | None:
    return None if value is None else const(value, what)


def is_marker(value: Any, *kinds: str) -> bool:
    return isinstance(value, Marker) and value.kind in kinds


def axes_of(node, args: list[Any], opset: int, index: int = 1) -> list[int] | None:
    """The ``axes`` of a reduction or (un)squeeze: an attribute before opset 13/18, an input after."""
    found = attr(node, "axes")
    if found is not None:
        return [int(a) for a in found]
    if len(args) > index and args[index] is not None:
        return [int(a) for a in np.asarray(const(args[index], "its axes")).reshape(-1)]
    return None


def unknown(node) -> list[Unknown]:
    return [Unknown(node.name or node.op_type) for _ in node.output]


# The converters register themselves on import.
from core.importers.ops import elementwise, layers, recurrent, sequence, shaping  # noqa: E402,F401
