"""``data.input_noise``: corrupt the training inputs, so a reconstruction learns to denoise.

``{"gaussian": 0.2, "mask": 0.3}`` adds Gaussian noise with that standard deviation (in the
network's input units, after scaling) and sets that share of the input values to zero,
on every training batch, on the training device. Validation and prediction see clean
inputs, and a reconstruction's target stays the clean input (the trainer compares the
output with the batch before corruption): a *denoising autoencoder*. For other tasks it
is a plain regulariser. It composes with image augmentation (which runs first).
"""

from __future__ import annotations

from typing import Any, Callable

from core.errors import DataError

KEYS = {"gaussian": (0.0, 10.0), "mask": (0.0, 0.95)}


def input_noise_options(value: Any) -> dict[str, float]:
    """``data.input_noise`` checked, with zeros filled in; one sentence per mistake."""
    if value is None:
        return {key: 0.0 for key in KEYS}
    if not isinstance(value, dict):
        raise DataError(f"data.input_noise must be an object such as {{\"gaussian\": 0.2, \"mask\": 0.3}},"
                        f" got {value!r}")
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise DataError(f"data.input_noise has no option {unknown[0]!r}: use gaussian (the noise's"
                        " standard deviation) and mask (the share of values set to 0)")
    options = {}
    for key, (low, high) in KEYS.items():
        number = value.get(key, 0.0)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not low <= number <= high:
            raise DataError(f"data.input_noise.{key} must be a number from {low:g} to {high:g}, got {number!r}")
        options[key] = float(number)
    return options


class InputNoise:
    """``noise(batch, generator)``: the corrupted batch (torch, on the batch's device)."""

    def __init__(self, gaussian: float = 0.0, mask: float = 0.0,
                 before: Callable[..., Any] | None = None) -> None:
        self.gaussian, self.mask, self.before = gaussian, mask, before

    def __call__(self, batch, generator):
        import torch

        if self.before is not None:
            batch = self.before(batch, generator)
        if self.gaussian:
            noise = torch.randn(batch.shape, generator=generator, device=batch.device, dtype=batch.dtype)
            batch = batch + self.gaussian * noise
        if self.mask:
            keep = torch.rand(batch.shape, generator=generator, device=batch.device) >= self.mask
            batch = batch * keep.to(batch.dtype)
        return batch


def with_input_noise(dataset, spec: dict[str, Any] | None):
    """``dataset`` whose training batches get ``spec["input_noise"]`` (unchanged without it)."""
    options = input_noise_options((spec or {}).get("input_noise"))
    if not any(options.values()):
        return dataset
    dataset.augment = InputNoise(options["gaussian"], options["mask"], before=dataset.augment)
    dataset.notes.append(f"training inputs get {_words(options)} (data.input_noise); validation and"
                         " predictions see clean inputs")
    return dataset


def _words(options: dict[str, float]) -> str:
    parts = []
    if options["gaussian"]:
        parts.append(f"Gaussian noise of standard deviation {options['gaussian']:g}")
    if options["mask"]:
        parts.append(f"{options['mask']:.0%} of their values set to 0")
    return " and ".join(parts)
