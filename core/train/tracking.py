"""Experiment tracking: a run also written to TensorBoard and/or logged to MLflow.

Both are optional libraries (``pip install 'layerforge[tracking]'``); asking for one that
is not installed is one sentence naming the pip command. Each is a trainer
:class:`~core.train.callbacks.Callback`, so training itself does not change:

- :class:`TensorBoardLogger` writes event files under ``DIR/<run name>/``: every metric
  of each epoch (``train/loss``, ``val/accuracy`` ...), the batch loss every
  :data:`BATCH_EVERY` steps, a histogram of every weight tensor per epoch, and the
  network's graph when PyTorch can trace it.
- :class:`MLflowLogger` logs to the tracking URI (a folder such as ``./mlruns``, or a
  server): the training settings and the network's size as parameters, every epoch's
  metrics, and at the end ``run.json``, ``metrics.csv`` and the model exported as ONNX as
  artifacts.

``tracking_callbacks(tensorboard=..., mlflow=...)`` makes the ones asked for.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from core.errors import TrainingError
from core.train.callbacks import Callback

BATCH_EVERY = 10
INSTALL = "pip install 'layerforge[tracking]'"


def tracking_callbacks(tensorboard: str | Path | None = None, mlflow: str | None = None) -> list[Callback]:
    """The loggers asked for (checked now: a missing library fails before training starts)."""
    callbacks: list[Callback] = []
    if tensorboard:
        callbacks.append(TensorBoardLogger(tensorboard))
    if mlflow:
        callbacks.append(MLflowLogger(mlflow))
    return callbacks


def _split(name: str) -> str:
    """``val_accuracy`` -> ``val/accuracy`` (TensorBoard groups by the part before the slash)."""
    for prefix in ("train_", "val_", "test_"):
        if name.startswith(prefix):
            return f"{prefix[:-1]}/{name[len(prefix):]}"
    return f"run/{name}"


def _numbers(row: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in row.items()
            if k != "epoch" and isinstance(v, (int, float)) and math.isfinite(float(v))}


class TensorBoardLogger(Callback):
    def __init__(self, folder: str | Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard package
        except ImportError:
            raise TrainingError(f"--tensorboard needs the tensorboard package, which is not installed:"
                                f" {INSTALL} (or pip install tensorboard)") from None
        self._writer_class = SummaryWriter
        self.folder = Path(folder).expanduser()
        self.writer = None
        self.log_dir: Path | None = None

    def on_train_start(self, trainer) -> None:
        name = trainer.run_dir.name if trainer.run_dir is not None else "run"
        self.log_dir = self.folder / name
        try:
            self.writer = self._writer_class(log_dir=str(self.log_dir))
        except OSError as err:
            raise TrainingError(f"cannot write TensorBoard logs to {self.log_dir}: {err.strerror or err}") from None
        self._add_graph(trainer)

    def _add_graph(self, trainer) -> None:
        import warnings

        import torch

        try:
            sample = torch.from_numpy(trainer.dataset.train.x[:2]).to(next(trainer.module.parameters()).device)
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # TensorBoard traces with torch.jit
                self.writer.add_graph(trainer.predictor, sample)
        except Exception:  # noqa: BLE001 - the graph is a nicety: a model the tracer cannot follow
            pass

    def on_batch_end(self, trainer, event) -> None:
        if self.writer is not None and event.step % BATCH_EVERY == 0:
            self.writer.add_scalar("batch/loss", event.loss, event.step)

    def on_epoch_end(self, trainer, event) -> None:
        if self.writer is None:
            return
        for name, value in _numbers(event.row).items():
            self.writer.add_scalar(_split(name), value, event.epoch)
        for name, tensor in trainer.module.state_dict().items():
            if tensor.is_floating_point() and tensor.numel() > 1:
                self.writer.add_histogram(f"weights/{name}", tensor.detach().float().cpu(), event.epoch)
        self.writer.flush()

    def on_train_end(self, trainer, result) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class MLflowLogger(Callback):
    wants_batches = False

    def __init__(self, uri: str) -> None:
        try:
            import mlflow
        except ImportError:
            raise TrainingError(f"--mlflow needs the mlflow package, which is not installed: {INSTALL}"
                                " (or pip install mlflow-skinny)") from None
        self.mlflow = mlflow
        self.uri = str(uri)
        self.run = None

    def on_train_start(self, trainer) -> None:
        import os

        mlflow = self.mlflow
        if "://" not in self.uri or self.uri.startswith("file:"):
            # A folder, as the person asked: MLflow 3 keeps its file store working on request
            # (its UI reads it with mlflow ui --backend-store-uri FOLDER).
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        else:
            # A server that does not answer is said within seconds, not after MLflow's default
            # retries (about 4 minutes for an unreachable address); the person's own settings win.
            os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
            os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
        try:
            mlflow.set_tracking_uri(self.uri)
            project = (trainer.run.record or {}).get("project") if trainer.run.record else None
            name = (project or {}).get("name") or "LayerForge"
            mlflow.set_experiment(name)
            self.run = mlflow.start_run(run_name=trainer.run_dir.name if trainer.run_dir else None)
        except Exception as err:  # noqa: BLE001 - an unreachable server, a bad URI
            raise TrainingError(f"cannot log to MLflow at {self.uri}: {str(err).splitlines()[0][:200]}") from None
        params = {k: v for k, v in trainer.spec.to_dict().items() if v is not None and not isinstance(v, dict)}
        params["parameters"] = sum(p.numel() for p in trainer.module.parameters())
        params["task"] = trainer.info.task
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})

    def on_epoch_end(self, trainer, event) -> None:
        if self.run is not None:
            self.mlflow.log_metrics(_numbers(event.row), step=event.epoch)

    def on_train_end(self, trainer, result) -> None:
        if self.run is None:
            return
        mlflow = self.mlflow
        try:
            run_dir = trainer.run_dir
            if run_dir is not None:
                for name in ("run.json", "metrics.csv"):
                    if (run_dir / name).is_file():
                        mlflow.log_artifact(str(run_dir / name))
                if result.status in ("completed", "stopped") and (run_dir / "model.safetensors").is_file():
                    self._log_onnx(run_dir)
        finally:
            mlflow.end_run(status="FINISHED" if result.status == "completed" else
                           "KILLED" if result.status == "stopped" else "FAILED")
            self.run = None

    def _log_onnx(self, run_dir: Path) -> None:
        from core.errors import LayerForgeError
        from core.export.exporter import export_run

        with tempfile.TemporaryDirectory() as tmp:
            try:
                results = export_run(run_dir, ["onnx"], Path(tmp) / "model.onnx")
            except LayerForgeError:
                return
            if results and results[0].ok:
                self.mlflow.log_artifact(str(results[0].path), artifact_path="model")
