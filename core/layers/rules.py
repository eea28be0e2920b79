"""Helpers shared by the shape rules of the layer definition modules."""

from __future__ import annotations

import math
from typing import Any

from core.errors import ShapeError

Shape = tuple[int, ...]


def show(shape: Shape) -> str:
    """A shape with its batch dimension, as messages print it: ``(N, 16, 5, 5)``."""
    return "(" + ", ".join(["N", *map(str, shape)]) + ")"


def pair(value: Any) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``[3, 5]`` -> ``(3, 5)``."""
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def fpair(value: Any) -> tuple[float, float]:
    if isinstance(value, (list, tuple)):
        return float(value[0]), float(value[1])
    return float(value), float(value)


def numel(shape: Shape) -> int:
    return math.prod(shape)


def single(inputs: list[Shape]) -> Shape:
    return inputs[0]


def need_rank(shape: Shape, ranks: tuple[int, ...], what: str, hint: str) -> None:
    """Raise a teaching error unless ``len(shape)`` is one of ``ranks``."""
    if len(shape) not in ranks:
        raise ShapeError(f"needs {what} but receives {show(shape)}: {hint}")


def window_out(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    """Output length of a convolution or pooling window along one dimension."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def windows(spatial: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
            padding: tuple[int, ...], dilation: tuple[int, ...], received: Shape) -> tuple[int, ...]:
    """Output sizes of a sliding window, with an error that says which size is too small."""
    out = []
    for size, k, s, pad, d in zip(spatial, kernel, stride, padding, dilation):
        n = window_out(size, k, s, pad, d)
        if n < 1:
            span = d * (k - 1) + 1
            raise ShapeError(
                f"has a window of {span} but receives {show(received)}, where a size of {size}"
                f" (plus padding {pad} on each side) is smaller than the window: use a smaller"
                " kernel_size, add padding, or remove a pooling layer before it")
        out.append(n)
    return tuple(out)


def check_pool_padding(kernel: tuple[int, ...], padding: tuple[int, ...]) -> None:
    for k, pad in zip(kernel, padding):
        if pad > k // 2:
            raise ShapeError(f"has padding {pad}, more than half its kernel_size {k}:"
                             f" use padding of at most {k // 2}")


def normalize_dim(dim: int, rank_with_batch: int, name: str, received: Shape) -> int:
    """A possibly negative ``dim`` counted with the batch dimension, made positive."""
    if not -rank_with_batch <= dim < rank_with_batch:
        raise ShapeError(f"has {name}={dim}, which is out of range for {show(received)}"
                         f" (allowed: {-rank_with_batch} to {rank_with_batch - 1}, where 0 is the batch)")
    return dim % rank_with_batch
