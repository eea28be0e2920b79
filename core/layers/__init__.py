"""The layer library. Importing this package fills :data:`REGISTRY` (no torch import)."""

# Registration order is the palette's order within each category.
from core.layers import basic, conv, recurrent, sequence, norm, activations, merge, generative  # noqa: F401,I001
from core.layers.params import Param, ParamSet
from core.layers.registry import CATEGORIES, REGISTRY, BuildContext, LayerSpec, Shape

__all__ = ["CATEGORIES", "REGISTRY", "BuildContext", "LayerSpec", "Param", "ParamSet", "Shape"]
