"""The layer registry: one :class:`LayerSpec` per layer type, keyed by PyTorch's class name.

A spec owns everything about its layer type: the parameter schema, the palette
category, the texts that teach, the shape rule (pure Python, so the designer can show
shapes before torch is even imported), the parameter and multiply-accumulate counts,
and how to build the real torch module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from core.errors import ParamError, UnknownLayerError
from core.layers.params import Param, ParamSet
from core.registry import Registry

if TYPE_CHECKING:  # pragma: no cover
    import torch

Shape = tuple[int, ...]
"""A tensor shape without the batch dimension, e.g. ``(16, 5, 5)``."""

#: Palette categories, in the order the palette shows them.
CATEGORIES = (
    "Input/Output",
    "Core",
    "Convolution & Pooling",
    "Recurrent & Attention",
    "Normalization & Regularization",
    "Activations",
    "Merge",
    "Generative",
)


@dataclass(frozen=True)
class BuildContext:
    """What a shape rule or builder knows beyond its inputs and parameters."""

    node_id: str
    input_shape: Shape | None = None  # the data's sample shape (for Input)
    target_shape: Shape | None = None  # the shape of one target (for Output), e.g. (3,)
    #: All the data says (a :class:`core.shapes.DataShapes`: feature columns, task, classes),
    #: for the Input's ``columns`` and an Output's own loss; None without data.
    data: Any = None


ShapeRule = Callable[[list[Shape], dict[str, Any], BuildContext], Shape]
CountRule = Callable[[list[Shape], dict[str, Any], Shape], int]
Builder = Callable[[list[Shape], dict[str, Any], BuildContext], "torch.nn.Module"]


def _zero(inputs: list[Shape], params: dict[str, Any], out: Shape) -> int:
    return 0


@dataclass(frozen=True)
class LayerSpec:
    """Everything LayerForge knows about one layer type.

    ``min_inputs``/``max_inputs`` give the number of incoming wires it accepts
    (``max_inputs=None`` for any number, as Add and Concat do). ``infer`` raises
    :class:`core.errors.ShapeError` with a message written to follow the node's name:
    ``"needs a flat input but receives (N, 16, 5, 5): add a Flatten before it"``.

    ``reads_data`` marks a layer whose shape or size depends on ``ctx.data`` beyond the
    Input and Output (an Embedding that follows the data's vocabulary): a cache of shape
    results must key it on the data too. Its ``infer`` writes the value it took from the
    data into the params dict it was given (a copy made for that call), so that the count
    rules, which see the same dict but no context, count the real module.
    """

    type: str
    category: str
    summary: str
    explanation: str
    infer: ShapeRule
    build: Builder
    params: ParamSet = field(default_factory=ParamSet)
    count_params: CountRule = _zero
    count_macs: CountRule = _zero
    min_inputs: int = 1
    max_inputs: int | None = 1
    shape_formula: str = ""
    when_to_use: str = ""
    id_prefix: str = ""
    reads_data: bool = False

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.type}: unknown category {self.category!r}")

    @property
    def prefix(self) -> str:
        """The stem of new node ids of this type, e.g. ``conv`` for ``conv1``."""
        return self.id_prefix or self.type.lower()

    def effective_params(self, given: dict[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with the given values (unknown names are kept out)."""
        merged = self.params.defaults()
        for key, value in given.items():
            if key in merged:
                merged[key] = value
        return merged

    def validate_params(self, given: Any) -> list[ParamError]:
        """Every problem with a node's ``params`` object, as :class:`ParamError` s."""
        if not isinstance(given, dict):
            return [ParamError("params must be an object of name: value pairs")]
        problems: list[ParamError] = []
        for name, value in given.items():
            spec = self.params.get(name)
            if spec is None:
                known = ", ".join(p.name for p in self.params) or "none"
                problems.append(ParamError(
                    f"{self.type} has no parameter {name!r} (its parameters: {known})", param=name))
                continue
            try:
                spec.validate(value)
            except ParamError as err:
                problems.append(err)
        return problems


class LayerRegistry(Registry[LayerSpec]):
    """Layer specs by type name; registering a name twice is an error."""

    def __init__(self) -> None:
        super().__init__("layer type", key=lambda spec: spec.type)

    def unknown(self, type_name: object) -> Exception:
        return UnknownLayerError(_unknown_message(type_name, self._specs))

    def names(self) -> list[str]:  # type: ignore[override]
        return list(self._specs)

    def by_category(self) -> dict[str, list[LayerSpec]]:
        grouped: dict[str, list[LayerSpec]] = {c: [] for c in CATEGORIES}
        for spec in self._specs.values():
            grouped[spec.category].append(spec)
        return grouped


def _unknown_message(type_name: object, known: dict[str, LayerSpec]) -> str:
    import difflib

    text = f"unknown layer type {type_name!r}"
    if isinstance(type_name, str):
        close = difflib.get_close_matches(type_name, list(known), n=1, cutoff=0.6)
        lowered = {k.lower(): k for k in known}
        if type_name.lower() in lowered:
            close = [lowered[type_name.lower()]]
        if close:
            return text + f": did you mean {close[0]!r}?"
    return text + ": see the palette or docs/layers.md for the layer names"


#: The one registry of LayerForge; ``core.layers`` fills it on import.
REGISTRY = LayerRegistry()


def register(spec: LayerSpec) -> LayerSpec:
    return REGISTRY.register(spec)


def p(name: str, kind: str, default: Any, doc: str, **kw: Any) -> Param:
    """Shorthand used by the layer definition modules."""
    return Param(name, kind, default, doc, **kw)
