"""Opening a trained run for prediction and export, and refusing files that would run code."""

from __future__ import annotations

import copy
import os
import pickle
import shutil

import numpy as np
import pytest
import torch

from core.errors import TrainingError
from core.train import continue_run, load_trained_model, prepare
from core.train.checkpoint import load_checkpoint
from tests.core.train.tiny import dataset, project, regression_dataset


def _on_cpu(module):
    """An eval-mode copy of a trained module on the CPU, where ``load_trained_model`` puts its
    network (training ran on the device ``auto`` picked: a GPU when there is one)."""
    return copy.deepcopy(module).cpu().eval()


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trained")
    proj = project(tmp, training={"epochs": 2, "batch_size": 16})
    ds = dataset(proj)
    trainer = prepare(proj, ds, run_dir=tmp / "run")
    trainer.fit()
    return tmp / "run", ds, trainer


def test_load_trained_model_gives_the_best_weights_in_eval_mode(trained_run):
    run_dir, ds, trainer = trained_run
    model = load_trained_model(run_dir)
    assert not model.module.training
    assert model.info.class_names == ds.info.class_names and model.info.input_shape == (2,)
    assert model.preprocessing == ds.preprocessing
    assert model.project.name == "Tiny" and model.run["status"] == "completed"
    assert model.output_activation == "softmax"
    x = torch.from_numpy(ds.validation.x)
    with torch.no_grad():
        expected = _on_cpu(trainer.module)(x)
        assert torch.allclose(model.module(x), expected)
    probs = model.predict(ds.validation.x)
    assert probs.shape == (len(ds.validation), 3)
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    assert np.allclose(probs, torch.softmax(expected, 1).numpy(), atol=1e-6)


def test_binary_and_regression_outputs(tmp_path):
    proj = project(tmp_path, data={"kind": "builtin", "name": "moons", "samples": 64},
                   training={"epochs": 1})
    prepare(proj, dataset(proj), run_dir=tmp_path / "binary").fit()
    binary = load_trained_model(tmp_path / "binary")
    assert binary.output_activation == "sigmoid"
    probs = binary.predict(dataset(proj).validation.x)
    assert probs.shape[1] == 2 and np.allclose(probs.sum(1), 1, atol=1e-6)

    ds = regression_dataset(scale=10.0)
    trainer = prepare(project(tmp_path, name="Reg", training={"epochs": 1}), ds, run_dir=tmp_path / "reg")
    trainer.fit()
    regression = load_trained_model(tmp_path / "reg")
    with torch.no_grad():
        raw = _on_cpu(trainer.module)(torch.from_numpy(ds.validation.x)).numpy()
    scaling = ds.preprocessing["target_scaling"]
    assert np.allclose(regression.predict(ds.validation.x),
                       raw * np.array(scaling["scale"]) + np.array(scaling["mean"]), rtol=1e-5)


def test_inference_module_scales_raw_input():
    from core.train.inference import InferenceModule

    net = torch.nn.Identity()
    pre = {"kind": "table", "input_shape": [2], "input_scaling": {"mean": [1.0, 2.0], "scale": [2.0, 4.0]}}
    out = InferenceModule(net, pre, "none", "regression")(torch.tensor([[3.0, 6.0]]))
    assert out.tolist() == [[1.0, 1.0]]
    image = {"kind": "image", "input_shape": [2, 1, 1], "input_scaling": {"mean": [0.5, 0.0], "scale": [0.5, 1.0]}}
    out = InferenceModule(net, image, "none", "regression")(torch.ones(1, 2, 1, 1))
    assert out.reshape(-1).tolist() == [1.0, 1.0]


class _RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_that_runs_code_is_refused_and_does_not_run(trained_run, tmp_path):
    run_dir, _ds, _trainer = trained_run
    evil = tmp_path / "evil-run"
    shutil.copytree(run_dir, evil)
    marker = tmp_path / "payload-ran"
    with open(evil / "last.ckpt", "wb") as handle:
        pickle.dump({"format": "layerforge.checkpoint", "model": _RunsACommand(marker)}, handle)
    with pytest.raises(TrainingError, match="not plain weights .* was not loaded"):
        continue_run(evil)
    torch.save({"format": "layerforge.checkpoint", "payload": _RunsACommand(marker)}, evil / "last.ckpt")
    with pytest.raises(TrainingError, match="not plain weights"):
        load_checkpoint(evil / "last.ckpt")
    assert not marker.exists(), "the pickled command ran"


def test_weights_that_are_not_safetensors_are_refused(trained_run, tmp_path):
    run_dir, _ds, _trainer = trained_run
    evil = tmp_path / "evil-weights"
    shutil.copytree(run_dir, evil)
    marker = tmp_path / "payload-ran"
    with open(evil / "model.safetensors", "wb") as handle:
        pickle.dump(_RunsACommand(marker), handle)
    with pytest.raises(TrainingError, match="not a valid safetensors weights file"):
        load_trained_model(evil)
    assert not marker.exists()


def test_broken_run_folders_are_explained(tmp_path):
    with pytest.raises(TrainingError, match="is not a folder"):
        load_trained_model(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainingError, match="has no run.json"):
        load_trained_model(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "run.json").write_text("{nope")
    with pytest.raises(TrainingError, match="cannot be read"):
        load_trained_model(tmp_path / "bad")
    with pytest.raises(TrainingError, match="no checkpoint to resume from"):
        load_checkpoint(tmp_path / "empty" / "last.ckpt")
