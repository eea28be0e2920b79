"""A model that cannot be imported gets one sentence (CLI: one line on stderr, exit code 2),
names the file and the node, and leaves nothing behind."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from onnx import helper
from torch import nn

from core.cli import main as cli
from core.importers.api import import_model
from core.importers.errors import ImportModelError
from tests.core.importers.models import initializer, onnx_graph, tensor_info, to_onnx


def _cli_error(capsys, *args) -> str:
    code = cli(["import", *map(str, args)])
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("layerforge import: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def _nothing_written(folder):
    assert not folder.exists() or not any(folder.rglob("*")), list(folder.rglob("*"))


@pytest.fixture
def good_onnx(tmp_path):
    return to_onnx(nn.Sequential(nn.Linear(4, 3)), (4,), tmp_path / "good.onnx")


def test_a_truncated_file_and_a_file_that_is_not_onnx(tmp_path, good_onnx, capsys):
    raw = good_onnx.read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(raw[: len(raw) // 2])
    line = _cli_error(capsys, cut, "--out", tmp_path / "out" / "cut.lfproj")
    assert "cut.onnx is not" in line and "ONNX model" in line
    text = tmp_path / "notes.onnx"
    text.write_text("these are my notes, not a model\n")
    with pytest.raises(ImportModelError, match="notes.onnx is not an ONNX model"):
        import_model(text, tmp_path / "out" / "notes.lfproj")
    _nothing_written(tmp_path / "out")


def test_an_opset_the_converter_does_not_know(tmp_path):
    model = onnx_graph([helper.make_node("Relu", ["x"], ["y"])], [tensor_info("x", ["N", 3])],
                       [tensor_info("y", ["N", 3])], opset=99, path=tmp_path / "future.onnx")
    assert model.opset_import[0].version == 99
    with pytest.raises(ImportModelError, match=r"future.onnx uses ONNX opset 99, newer than .*\(up to \d+\)"):
        import_model(tmp_path / "future.onnx", tmp_path / "out" / "f.lfproj")
    _nothing_written(tmp_path / "out")


class _AnySize(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        return self.out(self.pool(torch.relu(self.conv(x))).flatten(1))


def test_dynamic_sizes_ask_for_the_input_shape_and_then_import(tmp_path, capsys):
    import io
    import warnings

    module = _AnySize().eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(2, 3, 8, 8),), buffer, dynamo=False, opset_version=17,
                          input_names=["image"], output_names=["out"],
                          dynamic_axes={"image": {0: "n", 2: "height", 3: "width"}})
    path = tmp_path / "any.onnx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ImportModelError) as caught:
        import_model(path, tmp_path / "out" / "any.lfproj")
    assert caught.value.needs_input_shape
    assert "height" in str(caught.value) and "--input-shape" in str(caught.value)
    line = _cli_error(capsys, path, "--out", tmp_path / "out" / "any.lfproj", "--input-shape", "4,8,8")
    assert "does not fit" in line
    _nothing_written(tmp_path / "out")
    result = import_model(path, tmp_path / "out" / "any.lfproj", input_shape=(3, 12, 10))
    assert result.difference.ok


def test_weights_that_do_not_match_their_shapes(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="hidden", transB=1),
             helper.make_node("Relu", ["h"], ["y"], name="act")]
    onnx_graph(nodes, [tensor_info("x", ["N", 5])], [tensor_info("y", ["N", 4])],
               [initializer("w", np.ones((4, 3), np.float32)), initializer("b", np.zeros(4, np.float32))],
               path=tmp_path / "edited.onnx")
    with pytest.raises(ImportModelError, match=r"edited.onnx cannot be imported, because the weights of"
                                               r" a node do not match their shapes: 'hidden' \(Gemm: its"
                                               r" weight is \(4, 3\), which does not take the 5 features"):
        import_model(tmp_path / "edited.onnx", tmp_path / "out" / "e.lfproj")
    _nothing_written(tmp_path / "out")


def test_operations_without_a_layer_are_listed_by_name(tmp_path, capsys):
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="dense", transB=1),
             helper.make_node("Erf", ["h"], ["e"], name="the_erf"),
             helper.make_node("Cos", ["e"], ["c"], name="wave"),
             helper.make_node("HardSwish", ["h"], ["s"], name="swish"),
             helper.make_node("Add", ["c", "s"], ["y"], name="join")]
    onnx_graph(nodes, [tensor_info("x", ["N", 3])], [tensor_info("y", ["N", 4])],
               [initializer("w", np.ones((4, 3), np.float32)), initializer("b", np.zeros(4, np.float32))],
               path=tmp_path / "exotic.onnx")
    line = _cli_error(capsys, tmp_path / "exotic.onnx", "--out", tmp_path / "out" / "x.lfproj")
    assert "exotic.onnx cannot be imported, because 2 operations do not map" in line
    assert "'the_erf' (Erf: LayerForge has no layer for this operation)" in line
    assert "'swish' (HardSwish: " in line
    assert "'wave'" not in line  # it only follows a node that did not map
    _nothing_written(tmp_path / "out")


def test_several_inputs_or_a_missing_file(tmp_path):
    nodes = [helper.make_node("Add", ["a", "b"], ["y"])]
    onnx_graph(nodes, [tensor_info("a", ["N", 2]), tensor_info("b", ["N", 2])],
               [tensor_info("y", ["N", 2])], path=tmp_path / "two.onnx")
    with pytest.raises(ImportModelError, match="two.onnx has 2 inputs"):
        import_model(tmp_path / "two.onnx", tmp_path / "two.lfproj")
    with pytest.raises(ImportModelError, match="does not exist"):
        import_model(tmp_path / "nowhere.onnx", tmp_path / "n.lfproj")
    with pytest.raises(ImportModelError, match="not a model LayerForge imports"):
        import_model(tmp_path / "two.lfproj", tmp_path / "n.lfproj")


PY_CASES = {
    "raises": ("import math\n\nvalue = math.pi / 0\n",
               r"raises.py raises ZeroDivisionError when it is imported \(line 3\): float division by zero"),
    "no_forward": ("from torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                   "        super().__init__()\n        self.fc = nn.Linear(2, 2)\n",
                   r"Net in no_forward.py has no forward method"),
    "needs_args": ("from torch import nn\n\nclass Net(nn.Module):\n    def __init__(self, width):\n"
                   "        super().__init__()\n        self.fc = nn.Linear(2, width)\n"
                   "    def forward(self, x):\n        return self.fc(x)\n",
                   r"needs_args.py defines Net, but each needs arguments"),
    "no_module": ("def forward(x):\n    return x\n", r"no_module.py defines no nn.Module class"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PY_CASES))
def test_python_files_that_cannot_be_imported(tmp_path, capsys, name):
    source, message = PY_CASES[name]
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    line = _cli_error(capsys, path, "--out", tmp_path / "out" / f"{name}.lfproj")
    assert re.search(message, line), line
    _nothing_written(tmp_path / "out")


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(8, 8)
        self.key = nn.Linear(8, 8)

    def forward(self, x):
        weights = torch.softmax(self.query(x) @ self.key(x).transpose(1, 2), dim=-1)
        return (weights @ x).flatten(1)


def test_attention_from_elsewhere_is_listed_not_guessed(tmp_path):
    """LayerForge recognises its own TransformerEncoderLayer from the design its exports carry;
    the same operations in a file from elsewhere are listed as not mapping."""
    path = to_onnx(_Attention(), (5, 8), tmp_path / "attention.onnx")
    with pytest.raises(ImportModelError, match=r"attention.onnx cannot be imported, because an"
                                               r" operation does not map to a LayerForge layer: '/MatMul'"
                                               r" \(MatMul: it multiplies two tensors"):
        import_model(path, tmp_path / "out" / "a.lfproj")
    _nothing_written(tmp_path / "out")
