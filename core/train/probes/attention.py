"""The attention weights of one fixed validation sample, per attention layer and head.

The layers are not changed: a forward pre-hook on each layer's ``nn.MultiheadAttention``
keeps the inputs and masks it is called with (a TransformerEncoderLayer's are its normalised
input and the padding mask made from the token ids), and after the forward pass the same
attention is called on them again with ``need_weights=True`` (eval mode, no gradients).
Torch's fused fast path, which skips the attention module altogether in eval mode, is
switched off for that one pass. Padding steps are cut off: a row of ``weights`` is a query
token, a column a key token; where the layer is given the token ids (masked), a row sums
to 1, else ``padding_share`` says how much of it went to the padding.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.data.encoder import PAD_ID
from core.train.probes.activations import layer_types
from core.train.probes.base import Probe, Sink, probe_rows, probe_split
from core.train.probes.registry import PROBES, ProbeSpec
from core.train.probes.tokens import column_read, decoder, embedding_modules, features_read, text_columns

#: Validation samples looked at once to choose the one shown.
CANDIDATES = 256
#: The sample shown has about this many tokens (or as many as texts have, when fewer).
TYPICAL_TOKENS = 16


@dataclass
class LayerAttention:
    """One attention layer's weights on the sample, per head."""

    node_id: str  # the layer's node id (``node.sub`` when a layer holds several attentions)
    layer_type: str
    #: float32 (H, T, T): ``weights[h, i, j]`` is how much query token i takes from key token j
    #: in head h, over the sample's T tokens (padding cut off).
    weights: np.ndarray
    #: float32 (H, T): the share of each query's attention that went to padding keys (0 when
    #: the layer hides the padding, or the sample has none).
    padding_share: np.ndarray
    #: Whether the layer itself hides the padding (a TransformerEncoderLayer given the token ids).
    masked: bool = False

    @property
    def heads(self) -> int:
        return int(self.weights.shape[0])


@dataclass
class AttentionSnapshot:
    kind: str
    epoch: int
    batch: int | None  # None at the end of an epoch
    step: int
    split: str  # where the sample comes from: "validation", else "train"
    sample: int  # its row in that split
    tokens: list[str]  # T labels: the words (text), else the step numbers from 1
    positions: np.ndarray  # int64 (T,): each shown token's step in the sequence
    length: int  # the sequence's steps, padding included
    real_tokens: int  # the sample's steps that are not padding (T, unless more than max_tokens)
    layers: list[LayerAttention] = field(default_factory=list)


def attention_layers(module) -> list[tuple[str, Any]]:
    """(label, nn.MultiheadAttention) of each attention inside the network's layers."""
    from torch import nn

    found = []
    for name, sub in module.named_children():
        inner = [(path, m) for path, m in sub.named_modules() if isinstance(m, nn.MultiheadAttention)]
        for path, attention in inner:
            found.append((name if len(inner) == 1 else f"{name}.{path}" if path else name, attention))
    return found


@contextmanager
def slow_path():
    """Torch's own attention modules run step by step (the fused fast path of an eval-mode
    TransformerEncoderLayer never calls its ``self_attn``)."""
    import torch

    mha = torch.backends.mha
    before = mha.get_fastpath_enabled()
    mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        mha.set_fastpath_enabled(before)


def padding_of(mask) -> Any:
    """A key padding mask (bool: True hides; float: -inf hides) as bool, or None."""
    import torch

    if mask is None:
        return None
    return mask if mask.dtype == torch.bool else torch.isneginf(mask)


