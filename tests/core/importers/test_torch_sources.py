"""``.py`` and ``.pt2`` models: converted to ONNX in a separate process, then imported.

LayerForge's own standalone-code export (``model.py`` beside ``weights.safetensors``) is
the round trip: it comes back as its design with its node ids and its predictions.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import torch

from core.export.formats import EXPORT_FORMATS
from core.export.source import export_record, verification_inputs
from core.export.verify import difference
from core.importers.api import import_model
from core.project import Project
from core.train import load_trained_model
from tests.core.export import projects

pytestmark = pytest.mark.slow

NET = '''
import torch
from torch import nn

INPUT_SHAPE = (3, 16, 16)


class Block(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.norm = nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(self.norm(self.conv(x)) + x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.block = Block()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = self.block(nn.functional.gelu(self.stem(x)))
        return self.head(self.pool(x).flatten(1))
'''


def test_a_python_file_with_an_nn_module(tmp_path, capsys):
    (tmp_path / "net.py").write_text(NET, encoding="utf-8")
    result = import_model(tmp_path / "net.py", tmp_path / "net.lfproj")
    assert result.difference.ok and "against PyTorch" in result.checked_on
    graph = Project.load(result.project_path).graph
    assert [n.type for n in graph.nodes.values()] == [
        "Input", "Conv2d", "GELU", "Conv2d", "Add", "ReLU", "AdaptiveAvgPool2d", "Flatten", "Output"]
    assert {"stem", "head"} <= set(graph.nodes)  # ids from the module's attribute names
    assert graph.nodes["input"].params["shape"] == [3, 16, 16]


@pytest.fixture(scope="module")
def spiral(tmp_path_factory):
    root = tmp_path_factory.mktemp("spiral")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        run = projects.train(projects.small_example("spiral_mlp", root, samples=64), root / "run")
    # written by the exports' own writers (export_run would also verify them, in a fresh
    # process each: the import below checks them against PyTorch anyway)
    trained = load_trained_model(run)
    sample, record = verification_inputs(trained, rows=8).x, export_record(trained)
    paths = {"python": root / "code", "pt2": root / "model.pt2"}
    for fmt, path in paths.items():
        EXPORT_FORMATS.get(fmt).write_to(trained, path, sample, record, final_dir=root)
    return run, paths


@pytest.mark.parametrize("fmt", ["python", "pt2"])
def test_layerforge_exports_come_back_as_their_design(spiral, fmt, tmp_path):
    run, paths = spiral
    source = paths[fmt] / "model.py" if fmt == "python" else paths[fmt]
    result = import_model(source, tmp_path / "back.lfproj")
    original, imported = load_trained_model(run), load_trained_model(result.run_dir)
    graph = Project.load(result.project_path).graph
    # node ids come from the module names (both exporters record them); the record in
    # weights.safetensors or the .pt2's extra file gives the class names and preprocessing
    assert [(i, n.type) for i, n in graph.nodes.items()] == [
        (i, n.type) for i, n in original.project.graph.nodes.items()]
    assert imported.info.class_names == original.info.class_names
    assert imported.preprocessing == original.preprocessing
    x = verification_inputs(original, rows=32).x
    with torch.no_grad():
        before = original.inference_module()(torch.from_numpy(x)).numpy()
        after = imported.inference_module()(torch.from_numpy(x)).numpy()
    assert difference(before, after).ok
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-5)
