"""Per-layer activations on a fixed probe batch: distribution, mean/std, dead units, feature maps."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.train.probes.base import Probe, Sink, probe_rows, probe_split
from core.train.probes.registry import PROBES, ProbeSpec

#: Quantile levels of every layer's outputs, for a band plot over time.
QUANTILE_LEVELS = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)
#: Activations after which a unit that is never positive counts as dead.
RELU_LIKE = frozenset({"ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Mish"})
#: At most this many values per layer (a fixed random subset) enter the quantiles and the
#: histogram: sorting all of a conv layer's outputs would cost more than the forward pass.
MAX_VALUES = 8192


@dataclass
class LayerActivation:
    """One layer's outputs on the probe batch."""

    node_id: str
    layer_type: str
    shape: tuple[int, ...]  # one sample's output shape
    quantiles: np.ndarray  # float32, at QUANTILE_LEVELS
    histogram: np.ndarray  # int64 counts, ``bins`` of them
    bin_edges: np.ndarray  # float32, bins + 1 edges from the minimum to the maximum
    mean: float
    std: float
    #: Share of units (channels of images, else every output value) that are never
    #: positive over the probe batch; ``None`` unless the layer is ReLU-like.
    dead_fraction: float | None = None
    #: ``(C, H, W)`` float32 maps of the chosen sample for image-shaped outputs (at most
    #: ``max_maps`` channels), else ``None``.
    feature_maps: np.ndarray | None = None


@dataclass
class ActivationSnapshot:
    kind: str
    epoch: int
    batch: int | None  # None at the end of an epoch
    step: int
    sample_index: int  # which probe sample the feature maps show
    sample_input: np.ndarray  # that sample's model input, (*input_shape)
    layers: list[LayerActivation] = field(default_factory=list)


def layer_types(trainer) -> dict[str, str]:
    """Node id -> layer type of each submodule of the built network."""
    nodes = (trainer.project or {}).get("graph", {}).get("nodes", [])
    known = {n.get("id"): n.get("type") for n in nodes if isinstance(n, dict)}
    return {name: known.get(name) or type(sub).__name__
            for name, sub in trainer.module.named_children()}


class ActivationProbe(Probe):
    """Runs the network in eval mode on a fixed batch and summarises every layer's output.

    ``probe_size`` samples are chosen once (seeded, from the validation split if any).
    ``sample_index`` (settable at any time) picks the sample whose feature maps are sent.
    """

    def __init__(self, sink: Sink, *, probe_size: int = 128, bins: int = 30, max_maps: int = 16,
                 sample_index: int = 0, every_batches: int | None = None,
                 every_seconds: float | None = 1.0, at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.probe_size, self.bins, self.max_maps = probe_size, bins, max_maps
        self.sample_index = sample_index
        self._inputs = None
        self._types: dict[str, str] = {}
        self._subsets: dict = {}

    def prepare(self, trainer) -> None:
        import torch

        _name, split = probe_split(trainer.dataset)
        rows = probe_rows(split, self.probe_size)
        self._inputs = torch.from_numpy(np.ascontiguousarray(split.x[rows], np.float32)).to(
            trainer.placement.device)
        self._types = layer_types(trainer)

    @property
    def probe_inputs(self) -> np.ndarray | None:
        """The probe batch (model inputs), so a view can offer its samples to choose from."""
        return None if self._inputs is None else self._inputs.cpu().numpy()

    def compute(self, trainer, epoch, batch, step) -> ActivationSnapshot:
        import torch

        outputs: dict[str, torch.Tensor] = {}
        hooks = []
        for node_id, sub in trainer.module._modules.items():
            hooks.append(sub.register_forward_hook(
                lambda _m, _i, out, name=node_id: outputs.__setitem__(name, out)))
        try:
            with trainer.evaluating():
                trainer.module(self._inputs)  # every layer, every head's too
                index = min(max(self.sample_index, 0), len(self._inputs) - 1)
                layers = [self._summarise(name, out, index) for name, out in outputs.items()
                          if isinstance(out, torch.Tensor) and out.is_floating_point()]
        finally:
            for hook in hooks:
                hook.remove()
        return ActivationSnapshot("activations", epoch, batch, step, index,
                                  self._inputs[index].float().cpu().numpy(), layers)

    def _subset(self, numel: int, device):
        """The same random positions every time for a layer of this size."""
        import torch

        key = (numel, str(device))
        if key not in self._subsets:
            generator = torch.Generator().manual_seed(numel)
            self._subsets[key] = torch.randperm(numel, generator=generator)[:MAX_VALUES].to(device)
        return self._subsets[key]

    def _summarise(self, name: str, out, index: int) -> LayerActivation:
        import torch

        out = out.float()
        flat = out.reshape(-1)
        if flat.numel() > MAX_VALUES:
            flat = flat.index_select(0, self._subset(flat.numel(), flat.device))
        levels = torch.tensor(QUANTILE_LEVELS, device=flat.device)
        quantiles = torch.quantile(flat, levels)
        low, high = quantiles[0], quantiles[-1]
        histogram = torch.histc(flat, bins=self.bins, min=float(low), max=float(high))
        stats = torch.stack([flat.mean(), flat.std(unbiased=False) if flat.numel() > 1 else flat.new_zeros(())])
        layer_type = self._types.get(name, "")
        dead = None
        if layer_type in RELU_LIKE and out.dim() >= 2:
            positive = out > 0
            if out.dim() == 4:  # images: a channel is a unit
                alive = positive.any(dim=(0, 2, 3))
            else:
                alive = positive.any(dim=0).reshape(-1)
            dead = 1.0 - float(alive.float().mean())
        maps = None
        if out.dim() == 4:
            maps = out[index, : self.max_maps].cpu().numpy()
        q = quantiles.cpu().numpy().astype(np.float32)
        mean, std = stats.cpu().tolist()
        edges = np.linspace(q[0], q[-1], self.bins + 1, dtype=np.float32)
        return LayerActivation(name, layer_type, tuple(out.shape[1:]), q,
                               histogram.cpu().numpy().astype(np.int64), edges, mean, std, dead, maps)


PROBES.register(ProbeSpec(
    name="activations", title="Activations",
    doc="Every layer's outputs on a fixed batch: quantiles, histogram, mean, std, dead units, feature maps.",
    make=ActivationProbe, snapshot=ActivationSnapshot, views=("activations", "feature_maps"),
    part="activations"))
