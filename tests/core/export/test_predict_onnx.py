"""``layerforge predict RUN``: ONNX Runtime predicts once it is checked equal to PyTorch;
the ONNX model is exported once and cached in the run, keyed by its weights."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import encode_inputs
from core.export import predict as predict_module
from core.export import predict_onnx
from core.export.predict import _from_trained, open_predictor, predict_file
from core.export.source import open_run


def _torch_only(run, data):
    predictor = _from_trained(open_run(run), "torch")
    return predictor.run(encode_inputs(predictor.preprocessing, data).x)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_run_predicts_through_onnx_runtime_with_the_same_outputs(table_runs, task):
    run = table_runs[task]
    data = run.parent / "table.csv"
    (run / predict_onnx.CACHE).unlink(missing_ok=True)
    notes: list[str] = []
    table = predict_file(run, data, notes=notes)
    assert "predicted with ONNX Runtime (checked equal to PyTorch on the first batch)" in notes
    np.testing.assert_allclose(table.outputs, _torch_only(run, data), rtol=1e-5, atol=1e-6)
    cached = run / predict_onnx.CACHE
    first = cached.stat().st_mtime_ns
    predict_file(run, data)  # the cached model is reused, not exported again
    assert cached.stat().st_mtime_ns == first


def test_onnx_runtime_that_disagrees_is_never_used(table_runs, monkeypatch):
    run = table_runs["classification"]
    data = run.parent / "table.csv"

    class Wrong:
        def get_inputs(self):
            return [type("Input", (), {"name": "input"})()]

        def run(self, _names, feeds):
            return [np.zeros((len(feeds["input"]), 3), np.float32)]

    monkeypatch.setattr(predict_onnx, "cached_session", lambda trained, run_dir: Wrong())
    monkeypatch.setattr(predict_module, "BATCH", 50)  # several batches after the checked one
    notes: list[str] = []
    table = predict_file(open_predictor(run), data, notes=notes)
    assert not any("ONNX Runtime" in note for note in notes)
    np.testing.assert_allclose(table.outputs, _torch_only(run, data), rtol=1e-6)
    assert table.outputs.sum() > 0  # PyTorch's probabilities, not the wrong zeros
