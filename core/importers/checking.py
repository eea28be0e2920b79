"""Verification of an import: the LayerForge network against the original, before anything is written.

The reference is the original model run by its own runtime: ONNX Runtime for an ONNX
file, PyTorch (in the conversion's separate process) for ``.pt2`` and ``.py`` files. Both
sides get the same random inputs of the kind the model takes (token ids for an
embedding, pixels in [0, 1] for images, numbers around the input scaling otherwise), as a
batch of 16 and a batch of one (the batch dimension must really be free). The comparison
is the exports' (:func:`core.export.verify.difference`), within the same tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.export.verify import Difference, difference

ROWS = 16


def input_kind(graph, preprocessing: dict, input_is_int: bool = False) -> tuple[str, int]:
    """``("ids", vocabulary)``, ``("pixels", 0)`` or ``("numbers", 0)``: what random inputs to make."""
    tables = [node.params.get("num_embeddings") for node in graph.nodes.values()
              if node.type == "Embedding" and node.params.get("num_embeddings")]
    if tables or input_is_int:
        return "ids", int(min(tables)) if tables else 10
    if preprocessing.get("kind") == "image" or (
            preprocessing.get("kind") == "builtin" and len(preprocessing.get("input_shape") or []) == 3):
        return "pixels", 0
    return "numbers", 0


def random_inputs(shape: tuple[int, ...], kind: tuple[str, int], scaling: dict | None,
                  rows: int = ROWS, seed: int = 0) -> np.ndarray:
    """Encoded, unscaled inputs (what the original model and the exports take)."""
    rng = np.random.default_rng(seed)
    name, vocabulary = kind
    if name == "ids":
        return rng.integers(0, max(vocabulary, 1), size=(rows, *shape)).astype(np.float32)
    if name == "pixels":
        return rng.random((rows, *shape), dtype=np.float32)
    x = rng.standard_normal((rows, *shape)).astype(np.float32)
    if scaling:
        axis_shape = [1] * (len(shape) + 1)
        axis = 1 if len(shape) == 3 else -1
        axis_shape[axis] = -1
        x = x * np.asarray(scaling["scale"], np.float32).reshape(axis_shape) + np.asarray(
            scaling["mean"], np.float32).reshape(axis_shape)
    return np.ascontiguousarray(x, np.float32)


def onnx_outputs(path: Path, batches: list[np.ndarray], shown: str | None = None) -> list[np.ndarray]:
    """The original ONNX model's outputs, run by ONNX Runtime on the CPU."""
    import onnxruntime as ort

    from core.importers.errors import ImportModelError

    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        feed = session.get_inputs()[0]
        dtype = {"tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(double)": np.float64,
                 "tensor(float16)": np.float16}.get(feed.type, np.float32)
        return [np.asarray(session.run(None, _feeds(session, feed.name, batch.astype(dtype)))[0],
                           np.float32) for batch in batches]
    except Exception as err:  # noqa: BLE001 - ONNX Runtime's own errors, one kind per problem
        text = str(err).strip().splitlines()
        raise ImportModelError(f"ONNX Runtime {ort.__version__} cannot run {shown or path.name} to"
                               f" check the import ({text[0][:200] if text else type(err).__name__}):"
                               " export the model with an older opset") from None


def _feeds(session, name: str, batch: np.ndarray) -> dict[str, np.ndarray]:
    """The batch, and for a text export's ``attention_mask`` the mask its ids imply (1 where
    the id is not the padding id 0): the one the import assumes when it drops that input."""
    from core.importers.attention_mask import MASK_NAME

    feeds = {name: batch}
    if any(i.name == MASK_NAME for i in session.get_inputs()):
        feeds[MASK_NAME] = (batch != 0).astype(np.int64)
    return feeds


def imported_outputs(trained, batches: list[np.ndarray]) -> list[np.ndarray]:
    """The imported network (scaling and output activation included) on the same inputs."""
    import torch

    module = trained.inference_module()
    with torch.inference_mode():
        return [module(torch.from_numpy(np.ascontiguousarray(b, np.float32))).numpy() for b in batches]


def compare(reference: list[np.ndarray], actual: list[np.ndarray]) -> Difference:
    result = Difference(0.0, 0.0)
    for ref, out in zip(reference, actual):
        result = result.merge(difference(ref, out))
    return result
