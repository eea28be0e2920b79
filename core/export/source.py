"""What an export starts from: a finished run, its record, and inputs to verify on.

:func:`open_run` turns the usual mistakes (not a run folder, a run still training or
failed, no weights) into one sentence. :func:`verification_inputs` gives a batch of the
run's validation data **encoded but unscaled** (what exported models take); when the
data cannot be read any more it falls back to random inputs of the right kind and says
so. Nothing here executes code from the run folder (JSON and safetensors only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from core.errors import ExportError, LayerForgeError

#: The record an export carries so that LayerForge can rebuild the network from it.
RECORD_KEYS = ("format", "format_version", "task", "loss", "output_activation", "training", "project")

VERIFY_ROWS = 64


def open_run(run_dir: str | Path):
    """The run's :class:`~core.train.load.TrainedModel`; :class:`ExportError` for a person's mistake."""
    from core.train import load_trained_model
    from core.train.rundir import RUN_JSON, WEIGHTS, read_run_json

    run_dir = Path(run_dir).expanduser()
    if not run_dir.exists():
        raise ExportError(f"{run_dir} does not exist: give the folder of a training run"
                          " (runs/<name>-<time>/ beside the project)")
    if not run_dir.is_dir() or not (run_dir / RUN_JSON).is_file():
        raise ExportError(f"{run_dir} is not a training run folder (it has no {RUN_JSON}): give a"
                          " folder that 'layerforge train' wrote, under runs/ beside the project")
    run = read_run_json(run_dir)
    status, reason = run.get("status"), run.get("reason") or ""
    if status == "running":
        raise ExportError(f"{run_dir.name} has not finished training (run.json says 'running'):"
                          " wait until it ends, or continue an interrupted run with"
                          f" 'layerforge train --resume {run_dir}'")
    if status == "failed":
        raise ExportError(f"{run_dir.name} failed{': ' + reason if reason else ''}; its weights"
                          " are not a finished model: fix the cause and train again")
    if not (run_dir / WEIGHTS).is_file():
        raise ExportError(f"{run_dir.name} has no trained weights ({WEIGHTS}): it stopped before"
                          " its first epoch ended; train it again")
    return load_trained_model(run_dir)


def export_record(trained) -> dict[str, Any]:
    """The part of ``run.json`` needed to rebuild the network (no paths, no metrics)."""
    record = {key: trained.run[key] for key in RECORD_KEYS if key in trained.run}
    record["data"] = {"info": trained.run["data"]["info"]}
    record["run_name"] = trained.run_dir.name
    return record


class VerifyInputs(NamedTuple):
    """``x``: encoded, unscaled float32 ``(N, *input_shape)``; ``what``: words for the report."""

    x: np.ndarray
    what: str


def verification_inputs(trained, rows: int = VERIFY_ROWS, progress=None) -> VerifyInputs:
    """Up to ``rows`` validation samples as exported models take them (scaling undone)."""
    from core.data import load
    from core.data.scaling import scaling_axis

    try:
        dataset = load(trained.project.data, trained.project.directory, progress)
        split = next((s for s in (dataset.validation, dataset.test, dataset.train)
                      if s is not None and len(s.x)), None)
    except (LayerForgeError, OSError):
        split = None
    if split is None:
        return VerifyInputs(_random_inputs(trained, rows), f"{rows} random inputs (the training"
                            " data could not be read)")
    x = np.array(split.x[:rows], dtype=np.float32, copy=True)
    scaling = trained.preprocessing.get("input_scaling")
    if scaling:
        shape = [1] * x.ndim
        shape[scaling_axis(trained.preprocessing)] = -1
        x = x * np.asarray(scaling["scale"], np.float32).reshape(shape) + np.asarray(
            scaling["mean"], np.float32).reshape(shape)
    name = "validation" if split is dataset.validation else "test" if split is dataset.test else "training"
    return VerifyInputs(np.ascontiguousarray(x, np.float32), f"{len(x)} {name} samples")


def _random_inputs(trained, rows: int) -> np.ndarray:
    """Plausible encoded inputs: pixels in [0, 1], or features around the training statistics."""
    rng = np.random.default_rng(0)
    shape = (rows, *trained.info.input_shape)
    pre = trained.preprocessing
    if pre.get("kind") == "image" or len(trained.info.input_shape) == 3:
        return rng.random(shape, dtype=np.float32)
    x = rng.standard_normal(shape).astype(np.float32)
    scaling = pre.get("input_scaling")
    if scaling:
        x = x * np.asarray(scaling["scale"], np.float32) + np.asarray(scaling["mean"], np.float32)
    return x
