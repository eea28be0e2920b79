"""Exports and prediction: a finished run -> files other tools load, checked numerically.

The public API (see docs/export.md)::

    from core.export import FORMATS, export_run, predict_file

    results = export_run("runs/Spiral_MLP-20250614-101500", "onnx,pt2")   # [ExportResult]
    for result in results:
        print(result.line())            # verified / FAILED, the largest difference, the path
    table = predict_file(run_dir_or_export, "new.csv")   # PredictionTable, .write_csv(path)

Every export is verified before it is saved (:mod:`core.export.exporter`); opening a
run or an exported file never runs code from it. Importing this package does not import
torch.
"""

from __future__ import annotations

from core.export.formats import EXPORT_FORMATS, FORMATS, TOLERANCE, ExportFormat

__all__ = ["EXPORT_FORMATS", "FORMATS", "TOLERANCE", "ExportFormat", "ExportResult", "PredictionTable",
           "export_run", "open_predictor", "predict_file"]


def __getattr__(name: str):
    """The parts that need torch are imported on first use."""
    if name in ("export_run", "ExportResult"):
        from core.export import exporter

        return getattr(exporter, name)
    if name in ("predict_file", "open_predictor", "PredictionTable"):
        from core.export import predict

        return getattr(predict, name)
    raise AttributeError(f"module 'core.export' has no attribute {name!r}")
