"""What ``run.json`` says about a run, from its start to its end (see docs/internals.md)."""

from __future__ import annotations

import platform
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from core.train.rundir import RUN_FORMAT, RUN_VERSION, json_text
from core.train.run_state import RunState

if TYPE_CHECKING:  # pragma: no cover
    from core.train.callbacks import TrainResult
    from core.train.trainer import Trainer


def _now(when: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(when))


def versions() -> dict[str, str]:
    import numpy
    import torch

    from core import __version__

    return {"layerforge": __version__, "torch": torch.__version__, "numpy": numpy.__version__,
            "python": platform.python_version(), "platform": platform.platform()}


def start(trainer: "Trainer", started: float, previous: dict[str, Any] | None) -> dict[str, Any]:
    """The run.json of a run that begins (or, with ``previous``, resumes)."""
    import torch

    from core.train.device import describe_device

    dataset, spec = trainer.dataset, trainer.spec
    splits = {name: (len(part) if part is not None else 0)
              for name, part in (("train", dataset.train), ("validation", dataset.validation),
                                 ("test", dataset.test))}
    trainable = sum(p.numel() for p in trainer.module.parameters() if p.requires_grad)
    total = sum(p.numel() for p in trainer.module.parameters())
    record: dict[str, Any] = dict(previous or {})
    record.update({
        "format": RUN_FORMAT, "format_version": RUN_VERSION,
        "name": trainer.run_dir.name, "status": "running", "reason": None,
        "project": trainer.project,
        "project_dir": str(trainer.project_dir) if trainer.project_dir else None,
        "training": spec.to_dict(),
        "data": {"fingerprint": dataset.fingerprint, "info": _info_dict(dataset.info),
                 "splits": splits, "notes": list(dataset.notes)},
        "task": trainer.objective.task, "loss": trainer.objective.loss_name,
        "heads": [{"output": head.node_id, "target": head.target,
                   "loss": (spec.adversarial.loss if head.adversarial and spec.adversarial
                            else objective.loss_name),
                   "weight": head.weight, "primary": index == trainer.heads.primary}
                  for index, (head, objective) in enumerate(zip(trainer.heads.heads,
                                                                trainer.heads.objectives))],
        "output_activation": trainer.objective.output_activation,
        "seed": spec.seed, "versions": versions(),
        "device": trainer.placement.device, "device_name": describe_device(trainer.placement.device),
        "precision": trainer.placement.precision,
        "threads": torch.get_num_threads(),
        "data_on_device": bool(getattr(trainer.train_batches, "on_device", False)),
        "channels_last": bool(trainer.channels_last),
        "distributed": trainer.dist.describe() if trainer.dist else None,
        "parameters": {"total": total, "trainable": trainable},
        "frozen": list(trainer.frozen), "monitor": trainer.monitor,
        "epochs": spec.epochs, "notes": list(trainer.notes), "updated": _now(),
    })
    if previous:
        record.setdefault("resumed", []).append({"at_epoch": trainer.epoch, "time": _now(started)})
        record["finished"] = None
    else:
        record.update({"started": _now(started), "finished": None, "seconds": 0.0,
                       "epochs_completed": 0, "best": None, "final": None, "test": None,
                       "changes": []})
    return record


def _info_dict(info) -> dict[str, Any]:
    data = asdict(info)
    data["input_shape"] = list(info.input_shape)
    return data


def _progress(state: RunState) -> dict[str, Any]:
    return {"epochs_completed": state.epoch, "best": _copy(state.best_row),
            "final": _copy(state.last_row), "changes": list(state.changes),
            "notes": list(state.notes), "updated": _now()}


def _copy(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return dict(row) if row else None


def running(state: RunState, spec) -> dict[str, Any]:
    """run.json after an epoch: the progress so far, and the gradient clip now in effect."""
    record = state.record
    record.update(_progress(state))
    record["training"]["gradient_clip"] = spec.gradient_clip
    return dict(record)


def finished(state: RunState, result: "TrainResult") -> dict[str, Any]:
    record = state.record
    record.update(_progress(state))
    seconds = float(record.get("seconds") or 0.0)
    record.update({"status": result.status, "reason": result.reason, "test": result.test,
                   "finished": _now(), "seconds": round(seconds + result.seconds, 3)})
    return dict(record)


def preprocessing_text(dataset) -> str:
    return json_text(dataset.preprocessing)


def weights_file(state: dict[str, Any], run_name: str, epoch: int) -> bytes:
    from core.train.checkpoint import weights_bytes

    return weights_bytes(state, {"format": "layerforge.weights", "run": run_name, "epoch": str(epoch)})
