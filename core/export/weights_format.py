"""Weights: ``<name>.safetensors`` with ``<name>.lfproj`` and ``<name>.preprocessing.json`` beside it.

The safetensors file holds the network's ``state_dict`` (the keys are node ids:
``fc1.weight``) and, in its metadata, the record LayerForge needs to rebuild the network
(``layerforge.model``) and the preprocessing. The ``.lfproj`` is the project as it was
trained, with relative data paths rebased to its new folder and ``training.init_from``
pointing at the weights, so opening it in LayerForge and training continues from them.
Reading any of it runs no code: safetensors and JSON only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from core import __version__
from core.atomic import write_bytes_atomic, write_text_atomic
from core.data.preprocessing_check import damaged_sentence, preprocessing_problem
from core.errors import ExportError, LayerForgeError
from core.export.heads import is_every_head
from core.export.onnx_format import PREPROCESSING_KEY, RECORD_KEY
from core.export.verify import Difference, compare_batches

WEIGHTS_FORMAT = "layerforge.weights"


def companions(path: Path) -> tuple[Path, Path]:
    """The project file and preprocessing file written beside ``path``."""
    stem = path.name[: -len(".safetensors")] if path.name.endswith(".safetensors") else path.stem
    return path.with_name(f"{stem}.lfproj"), path.with_name(f"{stem}.preprocessing.json")


def outputs(path: Path) -> list[Path]:
    """Every file :func:`write` puts at the destination (checked before an export starts)."""
    return [path, *companions(path)]


def weights_metadata(trained, record: dict[str, Any]) -> dict[str, str]:
    """String metadata for a safetensors file: enough to rebuild and use the network."""
    return {"format": WEIGHTS_FORMAT, "layerforge_version": __version__,
            "task": trained.info.task, "project": trained.project.name,
            "class_names": json.dumps(trained.info.class_names or []),
            RECORD_KEY: json.dumps(record), PREPROCESSING_KEY: json.dumps(trained.preprocessing)}


def weights_bytes(trained, record: dict[str, Any]) -> bytes:
    """The safetensors bytes of the prediction network (with several heads, the layers that
    feed the primary head, as every other export holds; the run's model.safetensors keeps
    every head's, and so does an every-head export, whose ``module`` is the whole network)."""
    from core.train.checkpoint import weights_bytes as to_bytes

    return to_bytes(trained.module.state_dict(), weights_metadata(trained, record))


def write(trained, path: Path, sample: np.ndarray, record: dict[str, Any],
          final_dir: Path | None = None) -> None:
    """Write the three files; ``final_dir`` is where they will end up (for relative data paths)."""
    from core.project import Project, rebase_paths

    project_path, preprocessing_path = companions(path)
    write_bytes_atomic(path, weights_bytes(trained, record))
    data = dict(trained.project.to_dict())
    if data.get("data"):
        data["data"] = rebase_paths(data["data"], trained.project.directory,
                                    Path(final_dir or path.parent).resolve())
    data["training"] = {**(data.get("training") or {}), "init_from": path.name}
    write_text_atomic(project_path, Project.from_dict(data).to_json())
    write_text_atomic(preprocessing_path, json.dumps(trained.preprocessing, indent=2) + "\n")


def open_weights(path: Path):
    """A :class:`~core.train.load.TrainedModel` rebuilt from a LayerForge safetensors file.

    The record and preprocessing come from the file's metadata (a ``preprocessing.json``
    beside it, when present, is preferred). Raises :class:`ExportError` naming the file
    when it is not a LayerForge export.
    """
    from safetensors import SafetensorError, safe_open

    from core.train.checkpoint import load_weights
    from core.train.load import trained_model_from

    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata() or {}
    except (SafetensorError, OSError, ValueError) as err:
        raise ExportError(f"{path} is not a valid safetensors file ({err}): it is damaged or"
                          " is not a weights file") from None
    if RECORD_KEY not in meta:
        raise ExportError(f"{path} has no LayerForge description in its metadata: predict from"
                          " the run folder, or from a file LayerForge exported")
    try:
        record = json.loads(meta[RECORD_KEY])
        preprocessing = _preprocessing_beside(path) or json.loads(meta[PREPROCESSING_KEY])
    except (KeyError, json.JSONDecodeError) as err:
        raise ExportError(f"{path}'s LayerForge metadata cannot be read ({err}): the file is"
                          " damaged") from None
    problem = preprocessing_problem(preprocessing)
    if problem:  # its copy beside it, edited or damaged
        raise ExportError(damaged_sentence(problem, str(path)))
    weights = load_weights(path)
    try:
        return trained_model_from(record, preprocessing, weights, path.parent, where=path)
    except LayerForgeError as err:
        raise ExportError(str(err)) from None


def _preprocessing_beside(path: Path) -> dict[str, Any] | None:
    for candidate in (companions(path)[1], path.with_name("preprocessing.json")):
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                raise ExportError(f"{candidate} cannot be read ({err})") from None
    return None


def verify(trained, path: Path, x: np.ndarray) -> Difference:
    """Reopen the weights with safetensors (and the files beside them) and compare."""
    import torch

    project_path, _ = companions(path)
    if not project_path.is_file():
        raise ExportError(f"{project_path.name} was not written beside the weights")
    again = open_weights(path)
    if is_every_head(trained):  # the file holds every head: check each of them
        from core.export.every_head import every_head

        again = every_head(again)
    again = again.inference_module()

    def run(batch: np.ndarray):
        with torch.inference_mode():
            out = again(torch.from_numpy(batch))
        return tuple(o.numpy() for o in out) if isinstance(out, tuple) else out.numpy()

    return compare_batches(trained, x, run)
