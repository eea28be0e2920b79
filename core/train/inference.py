"""A trained network wrapped for use outside training: scaling in, probabilities or units out.

``InferenceModule(x)`` = output activation(net((x - mean) / scale)), and for regression
``out * target_scale + target_mean``. This is what exported models compute
(docs/internals.md, ``preprocessing.json``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def _broadcast_shape(kind: str, input_rank: int, size: int) -> tuple[int, ...]:
    """Per-channel scaling of images is ``(C, 1, 1)``; tables and sequences scale the last axis."""
    if kind == "image" and input_rank >= 2:
        return (size,) + (1,) * (input_rank - 1)
    return (size,)


class InferenceModule(nn.Module):
    def __init__(self, net: nn.Module, preprocessing: dict[str, Any], activation: str, task: str,
                 raw_input: bool = True):
        super().__init__()
        self.net = net
        self.activation = activation
        self.binary = activation == "sigmoid" and task == "classification"
        input_shape = tuple(preprocessing.get("input_shape") or ())
        scaling = preprocessing.get("input_scaling") if raw_input else None
        self.scale_input = bool(scaling)
        if scaling:
            shape = _broadcast_shape(preprocessing.get("kind", "table"), len(input_shape),
                                     len(scaling["mean"]))
            scale = torch.tensor(scaling["scale"], dtype=torch.float32)
            scale = torch.where(scale == 0, torch.ones_like(scale), scale)
            self.register_buffer("input_mean", torch.tensor(scaling["mean"], dtype=torch.float32).reshape(shape))
            self.register_buffer("input_scale", scale.reshape(shape))
        target = preprocessing.get("target_scaling") if task == "regression" else None
        self.scale_output = bool(target)
        if target:
            self.register_buffer("target_mean", torch.tensor(target["mean"], dtype=torch.float32))
            self.register_buffer("target_scale", torch.tensor(target["scale"], dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.scale_input:
            x = (x - self.input_mean) / self.input_scale
        out = self.net(x)
        if self.activation == "softmax":
            return torch.softmax(out, dim=1)
        if self.activation == "sigmoid":
            prob = torch.sigmoid(out)
            if self.binary:  # one logit -> probabilities of both classes
                prob = torch.cat([1 - prob, prob], dim=1)
            return prob
        if self.scale_output:
            out = out * self.target_scale + self.target_mean
        return out
