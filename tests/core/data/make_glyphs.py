"""The glyphs image folder of the fine-tuning example, and larger sets for its benchmark.

Four classes of 28×28 grey glyphs, drawn like the built-in ``shapes`` set (random size
and place, outlined or bold, noise) but different figures: plus, cross, diamond and bars.
A network pretrained on the built-in shapes has learnt strokes, edges and corners; here
it meets new figures with only a few examples of each, which is what fine-tuning is for.

``python -m tests.core.data.make_glyphs FOLDER [PER_CLASS] [SEED]`` writes
``FOLDER/<class>/<n>.png``; the example's folder is ``resources/sample_data/glyphs`` with
20 images per class and seed 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SIZE = 28
CLASSES = ("bars", "cross", "diamond", "plus")


def glyph(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One glyph as float pixels in [0, 1]."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5
    radius = rng.uniform(6, 10)
    cx, cy = rng.uniform(radius + 1, SIZE - radius - 1, 2)
    width = rng.uniform(1.2, 2.6)
    dx, dy = xx - cx, yy - cy
    if kind == "plus":
        mask = ((np.abs(dx) <= width) & (np.abs(dy) <= radius)) | ((np.abs(dy) <= width) & (np.abs(dx) <= radius))
    elif kind == "cross":
        near = lambda a, b: np.abs(a - b) <= width * 1.3  # noqa: E731
        mask = (near(dx, dy) | near(dx, -dy)) & (np.maximum(np.abs(dx), np.abs(dy)) <= radius * 0.8)
    elif kind == "diamond":
        d = np.abs(dx) + np.abs(dy)
        mask = (d <= radius) & (d >= radius - 2 * width) if rng.random() < 0.5 else d <= radius
    else:  # two parallel bars, horizontal or vertical
        a, b = (dx, dy) if rng.random() < 0.5 else (dy, dx)
        gap = radius * 0.45
        mask = (np.abs(b) <= radius) & ((np.abs(a - gap) <= width) | (np.abs(a + gap) <= width))
    return mask * rng.uniform(0.6, 1.0)


def glyphs(per_class: int, seed: int = 0, noise: float = 0.05) -> dict[str, np.ndarray]:
    """``per_class`` images of each class, ``(n, 28, 28)`` uint8, repeatable with ``seed``."""
    rng = np.random.default_rng(seed)
    out = {}
    for kind in CLASSES:
        images = np.stack([glyph(kind, rng) for _ in range(per_class)])
        images = np.clip(images + rng.normal(0, noise, images.shape), 0, 1)
        out[kind] = (images * 255 + 0.5).astype(np.uint8)
    return out


def write(folder: str | Path, per_class: int = 20, seed: int = 0) -> Path:
    from PIL import Image

    folder = Path(folder)
    for kind, images in glyphs(per_class, seed).items():
        (folder / kind).mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(images, 1):
            Image.fromarray(image, "L").save(folder / kind / f"{i:03d}.png", optimize=True)
    return folder


if __name__ == "__main__":
    args = sys.argv[1:]
    write(args[0] if args else "glyphs", int(args[1]) if len(args) > 1 else 20,
          int(args[2]) if len(args) > 2 else 0)
