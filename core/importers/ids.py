"""Readable node ids for imported layers, taken from the ONNX node names where they can be.

PyTorch's exporter names each ONNX node after the module that made it
(``/features/conv1/Conv``, ``/net/lstm1/rnn/LSTM``), so the module's attribute name is
the natural id of the layer: a model exported by LayerForge gets its own node ids back,
and ``training.init_from`` then matches its weights by name. Names without a module path
(another exporter's ``node_Conv_0``) give ids from the layer type's prefix (``conv1``).
"""

from __future__ import annotations

import re

from core.graph import id_problem

#: Attribute names that LayerForge's own layers wrap their torch module in: the node is
#: the component before them (``/net/lstm1/rnn/LSTM`` is node ``lstm1``).
_WRAPPERS = {"rnn", "embedding", "linear", "attention"}


def scope_parts(onnx_name: str) -> list[str]:
    """The module path of an ONNX node name: ``/net/fc1/Gemm`` -> ``["net", "fc1"]``."""
    if not onnx_name.startswith("/"):
        return []
    return [part for part in onnx_name.split("/")[1:-1] if part]


def _clean(text: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")
    return text[:60]


class IdMaker:
    """Hands out unique, valid node ids; ``known`` are the ids of the design an exported
    LayerForge model carries (preferred when a module path names one of them)."""

    def __init__(self, known: set[str] | None = None) -> None:
        self.known = known or set()
        self.taken: set[str] = set()
        self.counters: dict[str, int] = {}

    def claim(self, wanted: str) -> str:
        """``wanted`` if it is free and valid, else ``wanted_2``, ``wanted_3``, ..."""
        base = _clean(wanted) or "layer"
        if not base[0].isalpha():
            base = "n" + base
        candidate, n = base, 2
        while candidate in self.taken or id_problem(candidate) is not None:
            candidate = f"{base}_{n}"
            n += 1
        self.taken.add(candidate)
        return candidate

    def for_node(self, onnx_name: str, prefix: str) -> str:
        """The id of a layer made from ONNX node ``onnx_name`` (of a layer type with ``prefix``)."""
        parts = scope_parts(onnx_name)
        for part in parts:
            if part in self.known and part not in self.taken:
                return self.claim(part)
        if parts:
            tail = [p for p in parts if p not in _WRAPPERS] or parts
            name = _clean(tail[-1])
            if name and not name[0].isalpha():  # features.0 -> features_0; 0 -> conv_0
                name = _clean((tail[-2] if len(tail) > 1 else prefix) + "_" + tail[-1])
            if name and name not in self.taken and id_problem(name) is None:
                return self.claim(name)
            if name:
                return self.claim(f"{name}_{prefix}")
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        while f"{prefix}{self.counters[prefix]}" in self.taken:
            self.counters[prefix] += 1
        return self.claim(f"{prefix}{self.counters[prefix]}")
