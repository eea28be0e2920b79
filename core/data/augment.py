"""Random image augmentation: on the training device as torch ops, and a numpy preview.

``data.augment`` options (all off by default):

- ``hflip`` / ``vflip``: mirror half of the images left-right / top-bottom.
- ``rotation``: rotate by a random angle in ``[-rotation, rotation]`` degrees.
- ``random_resized_crop``: crop a random part covering ``1 - value`` to all of the
  image's area (aspect ratio 3/4 to 4/3) and stretch it back to the full size.
- ``color_jitter``: scale brightness, contrast and (colour images) saturation by
  random factors in ``[1 - value, 1 + value]``.

:class:`ImageAugment` is what ``Dataset.augment`` holds: the trainer calls it on each
training batch ``(N, C, H, W)`` of pixels in [0, 1] on its device; torch is imported
only when it runs. :func:`preview` applies the same transforms with numpy and Pillow,
so the designer can show examples without running torch on the GUI thread. Both
share the formulas below (written for numpy arrays and torch tensors alike).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.errors import DataError

DEFAULTS = {"hflip": False, "vflip": False, "rotation": 0, "random_resized_crop": 0,
            "color_jitter": 0}
_LIMITS = {"rotation": (0, 180), "random_resized_crop": (0, 0.9), "color_jitter": (0, 1)}
_LOG_RATIO = math.log(4 / 3)


def augment_options(value: Any) -> dict[str, Any]:
    """``data.augment`` checked, with defaults filled in."""
    if value is None:
        return dict(DEFAULTS)
    if not isinstance(value, dict):
        raise DataError(f"data.augment must be an object such as {{\"hflip\": true}}, got {value!r}")
    unknown = sorted(set(value) - set(DEFAULTS))
    if unknown:
        raise DataError(f"data.augment has no option {unknown[0]!r}: use {', '.join(DEFAULTS)}")
    options = dict(DEFAULTS)
    for key in ("hflip", "vflip"):
        if not isinstance(value.get(key, False), bool):
            raise DataError(f"data.augment.{key} must be true or false, got {value[key]!r}")
        options[key] = value.get(key, False)
    for key, (low, high) in _LIMITS.items():
        number = value.get(key, 0)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not low <= number <= high:
            raise DataError(f"data.augment.{key} must be a number from {low} to {high}, got {number!r}")
        options[key] = number
    return options


def enabled(options: dict[str, Any]) -> bool:
    return any(options.get(k) for k in DEFAULTS)


def _min1(value):
    """``min(value, 1)`` for numpy arrays and torch tensors alike."""
    return (value + 1 - abs(value - 1)) / 2


def affine(u, options: dict[str, Any], aspect: float, xp):
    """Per-sample affine map from output to input, in grid coordinates ([-1, 1] per axis).

    ``u`` is ``(N, 5)`` uniform random numbers; returns ``(a, b, c, d, e, f)`` with
    ``x_in = a x + b y + c`` and ``y_in = d x + e y + f``; ``aspect`` is width / height.
    """
    angle = (u[:, 0] * 2 - 1) * (options["rotation"] * math.pi / 180)
    crop = options["random_resized_crop"]
    if crop:
        area = 1 - crop * u[:, 1]
        ratio = xp.exp((u[:, 2] * 2 - 1) * _LOG_RATIO)
        sx, sy = _min1(xp.sqrt(area * ratio)), _min1(xp.sqrt(area / ratio))
        tx, ty = (u[:, 3] * 2 - 1) * (1 - sx), (u[:, 4] * 2 - 1) * (1 - sy)
    else:
        sx = sy = u[:, 1] * 0 + 1
        tx = ty = u[:, 1] * 0
    cos, sin = xp.cos(angle), xp.sin(angle)
    return (cos * sx, -sin * sy / aspect, tx, sin * sx * aspect, cos * sy, ty)


def jitter(x, u, amount: float, channels: int, xp_mean):
    """Brightness, contrast and saturation by factors ``1 + (2u - 1) * amount``; ``x`` is
    ``(N, C, H, W)`` in [0, 1], ``u`` ``(N, 3)`` uniform; ``xp_mean(x)`` is a per-image mean."""
    factors = (u * 2 - 1) * amount + 1
    x = x * factors[:, 0, None, None, None]
    mean = xp_mean(x)
    x = (x - mean) * factors[:, 1, None, None, None] + mean
    if channels == 3:
        gray = 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]
        x = (x - gray) * factors[:, 2, None, None, None] + gray
    return x


class ImageAugment:
    """``augment(batch, generator=None) -> batch``: random transforms on the batch's device."""

    def __init__(self, options: dict[str, Any]):
        self.options = augment_options(options)

    def __repr__(self) -> str:
        on = {k: v for k, v in self.options.items() if v}
        return f"ImageAugment({on})"

    def __call__(self, batch, generator=None):
        import torch
        import torch.nn.functional as F

        n, channels, height, width = batch.shape
        device = batch.device

        def uniform(*shape):
            where = generator.device if generator is not None else device
            return torch.rand(*shape, generator=generator, device=where).to(device)

        x = batch
        options = self.options
        if options["hflip"]:
            x = torch.where((uniform(n) < 0.5)[:, None, None, None], x.flip(-1), x)
        if options["vflip"]:
            x = torch.where((uniform(n) < 0.5)[:, None, None, None], x.flip(-2), x)
        if options["rotation"] or options["random_resized_crop"]:
            a, b, c, d, e, f = affine(uniform(n, 5), options, width / height, torch)
            theta = torch.stack([torch.stack([a, b, c], 1), torch.stack([d, e, f], 1)], 1)
            grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
            x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        if options["color_jitter"]:
            x = jitter(x, uniform(n, 3), options["color_jitter"], channels,
                       lambda t: t.mean(dim=(1, 2, 3), keepdim=True)).clamp(0, 1)
        return x


