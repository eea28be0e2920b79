"""The neuron probe (core.train.probes.neurons): each hidden unit over the input plane."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.dataset import CLASSIFICATION, REGRESSION, DataInfo
from core.train import prepare
from core.train.probes.neurons import MAX_UNITS, NeuronMapProbe, NeuronMaps, applies, unit_layers
from tests.core.train.tiny import dataset, project

torch = pytest.importorskip("torch")


def _trained(tmp_path, resolution: int = 20):
    proj = project(tmp_path, training={"epochs": 1, "batch_size": 16, "seed": 0})
    data = dataset(proj)
    got: list[NeuronMaps] = []
    probe = NeuronMapProbe(got.append, resolution=resolution, every_batches=2, every_seconds=None)
    trainer = prepare(proj, data, run_dir=tmp_path / "run", callbacks=[probe])
    trainer.fit()
    return trainer, probe, got, data


def test_it_applies_to_points_in_a_plane_only():
    assert applies(DataInfo((2,), CLASSIFICATION, class_names=["a", "b"]))
    assert applies(DataInfo((2,), REGRESSION, target_names=["t"]))
    assert not applies(DataInfo((3,), CLASSIFICATION, class_names=["a", "b"]))
    assert not applies(DataInfo((1, 8, 8), CLASSIFICATION, class_names=["a", "b"]))


def test_the_units_after_their_activation_and_the_output_get_pictures():
    graph = {"edges": [{"source": "input", "target": "fc1"}, {"source": "fc1", "target": "relu1"},
                       {"source": "relu1", "target": "fc2"}, {"source": "fc2", "target": "drop"},
                       {"source": "drop", "target": "output"}]}
    types = {"fc1": "Linear", "relu1": "ReLU", "fc2": "Linear", "drop": "Dropout", "output": "Output"}
    assert unit_layers(graph, types) == ["relu1", "fc2", "drop", "output"]
    assert unit_layers(graph, types, limit=2) == ["relu1", "fc2"]


def test_snapshots_during_training_have_a_picture_per_unit(tmp_path):
    _trainer, _probe, got, data = _trained(tmp_path)
    assert len(got) >= 2  # every 2 batches and at the epoch's end
    snapshot = got[-1]
    assert snapshot.kind == "neuron_maps" and snapshot.batch is None  # the epoch's end
    assert [(layer.node_id, layer.layer_type, layer.units) for layer in snapshot.layers] == \
        [("relu1", "ReLU", 16), ("relu2", "ReLU", 16), ("output", "Output", 3)]
    for layer in snapshot.layers:
        assert layer.maps.shape == (layer.units, 20, 20) and layer.maps.dtype == np.float32
        assert np.all(np.isfinite(layer.maps))
    assert np.all(snapshot.layers[0].maps >= 0)  # after a ReLU
    assert snapshot.xs.shape == snapshot.ys.shape == (20,)
    assert np.all(np.diff(snapshot.xs) > 0) and np.all(np.diff(snapshot.ys) > 0)
    points = data.train.x  # the grid covers the data, in its original units
    scaling = data.preprocessing.get("input_scaling")
    if scaling:
        points = points * np.asarray(scaling["scale"]) + np.asarray(scaling["mean"])
    assert snapshot.xs[0] < points[:, 0].min() and snapshot.xs[-1] > points[:, 0].max()
    assert snapshot.ys[0] < points[:, 1].min() and snapshot.ys[-1] > points[:, 1].max()
    assert MAX_UNITS >= 16


def test_a_unit_with_known_weights_draws_its_plane(tmp_path):
    trainer, probe, _got, data = _trained(tmp_path, resolution=16)
    fc1 = trainer.module.fc1
    with torch.no_grad():
        fc1.weight.zero_()
        fc1.bias.zero_()
        fc1.weight[0] = torch.tensor([1.0, 0.0])  # unit 0: relu(x), a ramp to the right
        fc1.weight[1] = torch.tensor([0.0, -2.0])  # unit 1: relu(-2y), a ramp downwards
        fc1.bias[2] = 0.5  # unit 2: 0.5 everywhere
    snapshot = probe.compute(trainer, 1, None, trainer.step)
    relu1 = snapshot.layers[0]
    assert relu1.node_id == "relu1"
    scaling = data.preprocessing.get("input_scaling")
    mean, scale = ((np.asarray(scaling["mean"]), np.asarray(scaling["scale"])) if scaling
                   else (np.zeros(2), np.ones(2)))
    x_model = (snapshot.xs - mean[0]) / scale[0]  # the grid in the units the network sees
    y_model = (snapshot.ys - mean[1]) / scale[1]
    expected_x = np.maximum(x_model, 0)[None, :].repeat(16, 0)  # row i is y, column j is x
    expected_y = np.maximum(-2 * y_model, 0)[:, None].repeat(16, 1)
    np.testing.assert_allclose(relu1.maps[0], expected_x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(relu1.maps[1], expected_y, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(relu1.maps[2], 0.5, rtol=1e-6)
    np.testing.assert_allclose(relu1.maps[3], 0.0)  # no weights, no bias: a blank picture
