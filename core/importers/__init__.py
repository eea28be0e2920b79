"""Bring your own model: import ONNX, ``.pt2`` and ``.py`` models as LayerForge projects.

``import_model(MODEL, PROJECT.lfproj)`` converts each operation of the model to a layer of
the registry, verifies the result against the original on random inputs, and writes the
project with a run folder marked ``imported`` holding the weights (docs/import.md). Nothing
here imports Qt; torch, onnx and onnxruntime are imported when an import runs.
"""

from __future__ import annotations

from core.importers.errors import ImportModelError

__all__ = ["ImportModelError", "import_model", "is_model_file", "SUFFIXES"]


def __getattr__(name: str):
    if name in ("import_model", "is_model_file", "SUFFIXES", "ImportResult", "project_path_for"):
        from core.importers import api

        return getattr(api, name)
    raise AttributeError(name)