def make_augment(options: dict[str, Any] | None) -> ImageAugment | None:
    options = augment_options(options)
    return ImageAugment(options) if enabled(options) else None


def preview(images: np.ndarray, options: dict[str, Any], seed: int = 0) -> np.ndarray:
    """Augmented copies of uint8 ``(N, C, H, W)`` images, computed with numpy and Pillow."""
    from PIL import Image

    options = augment_options(options)
    rng = np.random.default_rng(seed)
    n, channels, height, width = images.shape
    x = images.astype(np.float32) / 255
    if options["hflip"]:
        x = np.where((rng.random(n) < 0.5)[:, None, None, None], x[..., ::-1], x)
    if options["vflip"]:
        x = np.where((rng.random(n) < 0.5)[:, None, None, None], x[..., ::-1, :], x)
    if options["rotation"] or options["random_resized_crop"]:
        coefficients = affine(rng.random((n, 5)), options, width / height, np)
        out = np.empty_like(x)
        for i in range(n):
            matrix = _pixel_affine([c[i] for c in coefficients], width, height)
            for ch in range(channels):
                plane = Image.fromarray(x[i, ch], "F")
                out[i, ch] = np.asarray(plane.transform((width, height), Image.AFFINE, matrix,
                                                        resample=Image.BILINEAR, fillcolor=0))
        x = out
    if options["color_jitter"]:
        x = np.clip(jitter(x, rng.random((n, 3)), options["color_jitter"], channels,
                           lambda t: t.mean(axis=(1, 2, 3), keepdims=True)), 0, 1)
    return (x * 255 + 0.5).astype(np.uint8)


def _pixel_affine(coefficients, width: int, height: int) -> tuple[float, ...]:
    """The grid-coordinate map as Pillow's coefficients (output -> input, in pixel units).

    With ``align_corners=False`` grid coordinate ``u = 2 X / W - 1`` for the continuous
    pixel coordinate ``X`` (pixel centres at ``i + 0.5``), which is what Pillow uses too.
    """
    a, b, c, d, e, f = (float(v) for v in coefficients)
    return (a, b * width / height, (c + 1 - a - b) * width / 2,
            d * height / width, e, (f + 1 - d - e) * height / 2)