class AttentionProbe(Probe):
    """For a network with MultiheadAttention or TransformerEncoderLayer layers: every layer's
    attention weights per head on one validation sample (chosen once: a text of typical length)."""

    def __init__(self, sink: Sink, *, max_tokens: int = 64, every_batches: int | None = None,
                 every_seconds: float | None = 1.0, at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.max_tokens = max_tokens
        self._layers: list[tuple[str, Any]] = []
        self._types: dict[str, str] = {}
        self._embedding = None  # the Embedding whose input ids label the steps
        self._words = decoder(None)
        self._input = None  # the sample, (1, *input_shape) on the device
        self._split, self._row = "validation", 0

    @staticmethod
    def applies(info) -> bool:
        """Sequences: text, or steps of features (N, steps, features)."""
        return int(getattr(info, "vocab_size", 0) or 0) > 0 or len(tuple(info.input_shape)) == 2

    def prepare(self, trainer) -> None:
        import torch

        self._input = None
        self._layers = attention_layers(trainer.module)
        if not self.applies(trainer.info) or not self._layers:
            self.enabled = False
            return
        self._types = layer_types(trainer)
        embeddings = embedding_modules(trainer.module)
        columns = text_columns(trainer.dataset.preprocessing)
        features = features_read(trainer, embeddings) if embeddings else {}
        reading = [(name, m) for name, m in embeddings if column_read(features[name], columns) is not None]
        name, self._embedding = (reading or embeddings or [(None, None)])[0]
        self._words = decoder(column_read(features.get(name), columns) if name else None)
        self._split, split = probe_split(trainer.dataset)
        rows = probe_rows(split, CANDIDATES, seed=2)
        x = torch.from_numpy(np.ascontiguousarray(split.x[rows], np.float32)).to(trainer.placement.device)
        ids, calls, _found = self._forward(trainer, x, weights=False)
        padding = self._padding(ids, calls, x.shape[0])
        real = (~padding).sum(1) if padding is not None else np.full(len(rows), 1)
        target = min(max(float(np.median(real)), 1.0), TYPICAL_TOKENS)
        choice = int(np.argmin(np.abs(real - target) + 1e9 * (real == 0)))
        self._row = int(rows[choice])
        self._input = x[choice:choice + 1].clone()

    def _forward(self, trainer, x, weights: bool = True):
        """One eval forward pass of ``x``. Returns the Embedding's ids (N, L) or None, each
        layer's call to its attention ``{label: (args, kwargs)}``, and with ``weights`` each
        layer's weights ``{label: (N, H, L, S) float tensor}`` from calling it again."""
        calls: dict[str, tuple] = {}
        found: dict[str, Any] = {}
        seen: dict[str, Any] = {}

        def keep(label):
            def hook(_module, args, kwargs):
                calls[label] = (args, dict(kwargs))
            return hook

        handles = [attention.register_forward_pre_hook(keep(label), with_kwargs=True)
                   for label, attention in self._layers]
        if self._embedding is not None:
            handles.append(self._embedding.register_forward_pre_hook(
                lambda _m, args: seen.__setitem__("ids", args[0].detach())))
        try:
            with trainer.evaluating(), slow_path():
                trainer.module(x)
                for handle in handles:
                    handle.remove()
                handles = []
                if weights:
                    for label, attention in self._layers:
                        if label in calls:
                            args, kwargs = calls[label]
                            again = {**kwargs, "need_weights": True, "average_attn_weights": False}
                            found[label] = attention(*args, **again)[1].float()
        finally:
            for handle in handles:
                handle.remove()
        ids = seen.get("ids")
        if ids is not None:
            ids = ids.reshape(ids.shape[0], -1).round().long().cpu().numpy()
        return ids, calls, found

    def _padding(self, ids, calls, count: int) -> np.ndarray | None:
        """(N, L) bool: the padding steps (from the token ids when they label the attention's
        steps, else from the first layer's key padding mask), or None when nothing says."""
        label = self._layers[0][0]
        if label not in calls:
            return None
        args, kwargs = calls[label]
        steps = args[0].shape[1] if args and getattr(args[0], "dim", lambda: 0)() == 3 else None
        if ids is not None and ids.shape == (count, steps):
            return ids == PAD_ID
        mask = padding_of(kwargs.get("key_padding_mask"))
        return None if mask is None else mask.cpu().numpy().astype(bool)

    def compute(self, trainer, epoch, batch, step) -> AttentionSnapshot | None:
        if self._input is None:
            return None
        ids, calls, found = self._forward(trainer, self._input)
        layers = []
        steps = shown = padding = None
        for label, _attention in self._layers:
            if label not in found:
                continue  # not on the path of this input
            kwargs = calls[label][1]
            weights = found[label][0].cpu().numpy()  # (H, L, S)
            if weights.shape[-1] != weights.shape[-2]:
                continue  # not self-attention: no square picture
            if steps is None:
                steps = weights.shape[-1]
                padding = self._sample_padding(ids, kwargs, steps)
                shown = np.flatnonzero(~padding)[: self.max_tokens]
            if weights.shape[-1] != steps:
                continue
            mask = padding_of(kwargs.get("key_padding_mask"))
            masked = mask is not None and bool(mask[0].any())
            rows = weights[:, shown]
            layers.append(LayerAttention(
                label, self._types.get(label.split(".")[0], "MultiheadAttention"),
                np.ascontiguousarray(rows[:, :, shown], np.float32),
                rows[:, :, padding].sum(-1).astype(np.float32), masked))
        if not layers:
            return None
        if ids is not None and ids.shape[1] == steps:
            tokens = self._words(ids[0, shown])
        else:
            tokens = [str(int(p) + 1) for p in shown]
        return AttentionSnapshot("attention", epoch, batch, step, self._split, self._row, tokens,
                                 shown.astype(np.int64), int(steps), int((~padding).sum()), layers)

    @staticmethod
    def _sample_padding(ids, kwargs, steps: int) -> np.ndarray:
        """(L,) bool: the sample's padding steps (none when nothing says)."""
        if ids is not None and ids.shape[1] == steps:
            padding = ids[0] == PAD_ID
        else:
            mask = padding_of(kwargs.get("key_padding_mask"))
            padding = (mask[0].cpu().numpy().astype(bool) if mask is not None
                       else np.zeros(steps, bool))
        if padding.all():  # an empty text: its first step stands for it (as the layer does)
            padding = padding.copy()
            padding[0] = False
        return padding


PROBES.register(ProbeSpec(
    name="attention", title="Attention",
    doc="Attention layers: each head's attention weights on one validation sample, padding cut off.",
    make=AttentionProbe, snapshot=AttentionSnapshot, views=("attention",), part="attention",
    applies=AttentionProbe.applies))
