"""A layer's learning-rate multiplier: ``"lr_multiplier": 0.1`` beside a node's params.

The layer's weights then train at ``training.learning_rate × 0.1`` (a pretrained backbone
that should move slowly while a fresh head learns at the full rate). Absent means 1.
Like ``trainable`` (:mod:`core.layers.frozen`) the key lives in ``Node.extra``, so it is
saved with the project; the trainer turns it into optimiser parameter groups
(:mod:`core.train.param_groups`). Zero is refused on purpose: freezing the layer (the lock
on its card) is how its weights are kept as they are.
"""

from __future__ import annotations

import math
from typing import Any

from core.layers.frozen import can_freeze

#: The node key, and the value a node without it has.
KEY = "lr_multiplier"
DEFAULT = 1.0
#: The largest multiplier accepted (the learning rate itself stops at 100).
MAXIMUM = 100.0


def is_valid(value: Any) -> bool:
    """Whether ``value`` is a multiplier: a finite number above 0 and at most :data:`MAXIMUM`."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and 0 < value <= MAXIMUM)


def lr_multiplier(node) -> float:
    """The node's multiplier; 1 when it has none, or none that is valid (``check`` says so)."""
    value = node.extra.get(KEY, DEFAULT)
    return float(value) if is_valid(value) else DEFAULT


def value_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a multiplier (the end of a sentence), or None when it can."""
    if is_valid(value):
        return None
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return ("must be above 0, not 0: to keep the layer's weights as they are, freeze it (the"
                " lock on its card) and remove the multiplier")
    return f"must be a number above 0 and at most {MAXIMUM:g} (such as 0.1), not {shown}"


def multiplier_problems(graph) -> list:
    """One :class:`~core.shapes.Problem` per node whose ``lr_multiplier`` is not a valid number,
    for ``layerforge check``, the Problems panel and the start of training."""
    from core.shapes import Problem, node_label

    problems = []
    for node_id, node in graph.nodes.items():
        if KEY in node.extra:
            reason = value_problem(node.extra[KEY])
            if reason:
                problems.append(Problem(f"{node_label(graph, node_id)}: lr_multiplier {reason}", node_id))
    return problems


def layer_multipliers(graph) -> dict[str, float]:
    """``{node id: multiplier}`` of the layers with weights whose multiplier is not 1."""
    out = {}
    for node_id, node in graph.nodes.items():
        value = lr_multiplier(node)
        if value != DEFAULT and can_freeze(node):
            out[node_id] = value
    return out


def format_multiplier(value: float) -> str:
    """``×0.1``: how a card and the inspector show a multiplier."""
    return f"×{value:g}"
