"""Frozen layers: a node with ``"trainable": false`` keeps its weights during training.

The key lives beside the node's params (``Node.extra``), so it is saved with the project
and read by :func:`core.train.setup.freeze`. Only layers that have weights can be frozen.
``training.unfreeze_at_epoch`` lets them train again later in the same run
(:mod:`core.train.unfreeze`); ``lr_multiplier`` (:mod:`core.layers.lr_multiplier`) slows a
layer down without stopping it.
"""

from __future__ import annotations

from core.layers.registry import REGISTRY


def is_frozen(node) -> bool:
    return node.extra.get("trainable", True) is False


def can_freeze(node) -> bool:
    """Whether the layer can have weights (a ReLU or Flatten has none to keep)."""
    return can_freeze_type(node.type)


def can_freeze_type(type_name: str) -> bool:
    from core.layers.registry import _zero

    return REGISTRY.get(type_name).count_params is not _zero
