"""What an attribution explains: one score per sample, as a function Captum can differentiate.

:class:`Scores` wraps a trained network (its preprocessed input in, the primary head out)
so that column ``k`` of its output is the score of class ``k`` (a one-logit binary model
gets ``[-z, z]``, the log-odds of each class), of regression target ``k``, or, for
reconstruction, the sample's squared error.

Token ids cannot take gradients (an Embedding looks them up), so for a network with
Embeddings the inputs Captum varies are the embeddings' **outputs**: forward hooks swap
each Embedding's output for the tensor Captum hands in, and the other features (numbers,
one-hot columns) are a second input; the token ids themselves stay fixed and travel as an
additional argument. :func:`embedding_positions` finds which features each Embedding reads.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from core.explain.base import ExplainError


def embedding_modules(net: nn.Module) -> list[tuple[str, nn.Module]]:
    """The network's token Embeddings (LayerForge's ``TokenEmbedding`` and plain ``nn.Embedding``)."""
    from core.layers.torch_modules import TokenEmbedding

    found: list[tuple[str, nn.Module]] = []
    for name, module in net.named_modules():
        inside = any(name.startswith(f"{outer}.") for outer, _m in found)
        if isinstance(module, TokenEmbedding) or (isinstance(module, nn.Embedding) and not inside):
            found.append((name, module))
    return found


def embedding_positions(net: nn.Module, embeddings: list[nn.Module], n_features: int) -> list[np.ndarray]:
    """For each Embedding, the feature index each of its token positions comes from.

    One forward pass on a probe row whose feature ``f`` holds the number ``f``: each
    Embedding's input then *is* the list of feature indices it reads (its lookups are made
    on zeros, so the probe never indexes past the vocabulary).
    """
    seen: dict[int, torch.Tensor] = {}

    def capture(index):
        def hook(module, args):
            seen[index] = args[0].detach().clone()
            return (torch.zeros_like(args[0]),) + tuple(args[1:])
        return hook

    handles = [m.register_forward_pre_hook(capture(i)) for i, m in enumerate(embeddings)]
    try:
        with torch.no_grad():
            net(torch.arange(n_features, dtype=torch.float32).unsqueeze(0))
    finally:
        for handle in handles:
            handle.remove()
    positions = []
    for index in range(len(embeddings)):
        probe = seen.get(index)
        values = probe.reshape(-1).numpy() if probe is not None else np.zeros(0)
        if probe is None or not np.all(values == np.round(values)) or values.min(initial=0) < 0 \
                or values.max(initial=0) >= n_features:
            raise ExplainError("an Embedding of this network does not read the token ids straight"
                               " from an Input, so its words cannot be attributed: explain a network"
                               " whose Embedding follows a text Input")
        positions.append(values.astype(np.int64))
    return positions


class Scores(nn.Module):
    """``forward(*parts[, fixed]) -> (N, K)`` scores; see the module docstring for ``parts``."""

    def __init__(self, net: nn.Module, *, task: str, activation: str,
                 embeddings: list[nn.Module] = (), free_index: np.ndarray | None = None):
        super().__init__()
        self.net = net
        self.task = task
        self.binary = activation == "sigmoid" and task == "classification"
        self.embeddings = list(embeddings)
        self.free_index = None if free_index is None else torch.as_tensor(free_index, dtype=torch.long)
        self._given: list[torch.Tensor] | None = None
        #: Called with the number of rows before every forward pass (progress, Cancel).
        self.before_forward = None

    @property
    def by_embeddings(self) -> bool:
        return bool(self.embeddings)

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        if self.before_forward is not None:
            self.before_forward(int(args[0].shape[0]))
        if not self.embeddings:
            x = args[0]
        else:
            fixed, parts = args[-1], list(args[:-1])
            x = fixed
            if self.free_index is not None and len(self.free_index):
                x = fixed.index_copy(1, self.free_index, parts.pop(0))
            self._given = parts
        try:
            out = self.net(x)
        finally:
            self._given = None
        if self.task == "reconstruction":
            return ((out - x) ** 2).flatten(1).mean(1, keepdim=True)
        out = out.flatten(1)
        if self.binary and out.shape[1] == 1:
            out = torch.cat([-out, out], dim=1)
        return out

    @contextmanager
    def hooked(self):
        """While inside, each Embedding returns the tensor Captum gave for it."""
        def swap(index):
            def hook(module, args, output):
                return self._given[index] if self._given is not None else output
            return hook

        handles = [m.register_forward_hook(swap(i)) for i, m in enumerate(self.embeddings)]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()
