"""Each method gives (near) zero to an input the network provably ignores.

The runs are real (trained for an epoch); then a weight column is zeroed, a mask is put
in front of a CNN, or a text branch is cut, so the output cannot depend on that input.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.explain import METHODS, explain, validation_samples
from core.train import load_trained_model

INPUT_METHODS = ["saliency", "integrated_gradients", "smoothgrad"]


def _feature_index(trained, column: str) -> list[int]:
    return [i for i, c in enumerate(trained.info.feature_columns) if c == column]


@pytest.mark.parametrize("method", INPUT_METHODS)
def test_a_table_column_with_zero_weights_gets_zero(table_run, method):
    trained = load_trained_model(table_run)
    ignored = _feature_index(trained, "b")
    with torch.no_grad():
        trained.module.hidden.weight[:, ignored] = 0.0
    samples = validation_samples(trained).take(range(12))
    result = explain(trained, samples, method)
    b = result.columns.index("b")
    others = np.abs(np.delete(result.column_values, b, axis=1))
    assert np.abs(result.column_values[:, b]).max() < 1e-6
    assert others.max() > 1e-3  # the other columns do get attributions
    assert np.abs(result.values[:, ignored]).max() < 1e-6


class HalfMask(torch.nn.Module):
    """Multiplies the image by a mask that zeroes its right half."""

    def forward(self, x):
        mask = torch.ones_like(x)
        mask[..., x.shape[-1] // 2:] = 0.0
        return x * mask


@pytest.mark.parametrize("method", [m.name for m in METHODS])
def test_the_masked_half_of_an_image_gets_zero(image_run, method):
    trained = load_trained_model(image_run)
    trained.module.mask = HalfMask()  # the fx module calls its submodule by name
    samples = validation_samples(trained)
    result = explain(trained, samples.take(range(min(4, len(samples)))), method, layer="conv")
    width = result.heatmaps.shape[-1]
    assert result.heatmaps.shape[1:] == tuple(trained.info.input_shape[1:])
    assert np.abs(result.heatmaps[..., width // 2:]).max() < 1e-6
    assert np.abs(result.heatmaps[..., : width // 2]).max() > 1e-6
    if not METHODS.get(method).needs_layer:
        assert np.abs(result.values[..., width // 2:]).max() < 1e-6


@pytest.mark.parametrize("method", INPUT_METHODS)
def test_words_cut_off_from_the_output_get_zero(text_run, method):
    trained = load_trained_model(text_run)
    with torch.no_grad():
        trained.module.fc_text.weight.zero_()
    samples = validation_samples(trained).take(range(8))
    result = explain(trained, samples, method)
    (text,) = result.texts
    assert text.column == "review"
    assert max(float(np.abs(v).max()) for v in text.values if len(v)) < 1e-6
    stars = result.columns.index("stars")
    assert np.abs(result.column_values[:, stars]).max() > 1e-4  # the number still counts


def test_words_that_count_get_attributions(text_run):
    trained = load_trained_model(text_run)
    samples = validation_samples(trained).take(range(6))
    result = explain(trained, samples, "integrated_gradients")
    assert max(float(np.abs(v).max()) for v in result.texts[0].values if len(v)) > 1e-4


def test_many_steps_of_integrated_gradients_also_give_the_masked_half_zero(image_run):
    """Past 256 steps the trapezoid rule replaces Gauss-Legendre: the same guarantee holds."""
    trained = load_trained_model(image_run)
    trained.module.mask = HalfMask()
    samples = validation_samples(trained).take([0, 1])
    few = explain(trained, samples, "ig", options={"steps": 64})
    many = explain(trained, samples, "ig", options={"steps": 600})
    width = many.heatmaps.shape[-1]
    assert np.abs(many.values[..., width // 2:]).max() < 1e-6
    assert np.abs(many.values[..., : width // 2]).max() > 1e-6
    assert np.allclose(many.values, few.values, atol=1e-2 * np.abs(few.values).max())  # both converged
