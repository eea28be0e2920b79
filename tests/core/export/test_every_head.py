"""Exporting every head of a network with several Outputs (``layerforge export --heads all``).

The example autoencoder_classifier has two heads: 'shape' (the classes, primary) and
'rebuilt' (target input). With all heads the ONNX file has one output per Output, named by
its id, each checked against PyTorch; .pt2 and TorchScript return a tuple; the safetensors
file holds every head's weights; the standalone code refuses. The default stays the
primary head, whose file is as before (core/export/heads.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.cli import main as cli
from core.export.source import verification_inputs
from core.train import load_trained_model
from tests.core.export import projects
from tests.core.export.clean import NO_LAYERFORGE, run_without_layerforge

HEADS = ["shape", "rebuilt"]  # the Outputs of autoencoder_classifier, in graph order


@pytest.fixture(scope="module")
def two_head_run(tmp_path_factory, session_env):
    root = tmp_path_factory.mktemp("two-heads")
    return projects.train(projects.small_example("autoencoder_classifier", root), root / "run", epochs=2)


@pytest.fixture(scope="module")
def expected(two_head_run):
    """Validation rows and each head's output computed here with PyTorch, by hand: the whole
    network, softmax on the classifier head, the reconstruction as it comes (pixels have no
    input scaling)."""
    trained = load_trained_model(two_head_run)
    x = verification_inputs(trained).x
    assert trained.network is not None  # the run's weights hold both heads
    with torch.no_grad():
        shape, rebuilt = trained.network(torch.from_numpy(x))
    return x, {"shape": torch.softmax(shape, dim=1).numpy(), "rebuilt": rebuilt.numpy()}


def export(run, out, *extra, capsys=None) -> str:
    code = cli(["export", str(run), "--out", str(out), *extra])
    text = capsys.readouterr().out if capsys is not None else ""
    assert code == 0, text
    return text


def test_onnx_with_every_head_has_one_output_per_output_node(two_head_run, expected, tmp_path, capsys):
    import onnxruntime as ort

    path = tmp_path / "both.onnx"
    line = export(two_head_run, path, "--format", "onnx", "--heads", "all", capsys=capsys)
    assert "verified" in line and "outputs: shape (primary), rebuilt" in line
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == HEADS
    x, want = expected
    got = dict(zip(HEADS, session.run(None, {session.get_inputs()[0].name: x})))
    for name in HEADS:
        assert got[name].shape == want[name].shape
        assert np.allclose(got[name], want[name], atol=1e-5), name
    assert got["rebuilt"].shape[1:] == (1, 28, 28)
    assert np.allclose(got["shape"].sum(axis=1), 1.0, atol=1e-5)  # probabilities
    meta = session.get_modelmeta().custom_metadata_map
    outputs = json.loads(meta["outputs"])
    assert [(o["name"], o["target"], o["primary"]) for o in outputs] == [
        ("shape", "data", True), ("rebuilt", "input", False)]
    # the batch dimension is dynamic for every output
    one = session.run(None, {session.get_inputs()[0].name: x[:1]})
    assert [o.shape[0] for o in one] == [1, 1]


def test_onnx_with_every_head_runs_with_onnxruntime_alone(two_head_run, expected, tmp_path):
    path = tmp_path / "both.onnx"
    export(two_head_run, path, "--format", "onnx", "--heads", "all")
    x, want = expected
    np.save(tmp_path / "x.npy", x)
    script = NO_LAYERFORGE + """
import importlib.util
assert importlib.util.find_spec("torch") is not None  # present, but never imported here
import numpy as np, onnxruntime as ort
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
outputs = session.run(None, {"input": np.load(sys.argv[2])})
for name, value in zip([o.name for o in session.get_outputs()], outputs):
    np.save(sys.argv[3] + name + ".npy", value)
