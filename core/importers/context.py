"""What the converters of one import share: the draft network, the input, the usage counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.importers.draft import Draft, DraftNode
from core.importers.errors import Unsupported
from core.importers.values import Tensor


@dataclass
class Context:
    draft: Draft
    opset: int
    input_tensor: Tensor
    #: The table column of each input feature (an Input's ``columns`` name them).
    feature_columns: list[str]
    #: ONNX tensor name -> how many nodes read it (the graph's output counts as a reader).
    uses: dict[str, int]
    static_batch: int | None = None
    input_is_int: bool = False
    #: ``(mean, scale)`` taken off the input: ``(x - mean) / scale`` becomes preprocessing.
    scaling: tuple[np.ndarray, np.ndarray] | None = None
    #: Recurrent node id -> "last" (final hidden state) or "seq" (every step).
    recurrent_modes: dict[str, str] = field(default_factory=dict)
    columns: dict[tuple[int, ...], Tensor] = field(default_factory=dict)
    #: ONNX tensor name -> its value so far (the converter loop fills it).
    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def used_once(self, name: str) -> bool:
        return self.uses.get(name, 0) == 1

    def node(self, value: Tensor) -> DraftNode:
        return self.draft.nodes[value.node]

    def is_input(self, value: Any) -> bool:
        return isinstance(value, Tensor) and value == self.input_tensor

    def recurrent_output(self, node_id: str, mode: str) -> Tensor:
        """The recurrent node's tensor when its output is used as ``mode``; a node used both
        ways (every step and the final state) has no single LayerForge layer."""
        previous = self.recurrent_modes.get(node_id)
        if previous is not None and previous != mode:
            raise Unsupported("the recurrent layer's steps and its final state are both used;"
                              " LayerForge's recurrent layers give one or the other")
        self.recurrent_modes[node_id] = mode
        return self.draft.reshape_node(node_id, {"return_sequences": mode == "seq"})

    def columns_input(self, indices: list[int], source: str) -> Tensor:
        """An Input that takes the features at ``indices`` (an ONNX Gather on the input)."""
        key = tuple(indices)
        if key in self.columns:
            return self.columns[key]
        from core.heads import feature_indices

        names = list(dict.fromkeys(self.feature_columns[i] for i in indices))
        if feature_indices(self.feature_columns, names) != list(indices):
            raise Unsupported("it picks input features that are not whole table columns in"
                              " their order; a LayerForge Input takes columns")
        value = self.draft.add("Input", {"shape": [len(indices)], "columns": names}, [],
                               source=source)
        self.columns[key] = value
        return value
