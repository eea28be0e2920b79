"""``.pt2`` and ``.py`` models: converted to ONNX in a separate Python process.

A ``.py`` file is imported and run there (it is code: the designer says so before it
starts), and a ``.pt2`` file is loaded there too, so nothing the file does touches the
LayerForge process. The worker (:mod:`core.importers.torch_worker`, run as a script)
returns the ONNX file, random inputs and the PyTorch model's own outputs on them, which
are the reference the imported network is checked against. LayerForge's standalone-code
export (``model.py`` beside ``weights.safetensors``) is read the same way; the record in
its weights file (read as JSON, no code) travels into the ONNX metadata, so the round
trip gives back the design's node ids, class names and preprocessing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.data.dataset import Cancelled
from core.importers.errors import ImportModelError

WORKER = Path(__file__).with_name("torch_worker.py")
TIMEOUT = 600


@dataclass
class Converted:
    onnx: Path
    input_shape: tuple[int, ...]
    batches: list[np.ndarray]
    outputs: list[np.ndarray]
    what: str
    exporter: str


def standalone_facts(folder: Path) -> tuple[dict[str, str], dict[str, Any] | None]:
    """The LayerForge metadata of a standalone-code folder's ``weights.safetensors``, and
    its ``preprocessing.json`` (both read as data)."""
    weights = folder / "weights.safetensors"
    if not weights.is_file():
        return {}, None
    try:
        from safetensors import safe_open

        with safe_open(str(weights), "np") as handle:
            meta = dict(handle.metadata() or {})
        pre_path = folder / "preprocessing.json"
        pre = json.loads(pre_path.read_text(encoding="utf-8")) if pre_path.is_file() else None
    except Exception:  # noqa: BLE001 - not LayerForge's: import it as any other .py file
        return {}, None
    keep = {k: v for k, v in meta.items() if k.startswith("layerforge") or k in ("project", "task")}
    if pre is not None:
        keep["layerforge.preprocessing"] = json.dumps(pre)
    return keep, pre


def _inputs_for(preprocessing: dict[str, Any] | None, folder: Path) -> list[Any]:
    """What random inputs the model takes: token ids (text columns), pixels or numbers."""
    if not preprocessing:
        return ["numbers", 0]
    columns = ((preprocessing.get("table") or {}).get("columns")) or []
    if any(c.get("type") == "text" for c in columns if isinstance(c, dict)):
        return ["ids", _smallest_table(folder)]
    if preprocessing.get("kind") == "image" or len(preprocessing.get("input_shape") or []) == 3:
        return ["pixels", 0]
    return ["numbers", 0]


def _smallest_table(folder: Path) -> int:
    try:
        from safetensors import safe_open

        with safe_open(str(folder / "weights.safetensors"), "np") as handle:
            rows = [handle.get_slice(k).get_shape()[0] for k in handle.keys() if k.endswith("embedding.weight")]
    except Exception:  # noqa: BLE001
        rows = []
    return int(min(rows)) if rows else 2


def to_onnx(model: Path, workdir: Path, *, input_shape: tuple[int, ...] | None = None,
            class_name: str | None = None, cancel: Callable[[], bool] | None = None) -> Converted:
    """Convert ``model`` in a worker process; :class:`ImportModelError` with its sentence."""
    kind = "pt2" if model.suffix.lower() == ".pt2" else "py"
    metadata, preprocessing = standalone_facts(model.parent) if kind == "py" else ({}, None)
    plan = {"source": str(model.resolve()), "kind": kind, "out": str(workdir),
            "input_shape": list(input_shape) if input_shape else None, "class_name": class_name,
            "input_shape_hint": (preprocessing or {}).get("input_shape"),
            "inputs": _inputs_for(preprocessing, model.parent), "metadata": metadata}
    plan_path = workdir / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(WORKER), str(plan_path)], cwd=str(model.parent),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    while process.poll() is None:
        if cancel is not None and cancel():
            process.kill()
            process.wait()
            raise Cancelled()
        if time.monotonic() - started > TIMEOUT:
            process.kill()
            process.wait()
            raise ImportModelError(f"converting {model.name} took more than {TIMEOUT} s and was stopped")
        time.sleep(0.05)
    _, stderr = process.communicate()
    result_path = workdir / "result.json"
    if not result_path.is_file():
        lines = [line for line in (stderr or "").splitlines() if line.strip()]
        last = lines[-1].strip() if lines else f"exit code {process.returncode}"
        raise ImportModelError(f"converting {model.name} stopped without a result ({last[:240]})")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    if not result.get("ok"):
        raise ImportModelError(result.get("error") or f"{model.name} could not be converted",
                               needs_input_shape=bool(result.get("needs_input_shape")))
    pairs = [(np.load(x), np.load(y)) for x, y in result["pairs"]]
    return Converted(Path(result["onnx"]), tuple(result["input_shape"]), [p[0] for p in pairs],
                     [p[1] for p in pairs], result.get("what", ""), result.get("exporter", ""))
