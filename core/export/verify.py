"""Checking an export against the in-app model, and running code in a process without LayerForge.

The difference is measured per output column relative to that column's largest
magnitude in the reference (at least 1), so probabilities are compared absolutely and
regression values in large units relatively. More than :data:`TOLERANCE` fails. An
every-head export (:mod:`core.export.heads`) has several outputs: each is compared with its
head's, and the largest difference counts.

:func:`run_clean` starts ``python -I -S`` with only the interpreter's installed
packages on ``sys.path`` (no ``.pth`` hooks, so not even an editable LayerForge) and
with ``core``/``designer`` blocked: what runs there provably needs no LayerForge.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import ExportError
from core.export.formats import TOLERANCE

CLEAN_TIMEOUT = 300


@dataclass
class Difference:
    """How far an export's outputs are from the in-app model's."""

    absolute: float
    relative: float

    @property
    def ok(self) -> bool:
        return bool(np.isfinite(self.relative)) and self.relative <= TOLERANCE

    def merge(self, other: "Difference") -> "Difference":
        return Difference(max(self.absolute, other.absolute), max(self.relative, other.relative))


def difference(reference, actual) -> Difference:
    """The largest absolute and relative difference; a shape mismatch is an infinite one.
    With several outputs (tuples or lists, one array per head) the largest over them; a
    different number of outputs is an infinite difference too."""
    if isinstance(reference, (tuple, list)) or isinstance(actual, (tuple, list)):
        if not (isinstance(reference, (tuple, list)) and isinstance(actual, (tuple, list))
                and len(reference) == len(actual)):
            return Difference(float("inf"), float("inf"))
        result = Difference(0.0, 0.0)
        for ref, out in zip(reference, actual):
            result = result.merge(difference(ref, out))
        return result
    reference = np.asarray(reference, np.float64)
    actual = np.asarray(actual, np.float64)
    if reference.shape != actual.shape:
        return Difference(float("inf"), float("inf"))
    if reference.size == 0:
        return Difference(0.0, 0.0)
    gap = np.abs(reference - actual)
    if not np.isfinite(gap).all():
        return Difference(float("inf"), float("inf"))
    columns = reference.reshape(-1, reference.shape[-1]) if reference.ndim > 1 else reference.reshape(-1, 1)
    scale = np.maximum(np.abs(columns).max(axis=0), 1.0)
    relative = gap.reshape(columns.shape) / scale
    return Difference(float(gap.max()), float(relative.max()))


def reference_outputs(trained, x: np.ndarray):
    """The in-app inference module's outputs for encoded inputs ``x``: an array, or a tuple
    of arrays (one per head) for an every-head model."""
    import torch

    module = trained.inference_module()
    with torch.inference_mode():
        out = module(torch.from_numpy(np.ascontiguousarray(x, np.float32)))
    return tuple(o.numpy() for o in out) if isinstance(out, (tuple, list)) else out.numpy()


def runtime_outputs(values: list):
    """What an ONNX Runtime session returned: the one array, or a tuple of every output."""
    return values[0] if len(values) == 1 else tuple(values)


def batches_to_check(x: np.ndarray) -> list[np.ndarray]:
    """The whole batch and a batch of one: both sides of a dynamic batch dimension."""
    return [x, x[:1]] if len(x) > 1 else [x]


def compare_batches(trained, x: np.ndarray, run_export) -> Difference:
    """``run_export(batch) -> outputs`` against the in-app model on each batch to check."""
    batches = batches_to_check(x)
    return compare_outputs(trained, batches, [run_export(batch) for batch in batches])


# ---------------------------------------------------------------------- clean processes
_BOOTSTRAP = """
import sys
sys.path[:0] = {paths!r}
for name in ("core", "designer"):
    sys.modules[name] = None  # any import of LayerForge fails here
sys.dont_write_bytecode = True
sys.argv = sys.argv[1:]
import runpy
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def site_paths() -> list[str]:
    """The interpreter's own package folders (``purelib``/``platlib``), without ``.pth`` hooks."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def run_clean(script: Path, args: list[str], cwd: Path, python: str | None = None
              ) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh interpreter that cannot import LayerForge."""
    bootstrap = _BOOTSTRAP.format(paths=site_paths())
    command = [python or sys.executable, "-I", "-S", "-c", bootstrap, str(script), *map(str, args)]
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=CLEAN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ExportError(f"checking the export in a fresh Python process took more than"
                          f" {CLEAN_TIMEOUT} s and was stopped") from None


