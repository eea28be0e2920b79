"""Every hidden unit's activation over the input plane, as TensorFlow Playground draws it.

For data with two input features, each unit of a flat layer is a function of the point
(x, y): evaluated on a grid covering the data (the decision boundary's grid,
:func:`core.train.probes.boundary.plane_grid`), it becomes a small picture that shows what
the unit has learned to detect: a straight edge in the first layer, curved regions
deeper in. The probe runs the network in eval mode on that grid in the training thread
and sends the pictures as numpy arrays.

Which layers: every layer with flat outputs except the Inputs, and except a layer whose
output feeds only an activation (the activation's pictures show the same units after
their bend); at most :data:`MAX_LAYERS` layers and :data:`MAX_UNITS` units of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.train.probes.activations import layer_types
from core.train.probes.base import Probe, Sink, probe_rows
from core.train.probes.boundary import _scaling, plane_grid
from core.train.probes.registry import PROBES, ProbeSpec

#: Units of one layer that get a picture (the first ones).
MAX_UNITS = 64
#: Layers that get pictures (the first ones in the network's order).
MAX_LAYERS = 8


@dataclass
class NeuronLayer:
    """One layer's units over the plane: ``maps[u, i, j]`` is unit u at ``x = xs[j]``,
    ``y = ys[i]`` (row i is y: draw with the origin at the bottom left)."""

    node_id: str
    layer_type: str
    units: int  # the layer's width (maps may hold fewer: MAX_UNITS)
    maps: np.ndarray  # float32 (U, R, R)


@dataclass
class NeuronMaps:
    """Every chosen layer's unit pictures at one moment of training. ``xs``/``ys`` are in the
    data's original units (input scaling undone), the same in every snapshot of a run."""

    kind: str
    epoch: int
    batch: int | None
    step: int
    xs: np.ndarray  # float32 (R,)
    ys: np.ndarray  # float32 (R,)
    layers: list[NeuronLayer] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)


def applies(info) -> bool:
    """Inputs of two features (points in a plane), whatever the task."""
    return tuple(info.input_shape or ()) == (2,)


def unit_layers(graph: dict, types: dict[str, str], limit: int = MAX_LAYERS) -> list[str]:
    """The node ids whose units get pictures (see the module docstring), in ``types``' order
    (the module's). ``graph`` is a project file's ``graph`` section."""
    from core.layers import REGISTRY

    consumers: dict[str, list[str]] = {}
    for edge in graph.get("edges", []):
        consumers.setdefault(edge.get("source"), []).append(edge.get("target"))

    def is_activation(node_id: str) -> bool:
        kind = types.get(node_id)
        return kind in REGISTRY and REGISTRY.get(kind).category == "Activations"

    chosen = []
    for node_id, kind in types.items():
        if kind == "Input":
            continue
        after = consumers.get(node_id, [])
        if after and all(is_activation(n) for n in after) and kind not in ("Output",):
            continue
        chosen.append(node_id)
    return chosen[:limit]


def plane_activations(module, grid, node_ids: list[str], max_units: int = MAX_UNITS) -> dict[str, np.ndarray]:
    """Run ``module`` on the grid's points ``(R·R, 2)`` (a tensor) and return, for each of
    ``node_ids`` whose output is flat, its first ``max_units`` units: ``(U, R·R)`` float32,
    with the layer's width under the key's ``(node_id, "units")``. No gradients."""
    import torch

    outputs: dict[str, torch.Tensor] = {}
    hooks = []
    children = dict(module.named_children())
    for node_id in node_ids:
        if node_id in children:
            hooks.append(children[node_id].register_forward_hook(
                lambda _m, _i, out, name=node_id: outputs.__setitem__(name, out)))
    try:
        with torch.no_grad():
            module(grid)
    finally:
        for hook in hooks:
            hook.remove()
    result = {}
    for node_id in node_ids:
        out = outputs.get(node_id)
        if isinstance(out, torch.Tensor) and out.dim() == 2 and out.is_floating_point():
            result[node_id] = out[:, :max_units].float().t().contiguous().cpu().numpy()
            result[(node_id, "units")] = int(out.shape[1])
    return result


class NeuronMapProbe(Probe):
    """For 2-D inputs: each unit of the hidden layers (and the Output) over a grid covering
    the data, ``resolution × resolution`` small pictures."""

    def __init__(self, sink: Sink, *, resolution: int = 24, margin: float = 0.1, max_points: int = 1000,
                 max_units: int = MAX_UNITS, every_batches: int | None = None,
                 every_seconds: float | None = 1.0, at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.resolution, self.margin, self.max_points, self.max_units = resolution, margin, max_points, max_units
        self._grid = None
        self._layers: list[str] = []
        self._types: dict[str, str] = {}

    applies = staticmethod(applies)

    def prepare(self, trainer) -> None:
        import torch

        if not applies(trainer.info):
            self.enabled = False
            return
        train = trainer.dataset.train
        x = np.asarray(train.x[probe_rows(train, self.max_points, seed=1)], np.float32)
        axes, grid = plane_grid(x, self.resolution, self.margin)
        self._grid = torch.from_numpy(grid).to(trainer.placement.device)
        mean, scale = _scaling(trainer.dataset.preprocessing)
        self._xs, self._ys = axes[0] * scale[0] + mean[0], axes[1] * scale[1] + mean[1]
        self._types = layer_types(trainer)
        self._layers = unit_layers((trainer.project or {}).get("graph", {}), self._types)
        self._features = list(trainer.info.feature_names or ["x", "y"])

    def compute(self, trainer, epoch, batch, step) -> NeuronMaps | None:
        if self._grid is None or not self._layers:
            return None
        with trainer.evaluating() as module:
            values = plane_activations(module, self._grid, self._layers, self.max_units)
        r = self.resolution
        layers = [NeuronLayer(node_id, self._types.get(node_id, ""), values[(node_id, "units")],
                              values[node_id].reshape(-1, r, r))
                  for node_id in self._layers if node_id in values]
        return NeuronMaps("neuron_maps", epoch, batch, step, self._xs, self._ys, layers, self._features)


PROBES.register(ProbeSpec(
    name="neuron_maps", title="Neurons",
    doc="For 2-D inputs: every hidden unit's activation over the input plane, one small picture per unit.",
    make=NeuronMapProbe, snapshot=NeuronMaps, views=("neurons",), part="neuron_maps", applies=applies))
