"""PyTorch ExportedProgram (``.pt2``): ``torch.export`` with a dynamic batch dimension.

The program is the inference module (scaling in, probabilities or original units out).
It is verified in a fresh Python process that cannot import LayerForge, with
``torch.export.load(path).module()``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ExportError
from core.export.onnx_format import metadata, quiet_torch_export
from core.export.verify import CleanCheck


def exported_program(trained, sample: np.ndarray):
    """``torch.export.export`` of the inference module, batch dimension dynamic (1 and up)."""
    import torch

    module = trained.inference_module()
    example = torch.from_numpy(np.ascontiguousarray(
        sample[:2] if len(sample) >= 2 else np.concatenate([sample, sample]), np.float32))
    batch = torch.export.Dim("batch", min=1)
    try:
        with quiet_torch_export():
            return torch.export.export(module, (example,), dynamic_shapes=({0: batch},))
    except Exception as err:  # noqa: BLE001 - torch.export raises many kinds
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
        raise ExportError(f"torch.export could not capture this network ({type(err).__name__}:"
                          f" {first})") from None


def write(trained, path: Path, sample: np.ndarray, record: dict[str, Any]) -> None:
    import torch

    program = exported_program(trained, sample)
    extra = {"layerforge.json": json.dumps(metadata(trained, record))}
    with quiet_torch_export():
        torch.export.save(program, str(path), extra_files=extra)


def clean_check(path: Path) -> CleanCheck:
    """Loaded with ``torch.export.load`` in a process that cannot import LayerForge."""
    return CleanCheck(f"import torch\nmodel = torch.export.load({str(path)!r}).module()\n")
