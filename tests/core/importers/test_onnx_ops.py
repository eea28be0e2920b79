"""Each supported ONNX operation, written by PyTorch's exporter, imports to the right layers.

Every import verifies itself (the LayerForge network against ONNX Runtime on random
inputs, within 1e-4) before it writes anything; these tests check that it did, which
layers it chose, and that the written run folder loads and reproduces the ONNX model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from core.export.verify import difference
from core.importers.api import import_model
from core.importers.checking import onnx_outputs
from core.train import load_trained_model
from tests.core.importers.models import randomise, to_onnx


class Flat(nn.Module):
    def __init__(self, *layers):
        super().__init__()
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class Residual(nn.Module):
    """Conv, BatchNorm, skip connection, two branches joined, SiLU, a gate (Mul)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.side = nn.Conv2d(3, 6, 1)
        self.gate = nn.Conv2d(3, 6, 1)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1)
        self.head = nn.Linear(6 * 4 * 4 * 2, 4)

    def forward(self, x):
        a = nn.functional.silu(self.bn(self.conv(x))) + self.side(x)
        b = a * torch.sigmoid(self.gate(x))
        both = torch.cat([self.pool(a), self.pool(b)], dim=1)
        return torch.softmax(self.head(both.flatten(1)), dim=1)


class Sequence(nn.Module):
    """Bidirectional LSTM (every step), then a GRU's final state: recurrent gate orders."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(10, 4, batch_first=True)
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        seq, _ = self.lstm(x)
        _, h = self.gru(seq)
        return self.out(h[-1])


class LastOfRnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(4, 6, batch_first=True, nonlinearity="relu")
        self.norm = nn.LayerNorm(6)
        self.out = nn.Linear(6, 3)

    def forward(self, x):
        seq, _ = self.rnn(x)
        return torch.sigmoid(self.out(nn.functional.gelu(self.norm(seq[:, -1]))))


class Signal(nn.Module):
    """(steps, features) -> Permute -> Conv1d, pooling, BatchNorm1d (not after a convolution,
    where the exporter folds it), then a MatMul + Add Linear on every step."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm1d(8)
        self.pool = nn.MaxPool1d(2)
        self.proj = nn.Linear(8, 5)
        self.out = nn.Linear(5 * 6, 2)

    def forward(self, x):
        h = self.bn(self.pool(nn.functional.elu(self.conv(x.transpose(1, 2)))))
        h = self.proj(h.transpose(1, 2))  # a Linear on (N, steps, features): MatMul + Add
        return self.out(nn.functional.leaky_relu(h, 0.2).reshape(h.shape[0], -1))


class Scaled(nn.Module):
    """Input scaling in front and regression units behind: preprocessing, not layers."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([1.0, -2.0, 3.0]))
        self.register_buffer("scale", torch.tensor([2.0, 0.5, 4.0]))
        self.fc = nn.Linear(3, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        h = torch.tanh(self.fc((x - self.mean) / self.scale))
        return self.out(h) * torch.tensor([10.0, 3.0]) + torch.tensor([100.0, -5.0])


class Tokens(nn.Module):
    """Integer token ids in: an Embedding table, mean over the steps."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(7, 4)
        self.out = nn.Linear(4, 3)

    def forward(self, ids):
        return self.out(self.embed(ids).mean(dim=1))


CASES = {
    "mlp": (Flat(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3)), (5,), torch.float32,
            ["Input", "Linear", "ReLU", "Output"], "regression"),
    "residual": (Residual(), (3, 8, 8), torch.float32,
                 ["Input", "Conv2d", "SiLU", "Conv2d", "Add", "Conv2d", "Sigmoid", "Multiply",
                  "AvgPool2d", "AvgPool2d", "Concat", "Flatten", "Output"], "classification"),
    "sequence": (Sequence(), (7, 3), torch.float32, ["Input", "LSTM", "GRU", "Output"], "regression"),
    "rnn": (LastOfRnn(), (5, 4), torch.float32,
            ["Input", "RNN", "LastStep", "LayerNorm", "GELU", "Output"], "multilabel"),
    "signal": (randomise(Signal()), (12, 4), torch.float32,
               ["Input", "Permute", "Conv1d", "ELU", "MaxPool1d", "BatchNorm1d", "Permute", "Linear",
                "LeakyReLU", "Flatten", "Output"], "regression"),
    "scaled": (Scaled(), (3,), torch.float32, ["Input", "Linear", "Tanh", "Output"], "regression"),
    "tokens": (Tokens(), (6,), torch.int64, ["Input", "Embedding", "SequencePool", "Output"], "regression"),
}


