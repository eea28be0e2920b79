"""Checkpoints (``last.ckpt``) and weights (``model.safetensors``), read without running code.

A checkpoint is a ``torch.save`` dictionary of tensors, numbers, strings, lists and
dicts only, so ``torch.load(weights_only=True)`` reads it; anything else in the file
(a pickled object that would run code) is refused before it can act. Weights are
safetensors, which hold nothing but tensors.
"""

from __future__ import annotations

import io
import pickle
import random
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import TrainingError

CHECKPOINT_FORMAT = "layerforge.checkpoint"
CHECKPOINT_VERSION = 1


def rng_state() -> dict[str, Any]:
    """The Python, NumPy, torch (and CUDA) random states as plain data."""
    return {**host_rng_state(), **torch_rng_state()}


def host_rng_state() -> dict[str, Any]:
    """The Python and NumPy random states (reading NumPy's costs tens of microseconds)."""
    import torch

    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {"python": random.getstate(),
            "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                      "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}}


def torch_rng_state() -> dict[str, Any]:
    """The torch (and CUDA) random states: what training draws from (dropout, noise)."""
    import torch

    state = {"torch": torch.get_rng_state(), "cuda": None}
    # ``is_initialized`` first: it is a flag, ``is_available`` asks the driver (every epoch).
    if torch.cuda.is_initialized() and torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    import torch

    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy = state["numpy"]
    np.random.set_state((numpy["kind"], numpy["keys"].numpy().astype(np.uint32), numpy["pos"],
                         numpy["has_gauss"], numpy["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if state.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) from one number."""
    import torch

    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    if torch.cuda.is_available() or torch.backends.mps.is_available():
        torch.manual_seed(seed)  # the generators of every device
    else:
        # The CPU's generator is the only one: ``torch.manual_seed`` would also queue seeds
        # for CUDA, XPU and MTIA, recording the caller's stack for each (0.1 ms per run).
        torch.default_generator.manual_seed(seed)


def checkpoint_bytes(payload: dict[str, Any]) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save({"format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION, **payload}, buffer)
    return buffer.getvalue()


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a ``last.ckpt`` safely; a file that is not plain weights is refused, never run."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise TrainingError(f"{path} does not exist: the run has no checkpoint to resume from"
                            " (it stopped before finishing its first epoch)")
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols of foreign files
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise TrainingError(f"{path} holds objects that are not plain weights (opening it could"
                            " run code), so it was not loaded: it may have been tampered with;"
                            " use a checkpoint you trust") from None
    except Exception as err:  # noqa: BLE001 - a damaged file can fail in many ways
        raise TrainingError(f"{path} cannot be read as a LayerForge checkpoint ({type(err).__name__}):"
                            " the file is damaged or is not a checkpoint") from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise TrainingError(f"{path} is not a LayerForge checkpoint")
    if payload.get("format_version", 0) > CHECKPOINT_VERSION:
        raise TrainingError(f"{path} was written by a newer LayerForge: update LayerForge to"
                            " resume it")
    return payload


def weights_bytes(state_dict: dict[str, Any], metadata: dict[str, str] | None = None) -> bytes:
    """A state dict as safetensors bytes (tensors copied to the CPU, contiguous, unshared)."""
    from safetensors.torch import save

    tensors = {name: t.detach().to("cpu", copy=True).contiguous() for name, t in state_dict.items()}
    return save(tensors, metadata=metadata or {"format": "layerforge.weights"})


def load_weights(path: str | Path) -> dict[str, Any]:
    """Tensors of a ``.safetensors`` file, with a clear message when it is not one."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise TrainingError(f"{path} does not exist: the run has no saved weights yet")
    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as err:
        raise TrainingError(f"{path} is not a valid safetensors weights file ({err}):"
                            " it is damaged or was replaced") from None


def trainer_state(trainer, host_rng: bool = True) -> dict[str, Any]:
    """Everything a trainer needs to go on exactly from the end of its last epoch: its
    ``RunState`` and the state of its module, optimiser, schedule, scaler and tracker;
    without ``host_rng``, of the random states only torch's (:func:`torch_rng_state`)."""
    run = trainer.run
    return {"epoch": run.epoch, "step": run.step, "model": trainer.module.state_dict(),
            "optimizer": trainer.optimizer.state_dict(),
            "scheduler": trainer.schedule.state_dict() if trainer.schedule else None,
            "scaler": trainer.scaler.state_dict() if trainer.scaler else None,
            "rng": rng_state() if host_rng else torch_rng_state(),
            "tracker": trainer.tracker.state_dict(),
            "history": run.history, "changes": run.changes}


def detached_copy(value: Any) -> Any:
    """``value`` with every tensor copied to the CPU and every list and dict copied, so that
    the writer thread can serialise it while training goes on changing the originals.

    The tensors are copied together (one ``torch._foreach_clone``, or one
    ``torch._foreach_copy_`` into new CPU tensors of the same layout from another
    device): this runs after every epoch, and a small table's epoch is a few milliseconds.
    """
    import torch

    tensors: list[Any] = []
    slots: list[tuple[Any, Any]] = []
    copy = _containers(value, tensors, slots, torch.Tensor)
    if tensors:
        with torch.no_grad():
            if all(t.is_cpu for t in tensors):
                copies = torch._foreach_clone(tensors)
            else:
                copies = [torch.empty_like(t, device="cpu") for t in tensors]
                torch._foreach_copy_(copies, tensors)
        for (container, key), tensor in zip(slots, copies):
            container[key] = tensor
    return copy


#: Types copied by reference (immutable), without a closer look.
_PLAIN = (int, float, str, bool, type(None))


def _containers(value: Any, tensors: list[Any], slots: list[tuple[Any, Any]], tensor_type) -> Any:
    """``value`` with its dicts and lists copied; each tensor is appended to ``tensors`` and
    its place (container, key) to ``slots``, for :func:`detached_copy` to fill in.
    (``tensor_type`` is ``torch.Tensor``, passed down rather than imported at every level.)"""
    if isinstance(value, (dict, list)):
        copy: Any = {} if isinstance(value, dict) else [None] * len(value)
        for key, item in (value.items() if isinstance(value, dict) else enumerate(value)):
            if type(item) in _PLAIN:
                copy[key] = item
            elif isinstance(item, tensor_type):
                tensors.append(item)
                slots.append((copy, key))
                copy[key] = None
            else:
                copy[key] = _containers(item, tensors, slots, tensor_type)
        return copy
    if isinstance(value, tensor_type):  # a bare tensor (not in a dict or list)
        return value.detach().to("cpu", copy=True)
    if isinstance(value, tuple) and any(isinstance(item, (tensor_type, dict, list, tuple))
                                        for item in value):
        return tuple(detached_copy(item) for item in value)  # rare: copied one by one
    return value  # immutable: numbers, strings, a tuple of them (Python's random state)


def restore_trainer(trainer, state: dict[str, Any]) -> None:
    """The inverse of :func:`trainer_state`, for a trainer set up for the same run."""
    from core.train.rundir import CHECKPOINT, WEIGHTS

    try:
        trainer.module.load_state_dict(state["model"])
        trainer.optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError) as err:
        where = trainer.run_dir / CHECKPOINT if trainer.run_dir is not None else "the checkpoint"
        raise TrainingError(f"{where} does not fit this run's network ({_first_mismatch(err)}): it was"
                            " saved by another run or network; start a new run instead of continuing"
                            " this one") from None
    if trainer.schedule is not None and state.get("scheduler") is not None:
        trainer.schedule.load_state_dict(state["scheduler"])
    if trainer.scaler is not None and state.get("scaler"):
        trainer.scaler.load_state_dict(state["scaler"])
    set_rng_state(state["rng"])
    trainer.tracker.load_state_dict(state["tracker"])
    run = trainer.run
    run.epoch, run.step = int(state["epoch"]), int(state["step"])
    run.history = [dict(row) for row in state["history"]]
    run.changes = [dict(c) for c in state.get("changes", [])]
    run.best_epoch = trainer.tracker.best_epoch
    if trainer.run_dir is not None and (trainer.run_dir / WEIGHTS).is_file():
        trainer.best_weights = load_weights(trainer.run_dir / WEIGHTS)


def _first_mismatch(err: BaseException) -> str:
    """The first telling line of a failed ``load_state_dict`` (torch lists every tensor)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("size mismatch", "Missing key", "Unexpected key")):
            return line.rstrip(".")[:200]
    return (lines[0] if lines else type(err).__name__)[:200]
