"""TorchScript (``.torchscript.pt``) for LibTorch programs: deprecated by PyTorch 2.13.

The inference module is traced (``torch.jit.trace``; scripting cannot compile modules
that take a variable number of inputs, like Add). torch 2.13 warns that ``torch.jit``
is deprecated; the warnings are caught here and the deprecation is said once, in the
format's description and in the export result.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ExportError
from core.export.heads import heads_metadata
from core.export.verify import CleanCheck

DEPRECATION_NOTE = "TorchScript is deprecated by PyTorch; prefer .pt2 (torch.export) or ONNX"


def write(trained, path: Path, sample: np.ndarray, record: dict[str, Any]) -> None:
    import torch

    module = trained.inference_module()
    example = torch.from_numpy(np.ascontiguousarray(
        sample[:2] if len(sample) >= 2 else np.concatenate([sample, sample]), np.float32))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.jit's deprecation and tracer warnings
            traced = torch.jit.trace(module, (example,), check_trace=False)
            torch.jit.save(traced, str(path), _extra_files={"layerforge.txt": record.get("run_name", ""),
                                                            **heads_metadata(trained)})
    except Exception as err:  # noqa: BLE001 - the tracer raises many kinds
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
        raise ExportError(f"the network could not be traced to TorchScript ({type(err).__name__}:"
                          f" {first}); export it as .pt2 or ONNX instead") from None


def clean_check(path: Path) -> CleanCheck:
    """Loaded with ``torch.jit.load`` in a process that cannot import LayerForge."""
    return CleanCheck("import warnings\nimport torch\nwarnings.simplefilter('ignore')\n"
                      f"model = torch.jit.load({str(path)!r})\n")
