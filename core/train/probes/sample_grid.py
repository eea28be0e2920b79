"""What the two generative sample probes share: noise drawn once, and pictures tiled.

The GAN's and the VAE's sample probes both decode the *same* random numbers at each
snapshot, so that their grids show the network learning rather than new draws. The noise
comes from a generator of its own, seeded, so training's random numbers are untouched.
"""

from __future__ import annotations

import math

import numpy as np

#: The grey between a grid's images (black images on black would run together).
GAP_GREY = 72


def fixed_noise(shape: tuple[int, ...], seed: int, device):
    """Standard normal numbers of ``shape`` from a generator seeded with ``seed``, on ``device``."""
    import torch

    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)).to(device)


def is_image_data(info) -> bool:
    """Whether the data's samples are pictures (channels first, grey or RGB)."""
    shape = tuple(getattr(info, "input_shape", ()) or ())
    return len(shape) == 3 and shape[0] in (1, 3)


def tile(images: np.ndarray, columns: int | None = None) -> tuple[np.ndarray, int]:
    """``images`` (n, C, H, W) in the data's units as one uint8 picture, ``columns`` per row
    (default: a square), and the columns used; a (1, 1) black picture when they are not images."""
    from core.generate import grid_image

    columns = columns or max(1, math.ceil(math.sqrt(len(images))))
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        return np.zeros((1, 1), np.uint8), columns
    return np.asarray(grid_image(images, columns, fill=GAP_GREY)), columns