assert "torch" not in sys.modules
print("ok", [o.name for o in session.get_outputs()])
"""
    done = run_without_layerforge(script, tmp_path, str(path), str(tmp_path / "x.npy"), str(tmp_path / "out_"))
    assert done.returncode == 0, done.stderr
    assert "ok ['shape', 'rebuilt']" in done.stdout
    for name in HEADS:
        assert np.allclose(np.load(tmp_path / f"out_{name}.npy"), want[name], atol=1e-5), name


def test_the_default_export_is_the_primary_head_alone(two_head_run, expected, tmp_path):
    import onnxruntime as ort

    path = tmp_path / "primary.onnx"
    export(two_head_run, path, "--format", "onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["probabilities"]
    assert "outputs" not in session.get_modelmeta().custom_metadata_map
    x, want = expected
    (probs,) = session.run(None, {"input": x})
    assert np.allclose(probs, want["shape"], atol=1e-5)


def test_predict_from_an_every_head_onnx_uses_the_primary_head(two_head_run, expected, tmp_path):
    from core.export.predict import open_predictor

    path = tmp_path / "both.onnx"
    export(two_head_run, path, "--format", "onnx", "--heads", "all")
    x, want = expected
    assert np.allclose(open_predictor(path).run(x), want["shape"], atol=1e-5)


def test_pt2_and_torchscript_return_a_tuple_of_every_head(two_head_run, expected, tmp_path, capsys):
    import warnings

    x, want = expected
    export(two_head_run, tmp_path / "both.pt2", "--format", "pt2", "--heads", "all")
    program = torch.export.load(str(tmp_path / "both.pt2"))
    with torch.no_grad():
        got = program.module()(torch.from_numpy(x))
    assert isinstance(got, tuple) and len(got) == 2
    for value, name in zip(got, HEADS):
        assert np.allclose(value.numpy(), want[name], atol=1e-5), name

    line = export(two_head_run, tmp_path / "both.torchscript.pt", "--format", "torchscript",
                  "--heads", "all", capsys=capsys)
    assert "outputs: shape (primary), rebuilt" in line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit is deprecated
        files = {"outputs": ""}
        loaded = torch.jit.load(str(tmp_path / "both.torchscript.pt"), _extra_files=files)
    assert [o["name"] for o in json.loads(files["outputs"])] == HEADS
    with torch.no_grad():
        got = loaded(torch.from_numpy(x))
    for value, name in zip(got, HEADS):
        assert np.allclose(value.numpy(), want[name], atol=1e-5), name


def test_safetensors_with_every_head_holds_both_heads_weights(two_head_run, tmp_path):
    from safetensors import safe_open

    export(two_head_run, tmp_path / "both.safetensors", "--format", "safetensors", "--heads", "all")
    export(two_head_run, tmp_path / "one.safetensors", "--format", "safetensors")
    with safe_open(str(tmp_path / "both.safetensors"), framework="pt") as handle:
        both = set(handle.keys())
    with safe_open(str(tmp_path / "one.safetensors"), framework="pt") as handle:
        one = set(handle.keys())
    assert {"decode.weight", "decode.bias"} <= both - one


def test_every_head_is_refused_for_the_standalone_code_in_one_sentence(two_head_run, tmp_path, capsys):
    code = cli(["export", str(two_head_run), "--format", "python", "--heads", "all",
                "--out", str(tmp_path / "code")])
    err = capsys.readouterr().err
    assert code == 2
    assert "python export holds the primary head only" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "code").exists()


def test_a_single_output_run_exports_the_same_with_every_head(table_runs, tmp_path):
    """One head: "all heads" is that head; the file matches the default export byte for byte
    apart from nothing (same graph, same metadata)."""
    import onnx

    run = table_runs["classification"]
    export(run, tmp_path / "a.onnx", "--format", "onnx")
    export(run, tmp_path / "b.onnx", "--format", "onnx", "--heads", "all")
    a, b = onnx.load(str(tmp_path / "a.onnx")), onnx.load(str(tmp_path / "b.onnx"))
    assert [o.name for o in b.graph.output] == ["probabilities"]
    assert a.graph.SerializeToString() == b.graph.SerializeToString()
    assert {p.key: p.value for p in a.metadata_props} == {p.key: p.value for p in b.metadata_props}
