"""The generated ``model.py``: every layer type, readable code, only the classes it needs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from core.build import build
from core.errors import ExportError
from core.export.codegen import class_name_for, constructor_call, copied_classes, model_source, network_class
from core.export.python_format import node_shapes
from core.train import load_trained_model
from tests.core.test_layers import CASES, PARAMS, _graph_for

HEADER = "import torch\nfrom torch import nn\n\n"


def generated(module, shapes=None):
    """The network class written for ``module``, executed in a namespace of its own."""
    source, needed = network_class(module, "Net", "test", shapes or {}, {})
    text = HEADER + copied_classes(needed) + "\n\n" + source
    namespace: dict = {}
    exec(compile(text, "model.py", "exec"), namespace)  # noqa: S102 - the code under test
    return namespace["Net"](), text


@pytest.mark.parametrize("type_name,index", PARAMS, ids=[f"{t}-{i}" for t, i in PARAMS])
def test_every_layer_is_written_as_code_that_computes_the_same(type_name, index):
    in_shapes, params = CASES[type_name][index]
    graph, data = _graph_for(type_name, in_shapes, params)
    torch.manual_seed(0)
    module = build(graph, data).eval()
    net, text = generated(module)
    net.load_state_dict(module.state_dict(), strict=True)
    net.eval()
    input_shape = next(tuple(n.params["shape"]) for n in graph.nodes.values() if n.type == "Input")
    x = torch.rand(3, *input_shape)
    if type_name == "Embedding":  # token indices: skip the float slicing layers on both sides
        x = torch.randint(0, 20, x.shape).float()
        for m in (module, net):
            m.part0, m.shape0 = nn.Identity(), nn.Identity()
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x), rtol=1e-5, atol=1e-6)
    assert "core" not in text and "layerforge" not in text.lower()


def test_the_model_file_reads_like_hand_written_code(tmp_path):
    from tests.core.export import projects

    run = projects.train(projects.small_example("residual_cnn", tmp_path, samples=60), tmp_path / "run")
    trained = load_trained_model(run)
    text = model_source(trained, node_shapes(trained), "the run")
    assert "class ResidualBlockCNN(nn.Module):" in text
    assert "        self.conv_a = nn.Conv2d(16, 16, kernel_size=(3, 3)" in text
    assert "skip_add = self.skip_add(bn_b, pool1)" in text and "# (N, 16, 14, 14)" in text
    assert "class Add(nn.Module):" in text and "class Concat" not in text  # only what it uses
    assert "torch.softmax(logits, dim=1)" in text
    assert "import core" not in text and "from core" not in text
    # ... and it is the trained network: the class takes the run's weights by their names
    # and computes what LayerForge's module computes.
    path = tmp_path / "model.py"
    path.write_text(text, encoding="utf-8")
    namespace: dict = {"__name__": "model", "__file__": str(path)}
    exec(compile(text, str(path), "exec"), namespace)  # noqa: S102 - the code under test
    net = namespace["ResidualBlockCNN"]()
    net.load_state_dict(trained.module.state_dict(), strict=True)
    x = torch.rand(4, *trained.info.input_shape)
    with torch.no_grad():
        torch.testing.assert_close(net.eval()(x), trained.module.eval()(x), rtol=1e-5, atol=1e-6)


def test_a_layer_the_generator_cannot_write_is_an_error_naming_the_node():
    class Mystery(nn.Module):
        def forward(self, x):
            return x * 2

    with pytest.raises(ExportError, match="layer 'odd' .Mystery.*export it as .pt2 or ONNX"):
        constructor_call(Mystery(), "odd")


def test_class_names_from_project_names():
    assert class_name_for("Spiral MLP") == "SpiralMLP"
    assert class_name_for("LeNet-5 shapes") == "LeNet5Shapes"
    assert class_name_for("3 layers") == "Network3Layers"
    assert class_name_for("Predictor") == "NetworkPredictor"
    assert class_name_for("éé") == "Network"
