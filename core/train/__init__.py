"""Training: settings, the trainer, metrics, run folders, checkpoints, probes.

The public API (see docs/training.md)::

    from core.train import TrainSpec, prepare, continue_run, load_trained_model

    trainer = prepare(project, dataset, callbacks=[...])   # in the training thread
    result = trainer.fit()                                  # -> TrainResult
    trainer.stop() / pause() / resume() / update_optimizer(learning_rate=...)  # any thread

Importing this package does not import torch; building or running a trainer does.
"""

from __future__ import annotations

from core.train.callbacks import (COMPLETED, FAILED, RUNNING, STOPPED, BatchEnd, Callback,
                                  EpochEnd, TrainResult)
from core.train.spec import TrainSpec, defaults_for, training_problems

__all__ = ["COMPLETED", "FAILED", "RUNNING", "STOPPED", "BatchEnd", "Callback", "EpochEnd",
           "TrainResult", "TrainSpec", "Trainer", "TrainedModel", "available_devices",
           "continue_run", "defaults_for", "load_trained_model", "prepare", "training_problems"]


def __getattr__(name: str):
    """The parts that need torch are imported on first use."""
    if name in ("prepare", "continue_run"):
        from core.train import setup

        return getattr(setup, name)
    if name == "Trainer":
        from core.train.trainer import Trainer

        return Trainer
    if name in ("load_trained_model", "TrainedModel"):
        from core.train import load

        return getattr(load, name)
    if name == "available_devices":
        from core.train.device import available_devices

        return available_devices
    raise AttributeError(f"module 'core.train' has no attribute {name!r}")
