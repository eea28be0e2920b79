"""Probes deliver plain numpy snapshots of what the network does, in the documented shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.train import prepare
from core.train.probes import (ActivationProbe, DecisionBoundaryProbe, FinalReportProbe, NormProbe,
                               standard_probes)
from core.train.probes.activations import QUANTILE_LEVELS
from tests.core.train.tiny import dataset, project, regression_dataset


def _on_device_of(module, array: np.ndarray) -> torch.Tensor:
    """``array`` as a tensor where ``module``'s weights are: training moved them to the device
    ``auto`` picked (a GPU when there is one)."""
    return torch.from_numpy(np.ascontiguousarray(array)).to(next(module.parameters()).device)


def _fit(tmp_path, probes, **kw):
    proj = project(tmp_path, **kw)
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=probes)
    return trainer, trainer.fit()


def test_activation_snapshots_describe_every_layer(tmp_path):
    got = []
    probe = ActivationProbe(got.append, probe_size=100, every_batches=4, every_seconds=None)
    trainer, _ = _fit(tmp_path, [probe])
    # every 4th of 18 steps (4 snapshots) plus one per epoch (3)
    assert [s.step for s in got] == [4, 6, 8, 12, 12, 16, 18]
    snap = got[-1]
    assert snap.kind == "activations" and snap.epoch == 3 and snap.batch is None
    assert [layer.node_id for layer in snap.layers] == ["fc1", "relu1", "fc2", "relu2", "output"]
    relu = snap.layers[1]
    assert relu.layer_type == "ReLU" and relu.shape == (16,)
    assert relu.quantiles.shape == (len(QUANTILE_LEVELS),) and relu.quantiles[0] >= 0
    assert relu.histogram.sum() == 24 * 16  # the whole validation split and len(relu.bin_edges) == len(relu.histogram) + 1
    # by hand, on the same probe batch
    x = _on_device_of(trainer.module, trainer.dataset.validation.x)
    with torch.no_grad():
        hidden = torch.relu(trainer.module.fc1(x))
    assert relu.mean == pytest.approx(float(hidden.mean()), rel=1e-5)
    assert relu.dead_fraction == pytest.approx(float(1 - (hidden > 0).any(0).float().mean()))
    assert snap.layers[0].dead_fraction is None and snap.layers[0].feature_maps is None


def test_dead_units_are_counted(tmp_path):
    got = []
    proj = project(tmp_path, training={"epochs": 1})
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run",
                      callbacks=[ActivationProbe(got.append, every_seconds=None)])
    with torch.no_grad():
        trainer.module.fc1.bias[:4] = -1e6  # four of sixteen units can never fire
    trainer.module.fc1.bias.requires_grad_(False)
    trainer.fit()
    with torch.no_grad():
        hidden = torch.relu(trainer.module.fc1(_on_device_of(trainer.module, trainer.dataset.validation.x)))
    dead = got[-1].layers[1].dead_fraction
    assert dead >= 4 / 16
    assert dead == pytest.approx(float(1 - (hidden > 0).any(0).float().mean()))


def test_feature_maps_of_the_chosen_sample(tmp_path):
    got = []
    layers = (("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3}), ("relu", "ReLU", {}),
              ("flat", "Flatten", {}))
    probe = ActivationProbe(got.append, probe_size=8, sample_index=3, every_seconds=None)
    trainer, _ = _fit(tmp_path, [probe], layers=layers,
                      data={"kind": "builtin", "name": "shapes", "samples": 60},
                      training={"epochs": 1, "batch_size": 16})
    snap = got[-1]
    conv = snap.layers[0]
    assert conv.feature_maps.shape == (4, 26, 26) and snap.sample_index == 3
    assert snap.sample_input.shape == (1, 28, 28)
    # by hand, on the probe's whole batch (the same convolution as the probe's, on any device)
    batch = probe.probe_inputs
    assert np.array_equal(batch[3], snap.sample_input)
    with torch.no_grad():
        expected = trainer.module.eval().conv(_on_device_of(trainer.module, batch))[3, :4]
    assert np.allclose(conv.feature_maps, expected.cpu().numpy(), atol=1e-5)
    assert snap.layers[1].dead_fraction is not None  # per channel


def test_norms_per_layer(tmp_path):
    got = []
    trainer, _ = _fit(tmp_path, [NormProbe(got.append, every_batches=6, every_seconds=None)])
    assert len(got) == 3
    snap = got[-1]
    assert snap.layers == ["fc1", "fc2", "output"]
    fc1 = torch.cat([trainer.module.fc1.weight.reshape(-1), trainer.module.fc1.bias]).detach()
    assert snap.weight_norm[0] == pytest.approx(float(fc1.norm()), rel=1e-5)
    assert np.all(snap.grad_norm > 0) and np.all(np.isfinite(snap.grad_norm))


def test_decision_boundary_covers_the_data(tmp_path):
    got = []
    probe = DecisionBoundaryProbe(got.append, resolution=16, every_seconds=None)
    _fit(tmp_path, [probe])
    assert len(got) == 3
    snap = got[-1]
    assert snap.probabilities.shape == (16, 16, 3)
    assert np.allclose(snap.probabilities.sum(-1), 1, atol=1e-5)
    assert snap.xs[0] < snap.points[:, 0].min() and snap.xs[-1] > snap.points[:, 0].max()
    assert snap.ys[0] < snap.points[:, 1].min() and snap.ys[-1] > snap.points[:, 1].max()
    assert snap.points.shape == (96, 2) and snap.labels.shape == (96,)
    assert got[0].points is snap.points  # sent once, shared


def test_final_report_matches_the_validation_metrics(tmp_path):
    got = []
    trainer, result = _fit(tmp_path, [FinalReportProbe(got.append, gallery_size=5)])
    (report,) = got
    assert report.kind == "final_report" and report.split == "validation"
    assert report.confusion.sum() == 24 and report.confusion.shape == (3, 3)
    best = result.best
    assert report.metrics["accuracy"] == pytest.approx(best["val_accuracy"])
    assert report.per_class["support"].tolist() == list(report.confusion.sum(1))
    samples = report.samples
    assert samples.inputs.shape == (5, 2) and samples.probabilities.shape == (5, 3)
    assert np.array_equal(samples.predicted, samples.probabilities.argmax(1))
    with torch.no_grad():  # the matrix is the final network's, on the validation split
        x = _on_device_of(trainer.module, trainer.dataset.validation.x)
        predicted = trainer.module.eval()(x).argmax(1).cpu().numpy()
    truth = trainer.dataset.validation.y
    by_hand = np.bincount(truth * 3 + predicted, minlength=9).reshape(3, 3)
    assert report.confusion.tolist() == by_hand.tolist()


def test_final_report_without_a_validation_split_uses_the_training_data(tmp_path):
    got = []
    data = {"kind": "builtin", "name": "moons", "samples": 60, "split": {"validation": 0}}
    trainer, _ = _fit(tmp_path, [FinalReportProbe(got.append)], data=data)
    (report,) = got
    assert report.split == "train" and report.confusion.sum() == 60
    assert report.samples.probabilities.shape[1] == 2  # one logit -> two class probabilities


def test_final_report_for_regression_is_in_original_units(tmp_path):
    got = []
    ds = regression_dataset(scale=10.0)
    proj = project(tmp_path, training={"epochs": 2, "batch_size": 8})
    trainer = prepare(proj, ds, run_dir=tmp_path / "run", callbacks=[FinalReportProbe(got.append)])
    result = trainer.fit()
    report = got[0]
    assert report.regression_true.shape == (24, 1)
    assert report.metrics["rmse"] == pytest.approx(result.best["val_rmse"], rel=1e-4)


def test_standard_probes_fit_the_data(tmp_path):
    two_d = dataset(project())
    images = dataset(project(data={"kind": "builtin", "name": "shapes", "samples": 30}))
    kinds = [type(p).__name__ for p in standard_probes(print, two_d.info)]
    assert "DecisionBoundaryProbe" in kinds
    assert "DecisionBoundaryProbe" not in [type(p).__name__ for p in standard_probes(print, images.info)]


def test_a_probe_can_be_switched_off_while_training(tmp_path):
    got = []
    probe = NormProbe(got.append, every_batches=1, every_seconds=None)
    probe.enabled = False
    _fit(tmp_path, [probe])
    assert got == []