def _types(project_path):
    data = json.loads(project_path.read_text(encoding="utf-8"))
    return [n["type"] for n in data["graph"]["nodes"]], data


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_model_imports_to_the_expected_layers_and_reproduces_onnx(name, tmp_path):
    module, shape, dtype, types, task = CASES[name]
    source = to_onnx(module, shape, tmp_path / f"{name}.onnx", dtype=dtype)
    result = import_model(source, tmp_path / "project" / f"{name}.lfproj")
    assert result.difference.ok and result.difference.relative <= 1e-4
    got, project = _types(result.project_path)
    assert sorted(got) == sorted(types), got
    assert result.task == task
    # the run folder is what predict/export/init_from read, and it is marked imported
    run = json.loads((result.run_dir / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "completed" and run["imported"]["source"] == str(source)
    assert run["imported"]["difference"]["relative"] == result.difference.relative
    assert project["training"]["init_from"] == f"runs/{result.run_dir.name}"
    trained = load_trained_model(result.run_dir)
    rng = np.random.default_rng(1)
    x = (rng.integers(0, 7, (9, *shape)) if dtype == torch.int64
         else rng.standard_normal((9, *shape))).astype(np.float32)
    with torch.no_grad():
        ours = trained.inference_module()(torch.from_numpy(x)).numpy()
    assert difference(onnx_outputs(source, [x])[0], ours).ok


def test_input_and_output_scaling_become_preprocessing(tmp_path):
    module = CASES["scaled"][0]
    result = import_model(to_onnx(module, (3,), tmp_path / "s.onnx"), tmp_path / "s.lfproj")
    pre = json.loads((result.run_dir / "preprocessing.json").read_text(encoding="utf-8"))
    assert pre["input_scaling"]["mean"] == pytest.approx([1.0, -2.0, 3.0])
    assert pre["input_scaling"]["scale"] == pytest.approx([2.0, 0.5, 4.0])
    assert pre["target_scaling"] == {"mean": pytest.approx([100.0, -5.0]), "scale": pytest.approx([10.0, 3.0])}
    assert pre["kind"] == "table" and [c["name"] for c in pre["table"]["columns"]] == ["x0", "x1", "x2"]


def test_weights_land_where_pytorch_keeps_them(tmp_path):
    """The recurrent gate blocks are reordered from ONNX's order to PyTorch's: the imported
    LSTM's weights equal the original module's own."""
    module = CASES["sequence"][0]
    result = import_model(to_onnx(module, (7, 3), tmp_path / "q.onnx"), tmp_path / "q.lfproj")
    weights = load_trained_model(result.run_dir).weights
    lstm = next(k[:-len(".rnn.weight_ih_l0")] for k in weights if k.endswith(".rnn.weight_ih_l0")
                and weights[k].shape[0] == 20)
    for name, value in module.lstm.state_dict().items():
        assert torch.allclose(weights[f"{lstm}.rnn.{name}"], value), name


def test_a_file_with_a_fixed_batch_size_imports_to_a_network_that_takes_any(tmp_path):
    import io
    import warnings

    module = Flat(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3)).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(4, 1, 6, 6),), buffer, dynamo=False, opset_version=17)
    path = tmp_path / "fixed.onnx"
    path.write_bytes(buffer.getvalue())
    result = import_model(path, tmp_path / "fixed.lfproj")
    assert "fixed batch" in result.checked_on
    trained = load_trained_model(result.run_dir)
    x = np.random.default_rng(0).standard_normal((4, 1, 6, 6)).astype(np.float32)
    with torch.no_grad():
        one = trained.inference_module()(torch.from_numpy(x[:1])).numpy()
    assert difference(onnx_outputs(path, [x])[0][:1], one).ok
