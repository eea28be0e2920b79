"""ONNX export takes the fastest of PyTorch's exporters that reproduces the network, and
says which: the TorchScript-based one first (checked in ONNX Runtime on two batch sizes),
else torch.export (dynamo)."""

from __future__ import annotations

import pytest

from core.export import onnx_format
from core.export.onnx_format import EXPORTER_KEY, read_metadata
from tests.core.export.test_export_cli import call, leftovers


@pytest.mark.parametrize("run_name", ["spiral_run", "sequence_run", "image_run"])
def test_the_fast_exporter_makes_a_verified_file_and_says_so(run_name, request, tmp_path, capsys):
    run = request.getfixturevalue(run_name)
    run = run if not isinstance(run, dict) else next(iter(run.values()))
    code, out, err = call(capsys, run, "--format", "onnx", "--out", tmp_path / "m.onnx")
    assert code == 0, err
    assert "verified" in out[-1]
    exporter = read_metadata(tmp_path / "m.onnx")[EXPORTER_KEY]
    assert exporter in ("TorchScript-based", "torch.export (dynamo)")
    assert f"converted by PyTorch's {exporter} ONNX exporter" in out[-1]


def test_a_fast_export_that_does_not_reproduce_the_network_falls_back_to_dynamo(
        spiral_run, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(onnx_format, "_reproduces", lambda model, module, example: False)
    code, out, err = call(capsys, spiral_run, "--format", "onnx", "--out", tmp_path / "m.onnx")
    assert code == 0, err
    assert read_metadata(tmp_path / "m.onnx")[EXPORTER_KEY] == "torch.export (dynamo)"
    assert "torch.export (dynamo) ONNX exporter" in out[-1] and "verified" in out[-1]
    assert leftovers(tmp_path) == []
