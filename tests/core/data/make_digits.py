"""The 8×8 handwritten digits folder of the generative examples (``vae_digits``, ``gan_digits``).

The 1,797 digits of scikit-learn's bundled ``load_digits`` (the UCI "Optical Recognition of
Handwritten Digits" test set, CC BY 4.0; see ``resources/sample_data/digits/README.md``):
8×8 grey images whose pixels count 0 to 16 filled cells of a 4×4 block, ten classes.
Each is written as an 8×8 greyscale PNG, the count scaled to 0..255.

``python -m tests.core.data.make_digits [FOLDER]`` writes ``FOLDER/<digit>/<n>.png``, where
``n`` is the image's row in ``load_digits`` (0000 to 1796); the shipped folder is
``resources/sample_data/digits``. scikit-learn is needed only to run this script: the
PNGs are committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
FOLDER = ROOT / "resources" / "sample_data" / "digits"
SIZE = 8
COUNT = 1797
CLASSES = tuple(str(d) for d in range(10))


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The images as ``(1797, 8, 8)`` uint8 (0..16 scaled to 0..255) and their digits."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = np.rint(np.asarray(data.images, np.float64) * (255.0 / 16.0)).astype(np.uint8)
    return images, np.asarray(data.target, np.int64)


def write(folder: str | Path = FOLDER) -> Path:
    from PIL import Image

    folder = Path(folder)
    images, labels = digits()
    for name in CLASSES:
        (folder / name).mkdir(parents=True, exist_ok=True)
    for i, (image, label) in enumerate(zip(images, labels)):
        Image.fromarray(image, "L").save(folder / str(label) / f"{i:04d}.png", optimize=True)
    return folder


if __name__ == "__main__":
    print(write(sys.argv[1] if len(sys.argv) > 1 else FOLDER))
