"""The LayerForge network under construction while an ONNX graph is converted.

Each converted operation adds a node through :meth:`Draft.add`, which runs the layer's
own shape rule at once: a layer LayerForge would refuse (a padding its pooling does not
allow, a Reshape of five dimensions) is an unsupported operation there and then, and the
next operation knows the exact shape it receives. Weights are kept per node under the
names of the built module's ``state_dict`` (without the node id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import LayerForgeError
from core.graph import Edge, Graph, Node
from core.importers.errors import Unsupported
from core.importers.ids import IdMaker
from core.importers.values import Tensor
from core.layers import REGISTRY, BuildContext


class WeightMismatch(Exception):
    """A node's weights do not have the shape its input asks for (a broken file)."""


@dataclass
class DraftNode:
    id: str
    type: str
    params: dict[str, Any]
    inputs: list[str]
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    source: str = ""  # the ONNX node it came from, for messages
    shape: tuple[int, ...] = ()


class Draft:
    """Nodes in the order they were made (a topological order), with their weights."""

    def __init__(self, ids: IdMaker) -> None:
        self.ids = ids
        self.nodes: dict[str, DraftNode] = {}

    def add(self, type_name: str, params: dict[str, Any], inputs: list[Tensor], *,
            source: str, weights: dict[str, np.ndarray] | None = None,
            node_id: str | None = None, shape: tuple[int, ...] | None = None) -> Tensor:
        """Add a layer fed by ``inputs``; raises :class:`Unsupported` when LayerForge's layer
        refuses these parameters or shapes. ``shape``: the layer's output shape when it is known
        and LayerForge's rule needs the data to say it (an identity Output of an image, whose
        shape is the data's: the draft has no data)."""
        spec = REGISTRY.get(type_name)
        problems = spec.validate_params(params)
        if problems:
            raise Unsupported(f"it would need a {type_name} with {problems[0]}")
        if shape is None:
            shape = self.infer(type_name, params, [t.shape for t in inputs], node_id or "new")
        node_id = node_id or self.ids.for_node(source, spec.prefix)
        self.nodes[node_id] = DraftNode(node_id, type_name, dict(params), [t.node for t in inputs],
                                        dict(weights or {}), source, shape)
        return Tensor(node_id, shape)

    @staticmethod
    def infer(type_name: str, params: dict[str, Any], shapes: list[tuple[int, ...]],
              node_id: str = "new") -> tuple[int, ...]:
        spec = REGISTRY.get(type_name)
        try:
            return tuple(spec.infer(list(shapes), spec.effective_params(params),
                                    BuildContext(node_id)))
        except LayerForgeError as err:
            raise Unsupported(f"LayerForge's {type_name} {err}") from None

    def reshape_node(self, node_id: str, params: dict[str, Any]) -> Tensor:
        """Change a node's parameters (a recurrent layer that turns out to return every step)."""
        node = self.nodes[node_id]
        inputs = [self.nodes[i].shape for i in node.inputs]
        node.shape = self.infer(node.type, {**node.params, **params}, inputs, node_id)
        node.params.update(params)
        return Tensor(node_id, node.shape)

    def consumers(self, node_id: str) -> list[str]:
        return [n.id for n in self.nodes.values() if node_id in n.inputs]

    def remove(self, node_id: str) -> None:
        """Take out a node whose output nobody uses any more."""
        del self.nodes[node_id]

    def prune(self, keep: str) -> list[str]:
        """Remove every node that does not lead to ``keep``; returns the removed ids."""
        needed, stack = {keep}, [keep]
        while stack:
            for source in self.nodes[stack.pop()].inputs:
                if source not in needed:
                    needed.add(source)
                    stack.append(source)
        removed = [node_id for node_id in self.nodes if node_id not in needed]
        for node_id in removed:
            del self.nodes[node_id]
        return removed

    def state_dict(self) -> dict[str, np.ndarray]:
        """Every weight under its ``state_dict`` name (``conv1.weight``)."""
        return {f"{node.id}.{name}": value for node in self.nodes.values()
                for name, value in node.weights.items()}

    def graph(self, positions: dict[str, tuple[float, float]] | None = None) -> Graph:
        positions = positions or {}
        graph = Graph()
        nodes = [Node(n.id, n.type, dict(n.params), positions.get(n.id)) for n in self.nodes.values()]
        edges = [Edge(source, n.id, port) for n in self.nodes.values()
                 for port, source in enumerate(n.inputs)]
        graph.replace_all(nodes, edges)
        return graph
