"""The autoencoder probes: reconstructions (images and tables), the latent scatter, and a VAE's
prior samples and latent walk, on tiny networks trained for real."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import load
from core.data.builtin import generate
from core.graph import Edge, Graph, Node
from core.project import Project
from core.train import prepare
from core.train.callbacks import BatchEnd
from core.train.probes import LatentProbe, PROBES, ReconstructionProbe, VaeSamplesProbe, probes_for
from core.train.probes.autoencoder import narrowest_layer
from core.train.probes.base import probe_rows
from core.train.probes.embedding_map import pca_2d
from core.train.probes.latent import MAX_POINTS, sample_classes
from core.train.probes.reconstruction import paired_rows
from tests.core.helpers import chain

ROOT = Path(__file__).resolve().parents[3]
SHAPES = {"kind": "builtin", "name": "shapes", "samples": 240, "noise": 0.05, "seed": 0,
          "task": "reconstruction"}
TRAINING = {"epochs": 2, "batch_size": 32, "learning_rate": 0.003, "seed": 0, "device": "cpu",
            "early_stopping": None}


def vae_graph(latent: int = 2) -> Graph:
    graph = Graph()
    for node in (Node("input", "Input"), Node("flat", "Flatten"),
                 Node("enc", "Linear", {"out_features": 16}), Node("mean", "Linear", {"out_features": latent}),
                 Node("log_var", "Linear", {"out_features": latent}), Node("z", "Sample"),
                 Node("dec", "Linear", {"out_features": 16}), Node("output", "Output")):
        graph.add_node(node)
    for edge in (("input", "flat"), ("flat", "enc"), ("enc", "mean"), ("enc", "log_var"),
                 ("mean", "z", 0), ("log_var", "z", 1), ("z", "dec"), ("dec", "output")):
        graph.add_edge(Edge(*edge))
    return graph


def vae_project(tmp_path: Path, latent: int = 2, **training) -> Project:
    """A tiny VAE on 240 shape images (what the registry test runs the autoencoder probes on)."""
    project = Project(name="tiny vae", graph=vae_graph(latent), data=dict(SHAPES),
                      training={**TRAINING, **training})
    project.save(tmp_path / "vae.lfproj")
    return project


def run(project: Project, tmp_path: Path, *probes):
    got: list = []
    for probe in probes:
        probe.sink = got.append
    trainer = prepare(project, load(project.data, project.directory), run_dir=tmp_path / "run",
                      callbacks=list(probes))
    trainer.fit()
    return trainer, got


def of_kind(got, kind):
    return [s for s in got if s.kind == kind]


def validation_codes(trainer, rows):
    from core.generate import encoder_network

    x = torch.from_numpy(np.asarray(trainer.dataset.validation.x[rows], np.float32))
    with torch.no_grad():
        return encoder_network(trainer.module.eval(), "z")(x).numpy()


# ----------------------------------------------------------------------------- reconstructions
def test_an_identity_network_shows_its_inputs_twice(tmp_path):
    """A 1×1 convolution set to pass pixels through: the reconstruction row is the input row."""
    graph = chain(("conv", "Conv2d", {"out_channels": 1, "kernel_size": 1}))
    graph.nodes["output"].params["head"] = "identity"
    project = Project(name="identity", graph=graph, data=dict(SHAPES), training=dict(TRAINING))
    probe = ReconstructionProbe(print, count=10, columns=4)
    trainer, got = run(project, tmp_path, probe)
    assert of_kind(got, "reconstructions")  # sent while training
    with torch.no_grad():
        trainer.module.conv.weight.fill_(1.0)
        trainer.module.conv.bias.zero_()
    snap = probe.compute(trainer, 2, None, trainer.step)
    rows = probe_rows(trainer.dataset.validation, 10, seed=5)
    assert np.array_equal(snap.inputs, trainer.dataset.validation.x[rows])  # the fixed samples
    assert np.allclose(snap.outputs, snap.inputs) and snap.error == pytest.approx(0.0, abs=1e-10)
    assert snap.is_image and snap.columns == 4 and snap.head_id == "output" and snap.split == "validation"
    # the picture: 3 bands (10 samples, 4 a row), each an input row over its reconstruction row
    tile = 28 + 2
    grid = snap.grid
    assert grid.shape == (6 * tile + 2, 4 * tile + 2)
    band = 2 * tile
    for b in range(3):
        upper = grid[b * band + 2: b * band + tile, :]
        lower = grid[b * band + tile + 2: b * band + 2 * tile, :]
        assert np.array_equal(upper, lower)
    first = np.clip(snap.inputs[0, 0], 0, 1) * 255 + 0.5
    assert np.array_equal(grid[2:30, 2:30], first.astype(np.uint8))


def test_paired_rows_fill_the_last_band_with_blank_tiles():
    x = np.random.default_rng(0).random((5, 1, 3, 3)).astype(np.float32)
    rows = paired_rows(x, -x, 4)
    assert rows.shape == (16, 1, 3, 3)
    assert np.array_equal(rows[:4], x[:4]) and np.array_equal(rows[4:8], -x[:4])
    assert np.array_equal(rows[8], x[4]) and np.array_equal(rows[12], -x[4])
    assert np.allclose(rows[9:12], rows[13:16])  # blanks


def test_a_table_autoencoder_gets_the_error_of_each_feature_at_each_epoch_end(tmp_path):
    data = {"kind": "builtin", "name": "gaussian", "samples": 200, "classes": 3, "noise": 0.05,
            "seed": 0, "task": "reconstruction"}
    project = Project(name="table ae", data=data, training=dict(TRAINING, epochs=3),
                      graph=chain(("enc", "Linear", {"out_features": 8}), ("relu", "ReLU", {}),
                                  ("bottleneck", "Linear", {"out_features": 1})))
    probe = ReconstructionProbe(print)
    probe.share = float("inf")  # never resting: every epoch's end (pacing is tested below)
    trainer, got = run(project, tmp_path, probe)
    snaps = of_kind(got, "reconstructions")
    assert [s.batch for s in snaps] == [None, None, None]  # once an epoch, at its end
    last = snaps[-1]
    assert not last.is_image and last.feature_names == ["x", "y"]
    x = torch.from_numpy(np.asarray(trainer.dataset.validation.x, np.float32))
    with torch.no_grad():
        rebuilt = trainer.module.eval()(x).numpy()
    expected = ((rebuilt - x.numpy()) ** 2).mean(0)
    assert last.rows == len(x) and np.allclose(last.feature_errors, expected, rtol=1e-5)


def test_networks_that_do_not_rebuild_their_input_get_no_reconstruction_probes(tmp_path):
    from tests.core.test_gan import gan_project

    gan = gan_project(tmp_path)
    probes = [ReconstructionProbe(print), LatentProbe(print), VaeSamplesProbe(print)]
    _trainer, got = run(gan, tmp_path, *probes)
    assert not any(s.kind in ("reconstructions", "latent_space", "vae_samples") for s in got)
    assert not any(p.enabled for p in probes)
    classifier = Project(name="cnn", graph=chain(("flat", "Flatten", {})),
                         data={**SHAPES, "task": "classification"}, training=dict(TRAINING, epochs=1))
    probes = [ReconstructionProbe(print), LatentProbe(print)]
    _trainer, got = run(classifier, tmp_path / "c", *probes)
    assert not got and not any(p.enabled for p in probes)


def test_a_classifier_with_a_reconstruction_head_shows_that_head(tmp_path):
    graph = Graph()
    for node in (Node("input", "Input"), Node("flat", "Flatten"), Node("bottleneck", "Linear", {"out_features": 6}),
                 Node("relu", "ReLU"), Node("label", "Output"),
                 Node("rebuilt", "Output", {"target": "input", "loss": "mse"})):
        graph.add_node(node)
    for edge in (("input", "flat"), ("flat", "bottleneck"), ("bottleneck", "relu"), ("relu", "label"),
                 ("relu", "rebuilt")):
        graph.add_edge(Edge(*edge))
    graph.nodes["rebuilt"].params["head"] = "linear"
    project = Project(name="two heads", graph=graph, data={**SHAPES, "task": "classification"},
                      training=dict(TRAINING, epochs=1))
    trainer, got = run(project, tmp_path, ReconstructionProbe(print), LatentProbe(print))
    rec = of_kind(got, "reconstructions")[-1]
    assert rec.head_id == "rebuilt" and rec.outputs.shape == rec.inputs.shape == (16, 1, 28, 28)
    latent = of_kind(got, "latent_space")[-1]
    assert latent.code_id == "bottleneck" and latent.code_size == 6 and latent.projected
    rows = probe_rows(trainer.dataset.validation, MAX_POINTS, seed=7)
    assert np.array_equal(latent.labels, trainer.dataset.validation.y[rows])  # the targets
    assert latent.class_names == ["circle", "square", "triangle"]


# ----------------------------------------------------------------------------- latent space
def test_a_vae_with_a_2_number_code_scatters_the_means_of_every_validation_sample(tmp_path):
    project = vae_project(tmp_path)
    probe = LatentProbe(print, every_seconds=None)
    probe.share = float("inf")
    trainer, got = run(project, tmp_path, probe)
    snaps = of_kind(got, "latent_space")
    assert [s.epoch for s in snaps] == [1, 2]
    last = snaps[-1]
    validation = trainer.dataset.validation
    assert len(last.points) == len(validation) == len(last.labels)  # 48 < MAX_POINTS: all of them
    assert last.code_id == "z" and last.variational and last.code_size == 2 and not last.projected
    assert last.explained is None
    assert np.allclose(last.points, validation_codes(trainer, np.arange(len(validation))), atol=1e-5)
    # reconstruction data has no targets, but the generated shapes keep their classes
    _x, labels = generate(project.data)
    assert np.array_equal(last.labels, labels[[int(i) for i in validation.ids]])
    assert last.class_names == ["circle", "square", "triangle"]
    assert snaps[0].labels is last.labels  # the same array in every snapshot


def test_a_wider_code_is_shown_on_its_principal_components(tmp_path):
    project = vae_project(tmp_path, latent=5)
    trainer, got = run(project, tmp_path, LatentProbe(print, every_seconds=None, max_points=30))
    last = of_kind(got, "latent_space")[-1]
    assert last.code_size == 5 and last.projected and len(last.points) == 30
    rows = probe_rows(trainer.dataset.validation, 30, seed=7)
    codes = validation_codes(trainer, rows)
    expected, shares = pca_2d(codes)
    assert np.allclose(np.abs(last.points), np.abs(expected), atol=1e-4)  # signs follow the last picture
    assert np.allclose(last.explained, shares, atol=1e-5) and 0 < last.explained.sum() <= 1 + 1e-6
    assert last.points[:, 0].var() >= last.points[:, 1].var()


def test_the_narrowest_layer_is_the_code_and_the_first_on_a_tie():
    graph = chain(("flat", "Flatten", {}), ("enc", "Linear", {"out_features": 32}),
                  ("bottleneck", "Linear", {"out_features": 4}), ("relu", "ReLU", {}),
                  ("dec", "Linear", {"out_features": 32}))
    widths = {"input": 784, "flat": 784, "enc": 32, "bottleneck": 4, "relu": 4, "dec": 32, "output": 784}
    assert narrowest_layer(widths, graph, "output", 784) == "bottleneck"
    assert narrowest_layer({"flat": 784, "dec": 784}, graph, "output", 784) is None  # no bottleneck


def test_an_image_folder_keeps_its_classes_for_the_scatter():
    spec = {"kind": "image_folder", "path": str(ROOT / "resources" / "sample_data" / "digits"),
            "task": "reconstruction", "color": "grayscale"}
    dataset = load(spec, ROOT)
    split = dataset.validation
    assert split.y is None
    rows = np.arange(min(50, len(split)))
    labels, names = sample_classes(dataset, split, rows)
    assert names == [str(d) for d in range(10)]
    assert [names[k] for k in labels] == [Path(split.ids[r]).parts[0] for r in rows]


# ----------------------------------------------------------------------------- VAE samples
def test_a_vae_decodes_the_same_prior_codes_and_walks_two_code_numbers(tmp_path):
    from core.generate import decoder_network, latent_walk
    from core.train.probes.vae_samples import CODE_SEED, walked_dims

    project = vae_project(tmp_path, latent=3)
    probe = VaeSamplesProbe(print, count=9, steps=4, span=2.0, every_batches=3)
    probe.share = float("inf")
    trainer, got = run(project, tmp_path, probe)
    snaps = of_kind(got, "vae_samples")
    assert any(s.batch is not None for s in snaps) and snaps[-1].batch is None
    last = snaps[-1]
    assert last.sample_id == "z" and last.code_size == 3
    assert last.prior.shape == (9, 1, 28, 28) and last.prior_columns == 3
    assert last.prior_grid.shape == (3 * 30 + 2, 3 * 30 + 2)
    assert last.walk_steps == 4 and last.walk_grid.shape == (4 * 30 + 2, 4 * 30 + 2)
    decoder = decoder_network(trainer.module.eval(), "z")
    codes = torch.randn(9, 3, generator=torch.Generator().manual_seed(CODE_SEED))
    # the two code numbers that walk: those whose means vary most over the validation samples
    variances = validation_codes(trainer, np.arange(len(trainer.dataset.validation))).var(0)
    assert last.walk_dims == walked_dims(variances) and last.walk_dims[0] != last.walk_dims[1]
    assert variances[last.walk_dims[0]] >= variances[last.walk_dims[1]] >= np.delete(variances, last.walk_dims).max()
    walk_codes = np.zeros((16, 3), np.float32)
    walk_codes[:, list(last.walk_dims)] = latent_walk((3,), 4, 2.0)[:, :2]
    with torch.no_grad():
        assert np.allclose(last.prior, decoder(codes).numpy(), atol=1e-5)
        walk = decoder(torch.from_numpy(walk_codes)).numpy()
    corner = (np.clip(walk[0, 0], 0, 1) * 255 + 0.5).astype(np.uint8)  # code -2, -2 on the walked dims
    assert np.array_equal(last.walk_grid[2:30, 2:30], corner)
    far = (np.clip(walk[15, 0], 0, 1) * 255 + 0.5).astype(np.uint8)  # code (2, 2, 0)
    assert np.array_equal(last.walk_grid[3 * 30 + 2: 4 * 30, 3 * 30 + 2: 4 * 30], far)


def test_the_walk_takes_the_two_code_numbers_that_vary_most():
    from core.train.probes.vae_samples import walked_dims

    assert walked_dims(np.array([0.01, 2.0, 0.5, 2.0])) == (1, 3)  # the first on a tie
    assert walked_dims(np.array([0.3, 0.1])) == (0, 1)


def test_a_plain_autoencoder_has_no_vae_samples(tmp_path):
    project = Project(name="ae", data=dict(SHAPES), training=dict(TRAINING, epochs=1),
                      graph=chain(("flat", "Flatten", {}), ("bottleneck", "Linear", {"out_features": 3})))
    probe = VaeSamplesProbe(print)
    _trainer, got = run(project, tmp_path, probe)
    assert not got and not probe.enabled


# ----------------------------------------------------------------------------- cost and rules
def test_a_probe_that_took_long_waits_before_its_next_batch_run():
    calls = []
    probe = ReconstructionProbe(print, every_batches=1)
    probe.compute = lambda *args: calls.append(args) and None
    trainer = type("T", (), {"step": 0})()
    probe.on_batch_end(trainer, BatchEnd(1, 1, 10, 1, 32, None, 0.1))
    assert len(calls) == 1
    probe.last_cost = 1e6  # as if that run had taken days: the next due batches are skipped
    probe.on_batch_end(trainer, BatchEnd(1, 2, 10, 2, 32, None, 0.1))
    assert len(calls) == 1
    probe.last_cost = 0.0
    probe.on_batch_end(trainer, BatchEnd(1, 3, 10, 3, 32, None, 0.1))
    assert len(calls) == 2


def test_an_epoch_end_skipped_to_save_time_is_sent_when_training_ends(tmp_path):
    project = vae_project(tmp_path, epochs=4)
    probe = LatentProbe(print, every_seconds=None)
    probe.share = 1e-12  # after its first run the probe rests for ever
    _trainer, got = run(project, tmp_path, probe)
    assert [(s.epoch, s.batch) for s in of_kind(got, "latent_space")] == [(1, None), (4, None)]


def test_the_autoencoder_probes_apply_to_reconstruction_data_and_to_images():
    from core.data.dataset import CLASSIFICATION, RECONSTRUCTION, DataInfo

    names = {"reconstructions", "latent_space", "vae_samples"}
    table = DataInfo((4,), RECONSTRUCTION)
    points = DataInfo((2,), CLASSIFICATION, class_names=["a", "b"])
    images = DataInfo((1, 8, 8), CLASSIFICATION, class_names=["a", "b"])
    assert {s.name for s in probes_for(table)} & names == {"reconstructions", "latent_space"}
    assert {s.name for s in probes_for(images)} & names == names
    assert not {s.name for s in probes_for(points)} & names
    assert all(name in PROBES for name in names)
