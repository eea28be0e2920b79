"""Details of the formats: the ONNX file's opset, batch dimension and metadata; .pt2 batches."""

from __future__ import annotations

import json

import numpy as np

from core import __version__
from core.cli import main as cli
from core.export.verify import difference
from core.train import load_trained_model


def test_onnx_is_self_contained_with_a_dynamic_batch_and_metadata(table_runs, tmp_path, capsys):
    import onnx
    import onnxruntime as ort
    import torch

    run = table_runs["classification"]
    assert cli(["export", str(run), "--format", "onnx", "--out", str(tmp_path / "m.onnx")]) == 0
    capsys.readouterr()
    # no external-data side file; beside it the raw-columns model of a table run (test_onnx_raw_columns.py)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "m.raw.onnx"]
    model = onnx.load(str(tmp_path / "m.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 18
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and not dims[0].HasField("dim_value")  # the batch is symbolic
    assert [d.dim_value for d in dims[1:]] == [6]
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["class_names"]) == ["cat", "dog", "fox"]
    assert json.loads(meta["feature_names"])[:3] == ["a", "b", "colour=blue"]
    assert meta["layerforge_version"] == __version__ and meta["task"] == "classification"
    assert model.graph.output[0].name == "probabilities"

    trained = load_trained_model(run)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    for batch in (1, 300):
        x = rng.normal(size=(batch, 6)).astype(np.float32) * 3 + 5
        with torch.no_grad():
            expected = trained.inference_module()(torch.from_numpy(x)).numpy()
        assert difference(expected, session.run(None, {"input": x})[0]).ok


def test_pt2_runs_any_batch_size(spiral_run, tmp_path, capsys):
    import torch

    assert cli(["export", str(spiral_run), "--format", "pt2", "--out", str(tmp_path / "m.pt2")]) == 0
    capsys.readouterr()
    program = torch.export.load(str(tmp_path / "m.pt2"))
    trained = load_trained_model(spiral_run)
    for batch in (1, 2, 513):
        x = torch.randn(batch, 2)
        with torch.no_grad():
            assert difference(trained.inference_module()(x).numpy(), program.module()(x).numpy()).ok


def test_regression_exports_give_values_in_original_units(table_runs, tmp_path, capsys):
    import onnxruntime as ort

    run = table_runs["regression"]
    assert cli(["export", str(run), "--format", "onnx", "--out", str(tmp_path / "r.onnx")]) == 0
    capsys.readouterr()
    pre = json.loads((run / "preprocessing.json").read_text())
    session = ort.InferenceSession(str(tmp_path / "r.onnx"), providers=["CPUExecutionProvider"])
    x = np.array([pre["input_scaling"]["mean"]], np.float32)  # an average row
    value = float(session.run(None, {"input": x})[0][0, 0])
    assert 3000 < value < 20000  # prices (about 10,000), not standardised values near 0
