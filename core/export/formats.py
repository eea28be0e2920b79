"""The export formats: names, one-line descriptions, default file names. Imports nothing heavy.

The Export dialog and ``layerforge export --help`` list these; :mod:`core.export.exporter`
maps each name to the module that writes and verifies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExportFormat:
    """One way to export a trained model."""

    name: str  # the CLI's --format value
    title: str  # what the dialog shows
    description: str  # one line: what it is and who loads it
    suffix: str  # the default file name's ending ("" for a folder)
    folder: bool = False  # writes a folder rather than one file
    deprecated: str = ""  # why not to choose it (shown beside it), or ""


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("onnx", "ONNX",
                 "One self-contained .onnx file for ONNX Runtime and other ONNX tools; class"
                 " names and feature names in its metadata.", ".onnx"),
    ExportFormat("pt2", "PyTorch ExportedProgram (.pt2)",
                 "torch.export's format: torch.export.load() gives the model back in any"
                 " PyTorch 2 program, without LayerForge.", ".pt2"),
    ExportFormat("safetensors", "Weights (safetensors)",
                 "The trained weights as safetensors, with the project (.lfproj) and"
                 " preprocessing.json beside them, to continue in LayerForge or load by hand.",
                 ".safetensors"),
    ExportFormat("python", "Standalone PyTorch code",
                 "A folder with model.py (a plain nn.Module), the weights, predict.py and"
                 " train.py: runs with torch, numpy and safetensors only.", "_pytorch", folder=True),
    ExportFormat("torchscript", "TorchScript (deprecated)",
                 "A traced TorchScript file for LibTorch (C++) programs.", ".torchscript.pt",
                 deprecated="TorchScript is deprecated by PyTorch: prefer .pt2 or ONNX"),
)}

#: The largest relative difference an export may show against the in-app model.
TOLERANCE = 1e-4


def unknown_format_message(name: str) -> str:
    return (f"there is no export format {name!r}: choose one of {', '.join(FORMATS)}"
            " (or 'all')")


def slug(name: str) -> str:
    """A file-name stem from a project name: ``Spiral MLP`` -> ``spiral_mlp``."""
    text = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    return text or "model"


def default_path(folder: str | Path, project_name: str, fmt: ExportFormat) -> Path:
    """Where an export goes when no file name is given: ``<folder>/<slug><suffix>``."""
    return Path(folder) / f"{slug(project_name)}{fmt.suffix}"
