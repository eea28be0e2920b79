"""TensorBoard and MLflow tracking with the real libraries, read back as their own tools read them."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

from core.errors import TrainingError
from core.train.setup import prepare
from core.train.tracking import tracking_callbacks
from tests.core.train import tiny


def _train(tmp_path, **tracking):
    project = tiny.project(tmp_path)
    run_dir = tmp_path / "run"
    result = prepare(project, tiny.dataset(project), run_dir=run_dir,
                     callbacks=tracking_callbacks(**tracking)).fit()
    assert result.status == "completed", result.reason
    with open(run_dir / "metrics.csv", newline="", encoding="utf-8") as handle:
        return run_dir, list(csv.DictReader(handle))


def test_tensorboard_gets_every_epoch_metric_and_weight_histograms(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_dir, rows = _train(tmp_path, tensorboard=tmp_path / "tb")
    events = EventAccumulator(str(tmp_path / "tb" / run_dir.name), size_guidance={"scalars": 0}).Reload()
    tags = events.Tags()
    assert {"train/loss", "val/loss", "val/accuracy"} <= set(tags["scalars"])
    assert "weights/fc1.weight" in tags["histograms"]
    logged = [(e.step, e.value) for e in events.Scalars("val/loss")]
    assert logged == [(int(r["epoch"]), pytest.approx(float(r["val_loss"]), rel=1e-6)) for r in rows]


def test_mlflow_gets_the_settings_the_metrics_and_the_onnx_model(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = str(tmp_path / "mlruns")
    run_dir, rows = _train(tmp_path, mlflow=uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("Tiny")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == run_dir.name and run.info.status == "FINISHED"
    assert run.data.params["learning_rate"] == "0.001" and run.data.params["task"] == "classification"
    history = client.get_metric_history(run.info.run_id, "val_loss")
    assert [(m.step, m.value) for m in history] == [
        (int(r["epoch"]), pytest.approx(float(r["val_loss"]), rel=1e-6)) for r in rows]
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"run.json", "metrics.csv", "model"} <= artifacts
    assert [a.path for a in client.list_artifacts(run.info.run_id, "model")] == ["model/model.onnx"]


def test_a_missing_library_is_one_sentence_with_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(TrainingError, match=r"needs the mlflow package.*pip install 'layerforge\[tracking\]'"):
        tracking_callbacks(mlflow="./mlruns")
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(TrainingError, match="needs the tensorboard package"):
        tracking_callbacks(tensorboard="./tb")


def test_an_unreachable_mlflow_server_is_said_within_seconds(tmp_path):
    """MLflow's default retries took about 4 minutes for an address nothing listens on."""
    import subprocess

    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, PYTHONPATH=str(root), OMP_NUM_THREADS="1")
    for name in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "core.cli", "train", str(root / "resources/examples/perceptron.lfproj"),
                             "--epochs", "1", "--run-dir", str(tmp_path / "run"), "--quiet",
                             "--mlflow", "http://127.0.0.1:1"], cwd=root, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "cannot log to MLflow at http://127.0.0.1:1" in result.stderr
