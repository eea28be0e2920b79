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
