"""data.input_noise: training inputs corrupted, targets and validation clean (a denoising autoencoder)."""

from __future__ import annotations

import pytest
import torch

from core.data import load
from core.data.input_noise import InputNoise, input_noise_options
from core.errors import DataError

SHAPES = {"kind": "builtin", "name": "shapes", "samples": 60, "noise": 0.0, "seed": 0,
          "task": "reconstruction"}


def test_masking_zeroes_about_that_share_and_gaussian_noise_has_that_spread():
    generator = torch.Generator().manual_seed(0)
    batch = torch.ones(200, 1, 28, 28)
    masked = InputNoise(mask=0.3)(batch, generator)
    assert float((masked == 0).float().mean()) == pytest.approx(0.3, abs=0.01)
    noisy = InputNoise(gaussian=0.5)(batch, generator)
    assert float((noisy - batch).std()) == pytest.approx(0.5, rel=0.02)
    assert torch.equal(batch, torch.ones(200, 1, 28, 28))  # the batch itself is not changed


def test_the_loaded_data_corrupts_only_training_batches(tmp_path):
    plain = load(SHAPES)
    noisy = load({**SHAPES, "input_noise": {"mask": 0.5}})
    assert plain.augment is None and noisy.augment is not None
    assert (noisy.validation.x == plain.validation.x).all()  # validation stays clean
    assert any("data.input_noise" in note for note in noisy.notes)


@pytest.mark.parametrize("value, words", [
    ("lots", "must be an object"),
    ({"salt": 0.1}, "has no option 'salt'"),
    ({"mask": 1.0}, "mask must be a number from 0 to 0.95"),
])
def test_a_bad_setting_is_one_sentence(value, words):
    with pytest.raises(DataError, match=words):
        input_noise_options(value)
    with pytest.raises(DataError, match=words):
        load({**SHAPES, "input_noise": value})


@pytest.mark.slow
def test_a_denoising_autoencoder_repairs_masked_images_better_than_a_plain_one(tmp_path):
    from pathlib import Path

    from core.project import Project
    from core.train.setup import prepare

    example = Path(__file__).resolve().parents[3] / "resources" / "examples" / "autoencoder.lfproj"
    errors = {}
    for name, noise in (("plain", None), ("denoising", {"mask": 0.3})):
        project = Project.load(example)
        project.data = {**SHAPES, "samples": 1000, **({"input_noise": noise} if noise else {})}
        dataset = load(project.data)
        trainer = prepare(project, dataset, overrides={"epochs": 12, "device": "cpu"},
                          run_dir=tmp_path / name)
        assert trainer.fit().status == "completed"
        images = torch.from_numpy(dataset.validation.x[:128])
        corrupted = InputNoise(mask=0.3)(images, torch.Generator().manual_seed(1))
        with torch.no_grad():
            repaired = trainer.module.eval()(corrupted)
        errors[name] = float(((repaired - images) ** 2).mean())
    assert errors["denoising"] < errors["plain"]
