"""The convolution page's kernels (core.kernels) compute what a Conv2d layer computes."""

from __future__ import annotations

import numpy as np
import pytest

from core import kernels

torch = pytest.importorskip("torch")


def test_convolve_equals_torch_conv2d_with_repeated_borders():
    image = kernels.sample_image()
    assert image.shape == (96, 128) and 0 <= image.min() < image.max() <= 1
    for item in kernels.KERNELS:
        x = torch.nn.functional.pad(torch.tensor(image)[None, None], (1, 1, 1, 1), mode="replicate")
        expected = torch.nn.functional.conv2d(x, torch.tensor(item.array)[None, None])[0, 0].numpy()
        np.testing.assert_allclose(kernels.convolve(image, item.array), expected, rtol=1e-5, atol=1e-5,
                                   err_msg=item.name)


def test_what_each_kernel_does_to_the_picture():
    image = kernels.sample_image()
    np.testing.assert_allclose(kernels.convolve(image, kernels.kernel("identity").array), image)
    blurred = kernels.convolve(image, kernels.kernel("blur").array)
    grass = (slice(82, 94), slice(2, 20))
    assert blurred[grass].std() < 0.5 * image[grass].std()  # noise fades
    edges = kernels.convolve(image, kernels.kernel("edges").array)
    assert abs(edges[40:60, 2:14]).max() < 0.02  # the sky's smooth gradient gives (almost) 0
    assert kernels.sums_to_zero(kernels.kernel("edges").array)
    shown = kernels.for_display(edges, kernels.kernel("edges").array)
    assert shown.min() >= 0 and shown.max() == pytest.approx(1.0)
    patch, total = kernels.one_pixel(image, kernels.kernel("sharpen").array, 0, 0)
    assert patch.shape == (3, 3) and patch[0, 0] == image[0, 0]  # the border repeated
    assert total == pytest.approx(float(kernels.convolve(image, kernels.kernel("sharpen").array)[0, 0]), abs=1e-6)
    with pytest.raises(KeyError, match="no kernel 'nope'"):
        kernels.kernel("nope")
