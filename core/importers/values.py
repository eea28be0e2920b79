"""What an ONNX tensor stands for while a model is converted.

Every tensor name of the ONNX graph gets one of these values as its producer is converted:

- :class:`Const`: a known array (initializers, ``Constant`` nodes, anything computed from
  them alone);
- :class:`Sym`: an integer array that depends on the batch size (``Shape`` of a tensor
  and the arithmetic on it). It is computed twice, with two unusual batch sizes, so any
  ONNX operation can be evaluated on it and the batch is recognised where it ends up (the
  first size of a ``Reshape``);
- :class:`Tensor`: a LayerForge node's output, with its shape without the batch;
- :class:`Marker`: part of a pattern that becomes a layer only when it is complete (the
  input of a recurrent layer transposed to time-major, a padding mask, the ``1 - p`` of a
  two-class sigmoid). A marker that is never completed is reported as unsupported;
- :class:`Unknown`: the output of a node that did not map (its consumers are skipped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The two batch sizes a :class:`Sym` is computed with: primes no layer size is likely to be.
BATCHES = (9973, 9967)


@dataclass(frozen=True)
class Const:
    value: np.ndarray


@dataclass(frozen=True)
class Sym:
    """An integer array computed for both :data:`BATCHES`."""

    first: np.ndarray
    second: np.ndarray

    def batch_positions(self) -> list[int]:
        """Indices (of a 1-D array) where the value is the batch size itself."""
        flat1, flat2 = self.first.reshape(-1), self.second.reshape(-1)
        return [i for i, (a, b) in enumerate(zip(flat1, flat2)) if a == BATCHES[0] and b == BATCHES[1]]

    def depends_otherwise(self) -> bool:
        """Whether some entry depends on the batch in another way than being it."""
        flat1, flat2 = self.first.reshape(-1), self.second.reshape(-1)
        return any(a != b and not (a == BATCHES[0] and b == BATCHES[1]) for a, b in zip(flat1, flat2))


@dataclass(frozen=True)
class Tensor:
    """The output of LayerForge node ``node``: ``(N, *shape)``."""

    node: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Marker:
    """An unfinished pattern: ``kind`` names it, ``origin`` is the ONNX node that began it."""

    kind: str
    origin: str
    args: tuple[Any, ...] = field(default=())

    def arg(self, index: int) -> Any:
        return self.args[index]


@dataclass(frozen=True)
class Unknown:
    origin: str


Value = Const | Sym | Tensor | Marker | Unknown
