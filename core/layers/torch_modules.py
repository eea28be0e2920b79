"""The few torch modules LayerForge adds to ``torch.nn``.

This file imports nothing but torch, on purpose: the standalone-code export copies
these classes into the ``model.py`` it writes, so the exported model never needs
LayerForge installed.
"""

import torch
from torch import nn


class Add(nn.Module):
    """Element-wise sum of all inputs (residual connections)."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Multiply(nn.Module):
    """Element-wise product of all inputs (gating)."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Concat(nn.Module):
    """Concatenation of all inputs along ``dim`` (dim 1 is the channel or feature axis)."""

    def __init__(self, dim: int = 1):
        super().__init__()
        self.dim = dim

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.cat(inputs, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Reshape(nn.Module):
    """Reshape each sample to ``shape`` (the batch dimension is kept)."""

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class Columns(nn.Module):
    """The features at ``indices`` of each sample: an Input that takes some table columns."""

    def __init__(self, indices):
        super().__init__()
        self.indices = [int(i) for i in indices]
        # Not a weight: kept out of the saved weights, rebuilt from ``indices``.
        self.register_buffer("index", torch.tensor(self.indices, dtype=torch.long), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.index_select(1, self.index)

    def extra_repr(self) -> str:
        return f"indices={self.indices}"


class Noise(nn.Module):
    """A noise Input: ``size`` numbers from N(0, 1) per sample, drawn fresh on every call.

    It reads only the batch size, device and dtype of the features it is given, so a GAN's
    generator runs inside the one-tensor network like any other branch.
    """

    def __init__(self, size: int):
        super().__init__()
        self.size = int(size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype if x.is_floating_point() else torch.float32
        return torch.randn(x.shape[0], self.size, device=x.device, dtype=dtype)

    def extra_repr(self) -> str:
        return f"size={self.size}"


class ClassLabel(nn.Module):
    """A label Input: the sample's class as a one-hot vector of ``classes`` numbers.

    The one-tensor network has only the features, not the labels, so here it gives zeros
    (no class) of the right shape. A conditional GAN's trainer, ``layerforge generate`` and
    the generator's export cut the network so that this node is an input of its own
    (:func:`core.generate.decoder_network`), fed with real or chosen labels, one-hot.
    """

    def __init__(self, classes: int):
        super().__init__()
        self.classes = int(classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype if x.is_floating_point() else torch.float32
        return torch.zeros(x.shape[0], self.classes, device=x.device, dtype=dtype)

    def extra_repr(self) -> str:
        return f"classes={self.classes}"


class Recurrent(nn.Module):
    """An RNN, LSTM or GRU over batch-first sequences.

    Returns the whole output sequence, or, with ``return_sequences=False``, the final
    hidden state of the last layer (both directions when bidirectional).
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0,
                 return_sequences: bool = False, nonlinearity: str = "tanh"):
        super().__init__()
        kwargs = dict(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
                      bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0,
                      batch_first=True)
        if cell == "RNN":
            self.rnn = nn.RNN(nonlinearity=nonlinearity, **kwargs)
        elif cell == "LSTM":
            self.rnn = nn.LSTM(**kwargs)
        elif cell == "GRU":
            self.rnn = nn.GRU(**kwargs)
        else:
            raise ValueError(f"unknown recurrent cell {cell!r}")
        self.return_sequences = return_sequences
        self.bidirectional = bidirectional

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, state = self.rnn(x)
        if self.return_sequences:
            return output
        hidden = state[0] if isinstance(state, tuple) else state
        if self.bidirectional:
            return torch.cat([hidden[-2], hidden[-1]], dim=1)
        return hidden[-1]


class SelfAttention(nn.Module):
    """Multi-head self-attention over a batch-first sequence (query = key = value)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        self.attention = nn.MultiheadAttention(embed_dim, num_heads, dropout=dropout,
                                               bias=bias, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.attention(x, x, x, need_weights=False)
        return out


class TokenEmbedding(nn.Module):
    """``nn.Embedding`` that accepts token indices stored as floats (as data tensors are)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None):
        super().__init__()
        self.embedding = nn.Embedding(num_embeddings, embedding_dim, padding_idx=padding_idx)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embedding(x.long())


class SequencePool(nn.Module):
    """Mean or max over the steps of ``(N, L, D)`` -> ``(N, D)``.

    Given the token ids ``(N, L)`` too, padding steps (id 0) are left out; a row that is
    all padding gives zeros.
    """

    def __init__(self, mode: str = "mean"):
        super().__init__()
        if mode not in ("mean", "max"):
            raise ValueError(f"unknown pooling mode {mode!r}")
        self.mode = mode

    def forward(self, x: torch.Tensor, tokens: torch.Tensor = None) -> torch.Tensor:
        if tokens is None:
            return x.mean(dim=1) if self.mode == "mean" else x.amax(dim=1)
        keep = (tokens != 0).unsqueeze(-1)  # (N, L, 1)
        weight = keep.to(x.dtype)
        count = weight.sum(dim=1)  # (N, 1)
        if self.mode == "mean":
            return (x * weight).sum(dim=1) / count.clamp(min=1.0)
        largest = x.masked_fill(~keep, float("-inf")).amax(dim=1)
        return torch.where(count > 0, largest, torch.zeros_like(largest))

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"


class LastStep(nn.Module):
    """The step of ``(N, L, D)`` at each sample's last non-padding token -> ``(N, D)``.

    Without token ids it is the last step; a row that is all padding gives its first step.
    """

    def forward(self, x: torch.Tensor, tokens: torch.Tensor = None) -> torch.Tensor:
        if tokens is None:
            return x[:, -1]
        steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)  # (1, L)
        last = torch.where(tokens != 0, steps, torch.zeros_like(steps)).amax(dim=1)  # (N,)
        index = last.reshape(-1, 1, 1).expand(-1, 1, x.shape[2])
        return x.gather(1, index).squeeze(1)


class PositionalEncoding(nn.Module):
    """Adds position information to ``(N, L, D)``: fixed sines and cosines, or a learned
    ``(max_len, D)`` table; then dropout."""

    def __init__(self, d_model: int, max_len: int, kind: str = "sinusoidal", dropout: float = 0.0):
        super().__init__()
        if kind not in ("sinusoidal", "learned"):
            raise ValueError(f"unknown positional encoding {kind!r}")
        self.d_model, self.max_len, self.kind = d_model, max_len, kind
        self.dropout = nn.Dropout(dropout)
        if kind == "learned":
            self.position = nn.Parameter(torch.empty(max_len, d_model))
            nn.init.normal_(self.position, std=0.02)
        else:
            # Not a weight: kept out of the saved weights, rebuilt from d_model and max_len.
            self.register_buffer("position", self.sinusoids(max_len, d_model), persistent=False)

    @staticmethod
    def sinusoids(max_len: int, d_model: int) -> torch.Tensor:
        """The Transformer's table: sin at even features, cos at odd ones, wavelengths
        from 2π to 10000·2π."""
        position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
        rate = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32)
                         * (-9.210340371976184 / d_model))  # 10000 ** (-2i / d_model)
        table = torch.zeros(max_len, d_model)
        table[:, 0::2] = torch.sin(position * rate)
        table[:, 1::2] = torch.cos(position * rate[: d_model // 2])
        return table

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(x + self.position[: x.shape[1]])

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}, kind={self.kind!r}"


class PaddedTransformerEncoderLayer(nn.TransformerEncoderLayer):
    """``nn.TransformerEncoderLayer`` (batch first) that can take the token ids ``(N, L)`` as
    a second input: padding steps (id 0) are then hidden from attention. A row that is all
    padding keeps its first step visible, so that attention has something to attend to."""

    def forward(self, src: torch.Tensor, tokens: torch.Tensor = None) -> torch.Tensor:
        if tokens is None:
            return super().forward(src)
        padding = tokens == 0
        empty = padding.sum(dim=1, keepdim=True) == tokens.shape[1]  # (N, 1): all padding
        first = torch.arange(tokens.shape[1], device=tokens.device).unsqueeze(0) == 0  # (1, L)
        return super().forward(src, src_key_padding_mask=padding & ~(empty & first))


class Permute(nn.Module):
    """Reorders the axes of each sample: ``dims`` counts them from 1 (the batch stays 0)."""

    def __init__(self, dims):
        super().__init__()
        self.dims = tuple(int(d) for d in dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, *self.dims)

    def extra_repr(self) -> str:
        return f"dims={self.dims}"

class Head(nn.Module):
    """The Output layer: a Linear layer reshaped to the target's shape."""

    def __init__(self, in_features: int, target_shape):
        super().__init__()
        self.target_shape = tuple(target_shape)
        units = 1
        for size in self.target_shape:
            units *= size
        self.linear = nn.Linear(in_features, units)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(x)
        if len(self.target_shape) > 1:
            out = out.reshape(out.shape[0], *self.target_shape)
        return out


class Sample(nn.Module):
    """The VAE's reparameterisation: ``z = mean + exp(log_var / 2) * noise`` while training,
    ``z = mean`` in eval mode (predictions and exports are repeatable).

    While a trainer collects it (``collect = True``), each call also keeps the KL
    divergence of N(mean, exp(log_var)) from N(0, 1), summed over the latent features and
    averaged over the batch, times ``kl_weight`` and the warm-up factor, in ``aux_loss``:
    the trainer adds it to the loss. Exports never set ``collect``, so the forward pass
    changes no attribute there.
    """

    def __init__(self, kl_weight: float = 1.0, warmup_epochs: int = 0):
        super().__init__()
        self.kl_weight = float(kl_weight)
        self.warmup_epochs = int(warmup_epochs)
        self.factor = 1.0 if self.warmup_epochs == 0 else 0.0
        self.collect = False
        self.aux_loss = None

    def set_epoch(self, epoch: int) -> None:
        """Epoch ``epoch`` (1 = the first) weighs the KL term by ``epoch / warmup_epochs``, up to 1."""
        self.factor = 1.0 if self.warmup_epochs == 0 else min(1.0, epoch / self.warmup_epochs)

    def forward(self, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
        if self.collect:
            clamped = log_var.float().clamp(-30.0, 20.0)
            m = mean.float()
            kl = -0.5 * (1 + clamped - m.pow(2) - clamped.exp())
            self.aux_loss = kl.flatten(1).sum(dim=1).mean() * (self.kl_weight * self.factor)
        if not self.training:
            return mean
        noise = torch.randn_like(mean)
        return mean + noise * (0.5 * log_var.clamp(-30.0, 20.0)).exp()

    def extra_repr(self) -> str:
        return f"kl_weight={self.kl_weight!r}, warmup_epochs={self.warmup_epochs!r}"
