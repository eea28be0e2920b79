"""Small models for the import tests: PyTorch modules exported to ONNX, and hand-built ONNX graphs."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn


def to_onnx(module: nn.Module, sample_shape, path: Path, *, dtype=torch.float32, opset: int = 20,
            names=("input", "output")) -> Path:
    """Export ``module`` (eval mode) with PyTorch's TorchScript-based exporter, batch dynamic."""
    module.eval()
    torch.manual_seed(0)
    if dtype == torch.int64:
        example = torch.randint(0, 5, (2, *sample_shape))
    else:
        example = torch.randn(2, *sample_shape)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), buffer, dynamo=False, opset_version=opset,
                          input_names=[names[0]], output_names=[names[1]],
                          dynamic_axes={names[0]: {0: "batch"}, names[1]: {0: "batch"}})
    path.write_bytes(buffer.getvalue())
    return path


def randomise(module: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial batch-norm statistics, so that folding or skipping them would show."""
    generator = torch.Generator().manual_seed(seed)
    for child in module.modules():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            child.running_mean.copy_(torch.randn(child.num_features, generator=generator) * 0.3)
            child.running_var.copy_(torch.rand(child.num_features, generator=generator) + 0.5)
            child.weight.data.copy_(torch.rand(child.num_features, generator=generator) + 0.5)
            child.bias.data.copy_(torch.randn(child.num_features, generator=generator) * 0.1)
    return module


def onnx_graph(nodes, inputs, outputs, initializers=(), opset: int = 20, path: Path | None = None):
    """A hand-built ONNX model (for operations PyTorch does not write, and broken files)."""
    import onnx
    from onnx import helper

    graph = helper.make_graph(nodes, "test", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    if path is not None:
        path.write_bytes(model.SerializeToString())
    return model


def tensor_info(name: str, shape, elem=1):
    from onnx import helper

    return helper.make_tensor_value_info(name, elem, list(shape))


def initializer(name: str, array: np.ndarray):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.asarray(array), name)
