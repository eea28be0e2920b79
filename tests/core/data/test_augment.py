"""Augmentation: torch ops on the training device, and the numpy/Pillow preview that mirrors them."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from core.data.augment import ImageAugment, affine, make_augment, preview
from core.errors import DataError


def _batch(n=16, channels=3, h=12, w=16, seed=0):
    return torch.rand(n, channels, h, w, generator=torch.Generator().manual_seed(seed))


def test_nothing_enabled_means_no_augment():
    assert make_augment(None) is None
    assert make_augment({"hflip": False, "rotation": 0}) is None
    with pytest.raises(DataError, match="data.augment has no option 'blur'"):
        make_augment({"blur": 1})
    with pytest.raises(DataError, match="data.augment.hflip must be true or false"):
        make_augment({"hflip": 1})


def test_hflip_mirrors_about_half_of_the_images_and_is_seeded():
    batch = _batch(64)
    augment = make_augment({"hflip": True})
    out = augment(batch, torch.Generator().manual_seed(1))
    flipped = [bool(torch.equal(o, b.flip(-1))) for o, b in zip(out, batch)]
    kept = [bool(torch.equal(o, b)) for o, b in zip(out, batch)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 16 < sum(flipped) < 48
    again = augment(batch, torch.Generator().manual_seed(1))
    assert torch.equal(out, again)


def test_vflip_rotation_crop_and_jitter_keep_shape_and_range():
    batch = _batch(8, channels=3)
    augment = make_augment({"vflip": True, "rotation": 30, "random_resized_crop": 0.5,
                            "color_jitter": 0.4})
    out = augment(batch, torch.Generator().manual_seed(0))
    assert out.shape == batch.shape and out.dtype == batch.dtype
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert not torch.allclose(out, batch)
    gray = make_augment({"color_jitter": 0.5})(_batch(4, channels=1))
    assert gray.shape == (4, 1, 12, 16)


def test_a_full_turn_of_zero_degrees_is_the_identity():
    batch = _batch(4)
    theta_identity = ImageAugment({"rotation": 1e-9})(batch, torch.Generator().manual_seed(0))
    assert torch.allclose(theta_identity, batch, atol=1e-5)


def test_augment_pickles_for_worker_processes():
    augment = make_augment({"hflip": True, "rotation": 5})
    clone = pickle.loads(pickle.dumps(augment))
    assert clone.options == augment.options


def test_preview_matches_the_torch_transform():
    """The preview's Pillow affine samples the same points as torch's grid_sample."""
    import torch.nn.functional as F
    from PIL import Image

    from core.data.augment import _pixel_affine

    rng = np.random.default_rng(0)
    h, w = 20, 30
    image = rng.random((h, w)).astype(np.float32)
    options = {"rotation": 30, "random_resized_crop": 0.5}
    coefficients = [c[0] for c in affine(rng.random((1, 5)), options, w / h, np)]
    theta = torch.tensor([[coefficients[:3], coefficients[3:]]], dtype=torch.float32)
    grid = F.affine_grid(theta, [1, 1, h, w], align_corners=False)
    expected = F.grid_sample(torch.from_numpy(image)[None, None], grid, align_corners=False)[0, 0]
    got = np.asarray(Image.fromarray(image, "F").transform(
        (w, h), Image.AFFINE, _pixel_affine(coefficients, w, h), resample=Image.BILINEAR))
    assert np.abs(got - expected.numpy())[3:-3, 3:-3].mean() < 0.01


def test_preview_gives_augmented_uint8_images():
    images = (np.random.default_rng(0).random((6, 3, 12, 16)) * 255).astype(np.uint8)
    flipped = preview(images, {"hflip": True}, seed=3)
    assert flipped.dtype == np.uint8 and flipped.shape == images.shape
    for out, image in zip(flipped, images):
        assert np.array_equal(out, image) or np.array_equal(out, image[..., ::-1])
    moved = preview(images, {"rotation": 45, "color_jitter": 0.3}, seed=3)
    assert not np.array_equal(moved, images)
    assert np.array_equal(moved, preview(images, {"rotation": 45, "color_jitter": 0.3}, seed=3))