@dataclass
class CleanCheck:
    """Python that loads one export in a clean process and defines ``model`` (tensor -> tensor).

    ``paths`` go on ``sys.path`` while it runs (the folder of a standalone-code export).
    """

    setup: str
    paths: list[str] = field(default_factory=list)


_RUN_CHECKS = """
import json, sys
import numpy as np
import torch
plan = json.load(open(sys.argv[1], encoding="utf-8"))
batches = [torch.from_numpy(np.load(path)) for path in plan["batches"]]
for job in plan["jobs"]:
    before = list(sys.path)
    sys.path[:0] = job["paths"]
    try:
        scope = {}
        exec(job["setup"], scope)
        for i, x in enumerate(batches):
            with torch.no_grad():
                out = scope["model"](x)
            if isinstance(out, (tuple, list)):  # every head: one file per output
                for k, value in enumerate(out):
                    np.save(job["out"] + f"{i}_{k}.npy", value.detach().numpy())
            else:
                np.save(job["out"] + f"{i}.npy", out.detach().numpy())
    except BaseException as err:
        with open(job["out"] + "error.txt", "w", encoding="utf-8") as handle:
            handle.write(f"{type(err).__name__}: {err}".splitlines()[0][:300])
    finally:
        sys.path[:] = before
        sys.modules.pop("model", None)
"""


def outputs_in_clean_process(checks: dict[str, CleanCheck], batches: list[np.ndarray],
                             cwd: Path) -> dict[str, list[np.ndarray] | str]:
    """Run every check in **one** fresh process without LayerForge; for each name the
    outputs on ``batches`` (per batch an array, or a tuple of arrays for a model with
    several outputs), or the error (a sentence) that stopped it."""
    with tempfile.TemporaryDirectory(prefix="layerforge-verify-") as tmp:
        tmp_path = Path(tmp)
        inputs = []
        for i, batch in enumerate(batches):
            path = tmp_path / f"batch{i}.npy"
            np.save(path, np.ascontiguousarray(batch, np.float32))
            inputs.append(str(path))
        jobs = [{"setup": check.setup, "paths": list(check.paths), "out": str(tmp_path / f"job{j}_")}
                for j, check in enumerate(checks.values())]
        plan = tmp_path / "plan.json"
        plan.write_text(json.dumps({"batches": inputs, "jobs": jobs}), encoding="utf-8")
        script = tmp_path / "run_checks.py"
        script.write_text(_RUN_CHECKS, encoding="utf-8")
        done = run_clean(script, [str(plan)], cwd)
        results: dict[str, list[np.ndarray] | str] = {}
        for name, job in zip(checks, jobs):
            error = Path(job["out"] + "error.txt")
            if error.is_file():
                results[name] = error.read_text(encoding="utf-8")
            elif all(_saved_output(job["out"], i) is not None for i in range(len(inputs))):
                results[name] = [_saved_output(job["out"], i) for i in range(len(inputs))]
            else:
                results[name] = last_error_line(done.stderr)
        return results


def _saved_output(prefix: str, batch: int):
    """The output :data:`_RUN_CHECKS` saved for one batch: an array, a tuple of arrays, or None."""
    one = Path(prefix + f"{batch}.npy")
    if one.is_file():
        return np.load(one)
    parts = []
    while Path(prefix + f"{batch}_{len(parts)}.npy").is_file():
        parts.append(np.load(prefix + f"{batch}_{len(parts)}.npy"))
    return tuple(parts) if parts else None


def last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    return lines[-1] if lines else "the process exited without a message"


def compare_outputs(trained, batches: list[np.ndarray], outputs: list) -> Difference:
    """The largest difference between ``outputs`` and the in-app model on ``batches``."""
    result = Difference(0.0, 0.0)
    for batch, out in zip(batches, outputs):
        result = result.merge(difference(reference_outputs(trained, batch), out))
    return result
