"""The convolution page's kernel demo, in numpy: 3×3 kernels applied to a sample image.

:func:`convolve` computes what a Conv2d layer computes for one channel and one kernel
(a cross-correlation: the kernel is not flipped), with the border pixels repeated so the
output keeps the image's size. :func:`sample_image` reads the bundled grey picture
(``resources/sample_data/kernel_demo.png``: a house, a fence, a sun and a grassy ground,
i.e. edges, flat areas, a gradient, fine stripes and noise). No torch: the designer calls
this on the GUI thread, and a 128×96 image takes well under a millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.resources import resource_path

SAMPLE_IMAGE = ("sample_data", "kernel_demo.png")


@dataclass(frozen=True)
class Kernel:
    name: str
    title: str
    weights: tuple[tuple[float, ...], ...]  # 3 rows of 3
    doc: str

    @property
    def array(self) -> np.ndarray:
        return np.asarray(self.weights, np.float32)


KERNELS: tuple[Kernel, ...] = (
    Kernel("identity", "Identity", ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
           "Only the centre counts: the output is the image itself."),
    Kernel("blur", "Blur", ((1 / 9,) * 3,) * 3,
           "The average of the 3×3 patch: edges soften and the grass's noise fades."),
    Kernel("gaussian", "Gaussian blur", ((1 / 16, 2 / 16, 1 / 16), (2 / 16, 4 / 16, 2 / 16), (1 / 16, 2 / 16, 1 / 16)),
           "A weighted average, the centre counting most: a gentler blur."),
    Kernel("sharpen", "Sharpen", ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
           "The pixel plus how much it differs from its neighbours: edges get crisper, noise too."),
    Kernel("edges", "Edges (all directions)", ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
           "The weights add up to 0: flat areas and smooth gradients give 0, edges light up."),
    Kernel("vertical", "Vertical edges", ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
           "The Sobel kernel: the right side minus the left side. The fence posts and the walls light up."),
    Kernel("horizontal", "Horizontal edges", ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
           "The bottom minus the top: the ground line and the window's top and bottom light up."),
    Kernel("emboss", "Emboss", ((-2, -1, 0), (-1, 1, 1), (0, 1, 2)),
           "Light from the top left: the picture looks pressed into metal."),
)


def kernel(name: str) -> Kernel:
    for item in KERNELS:
        if item.name == name:
            return item
    raise KeyError(f"no kernel {name!r}: the kernels are " + ", ".join(k.name for k in KERNELS))


def sample_image() -> np.ndarray:
    """The bundled grey sample picture as float32 ``(H, W)`` in [0, 1]."""
    from PIL import Image

    with Image.open(resource_path(*SAMPLE_IMAGE)) as picture:
        return np.asarray(picture.convert("L"), np.float32) / 255.0


def convolve(image: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``out[i, j] = Σₘ Σₙ weights[m, n] · image[i + m − 1, j + n − 1]`` for a 3×3 ``weights``
    (border pixels repeated): the output has the image's shape."""
    image = np.asarray(image, np.float32)
    weights = np.asarray(weights, np.float32)
    if weights.shape != (3, 3):
        raise ValueError(f"the kernel must be 3×3, not {weights.shape}")
    padded = np.pad(image, 1, mode="edge")
    h, w = image.shape
    out = np.zeros_like(image)
    for m in range(3):
        for n in range(3):
            out += weights[m, n] * padded[m:m + h, n:n + w]
    return out


def for_display(result: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The convolved picture as grey levels in [0, 1]: clipped for kernels that keep the
    brightness (their weights add up to about 1); for kernels whose weights add up to about
    0 (edge detectors) the size of the response, scaled so the strongest edge is white."""
    if sums_to_zero(weights):
        size = np.abs(result)
        peak = float(size.max())
        return size / peak if peak > 0 else size
    return np.clip(result, 0.0, 1.0)


def sums_to_zero(weights: np.ndarray) -> bool:
    """Whether the kernel's weights add up to (about) 0: an edge detector, blind to flat areas."""
    return abs(float(np.asarray(weights, np.float64).sum())) < 1e-3


def one_pixel(image: np.ndarray, weights: np.ndarray, row: int, column: int) -> tuple[np.ndarray, float]:
    """The 3×3 patch under the kernel at ``(row, column)`` (border repeated) and the output
    there: the worked example of one output pixel."""
    padded = np.pad(np.asarray(image, np.float32), 1, mode="edge")
    patch = padded[row:row + 3, column:column + 3]
    return patch, float((patch * np.asarray(weights, np.float32)).sum())
