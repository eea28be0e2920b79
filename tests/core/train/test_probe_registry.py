"""The live-probe registry's contract: every registered probe is refused twice, named in the
sentence for a near miss, runs on a tiny network in training and sends the snapshot it
declares (found again by its ``kind``), and is documented in docs/training.md. A new probe is
tested by being registered: it runs on 2-D points, or, if it does not apply to them, on a tiny
text Transformer (the text probes), a tiny GAN or a tiny VAE (the autoencoder probes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.data.dataset import CLASSIFICATION, DataInfo
from core.train import prepare
from core.train.probes import PROBES, Probe, probes_for, standard_probes
from core.train.probes.registry import spec_of
from tests.core.train.tiny import dataset, project, text_project

ROOT = Path(__file__).resolve().parents[3]
NAMES = PROBES.names()
#: Probes of autoencoders, run on a tiny VAE (they apply to images, and to any reconstruction data).
AUTOENCODER_PROBES = ("reconstructions", "latent_space", "vae_samples")


def test_standard_probes_are_the_registered_ones_that_apply():
    points = DataInfo((2,), CLASSIFICATION, class_names=["a", "b"])
    images = DataInfo((1, 8, 8), CLASSIFICATION, class_names=["a", "b"])
    text = DataInfo((10,), CLASSIFICATION, class_names=["a", "b"], vocab_size=30)
    for info in (points, images, text):
        specs = probes_for(info)
        assert specs == [spec for spec in PROBES if spec.applies(info)]
        assert [type(p) for p in standard_probes(print, info)] == [spec.make for spec in specs]
    assert ({s.name for s in probes_for(points)} | {s.name for s in probes_for(text)}
            | {s.name for s in probes_for(images)}) == set(NAMES)  # images: a GAN's samples
    point_names, image_names = ({s.name for s in probes_for(i)} for i in (points, images))
    assert "decision_boundary" in point_names - image_names  # only 2-D points have a boundary
    assert "reconstructions" in image_names - point_names  # images may be rebuilt by a network


@pytest.mark.parametrize("name", NAMES)
def test_each_probe_runs_in_training_and_sends_its_snapshot(name, tmp_path):
    spec = PROBES.get(name)
    proj = project(tmp_path, training={"epochs": 2, "batch_size": 16, "seed": 0})
    data = dataset(proj)  # 2-D points with three classes: every probe but the text ones applies
    if not spec.applies(data.info):
        proj = text_project(tmp_path, "transformer")
        data = dataset(proj)
    if spec.name in AUTOENCODER_PROBES:  # they look at a network that rebuilds its input
        from tests.core.train.test_autoencoder_probes import vae_project

        proj = vae_project(tmp_path)
        data = dataset(proj)
    elif not spec.applies(data.info):  # images, for a GAN's probe: a tiny GAN on shapes
        from tests.core.test_gan import gan_project

        proj = gan_project(tmp_path)
        data = dataset(proj)
    assert spec.applies(data.info)
    got: list = []
    probe = spec.make(got.append)
    assert isinstance(probe, Probe) != spec.at_end  # live probes run at a rate, the others once
    if isinstance(probe, Probe):
        probe.every_batches, probe.every_seconds = 3, None
    prepare(proj, data, run_dir=tmp_path / "run", callbacks=[probe]).fit()
    assert got and (len(got) == 1) == spec.at_end
    for snapshot in got:
        assert isinstance(snapshot, spec.snapshot) and snapshot.kind == name
        assert spec_of(snapshot) is spec
    assert spec.title and spec.doc and spec.views and spec.part


@pytest.mark.parametrize("name", NAMES)
def test_each_probe_is_documented(name):
    spec = PROBES.get(name)
    text = (ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    assert f'kind `"{name}"`' in text and f"`{spec.make.__name__}(sink" in text
