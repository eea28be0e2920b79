"""ONNX: one self-contained ``.onnx`` file with a dynamic batch dimension and LayerForge metadata.

The graph is captured by the fastest of PyTorch's exporters that reproduces the network
(the TorchScript-based one first, checked in ONNX Runtime; else ``torch.export``, dynamo), weights are stored
inside the file (no external-data side file), and ``onnx.checker`` runs its full check
(shape inference included) before the file counts as written. ``metadata_props``
carry what a person's program needs: class names, input feature names, the task, the
LayerForge version and the whole ``preprocessing.json`` (``layerforge.preprocessing``),
so ``layerforge predict model.onnx`` can encode new data with nothing beside the file.

For CSV table runs a second file, ``NAME.raw.onnx``, takes the raw columns instead of the
encoded vector: the categorical encoding and missing-value filling are ONNX ops in front
of the same network (:mod:`core.export.onnx_preprocess`). It is checked with the first,
on the validation rows turned back into columns plus messy rows (missing cells,
infinities, unseen categories, padded text), against the in-app model on those rows
encoded by :mod:`core.data.encoder`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from core import __version__
from core.errors import ExportError
from core.export import onnx_preprocess, text_inputs
from core.export.heads import heads_metadata
from core.export.verify import (Difference, compare_batches, difference, reference_outputs,
                                runtime_outputs)

#: The opset the exporter of torch 2.13 targets; ONNX Runtime 1.18+ runs it.
OPSET = 20
INPUT_NAME = "input"
PREPROCESSING_KEY = "layerforge.preprocessing"
RECORD_KEY = "layerforge.model"
#: Which of PyTorch's ONNX exporters made the file (the fast one is tried first).
EXPORTER_KEY = "layerforge.exporter"


def output_name(task: str) -> str:
    return "probabilities" if task in ("classification", "multilabel") else "outputs"


def output_names(trained) -> list[str]:
    """The file's output names: the Output ids for an every-head export (core/export/heads.py),
    else the one name of :func:`output_name`."""
    from core.export.heads import exported_heads

    return exported_heads(trained) or [output_name(trained.info.task)]


@contextlib.contextmanager
def quiet_torch_export():
    """torch's exporters warn and log about things that concern their own code, not ours."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch.export", "torch._dynamo",
                                                    "torch._export", "onnxscript")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def metadata(trained, record: dict[str, Any]) -> dict[str, str]:
    """The ``metadata_props`` of an exported model (string values; lists as JSON)."""
    pre = trained.preprocessing
    return {
        "layerforge_version": __version__,
        "task": trained.info.task,
        "project": trained.project.name,
        "class_names": json.dumps(trained.info.class_names or []),
        "feature_names": json.dumps(pre.get("feature_names") or trained.info.feature_names or []),
        "target_names": json.dumps(trained.info.target_names or []),
        "input_shape": json.dumps(["batch", *trained.info.input_shape]),
        "input": _input_words(pre),
        "output": output_words(trained),
        PREPROCESSING_KEY: json.dumps(pre),
        RECORD_KEY: json.dumps(record),
        **heads_metadata(trained),  # every head: which output is which (nothing for one)
    }


def _input_words(pre: dict[str, Any]) -> str:
    if text_inputs.has_mask(pre):  # token ids and attention_mask in
        return text_inputs.input_words(pre)
    if pre.get("kind") == "image" or len(pre.get("input_shape") or []) == 3:
        return "float32 pixels in [0, 1], channels first, at the trained size; normalisation inside"
    return "float32 encoded features in feature_names order, unscaled; the scaling is inside"


def output_words(trained) -> str:
    """What the primary output's numbers mean, for the file's metadata."""
    task = trained.info.task
    if task == "classification":
        return "probability of each class, in class_names order"
    if task == "multilabel":
        return "probability of each label, in target_names order"
    if task == "regression":
        return "predicted values in the target's own units, in target_names order"
    return "the reconstructed input"


def outputs(path: Path) -> list[Path]:
    """Every file :func:`write` may put at the destination (checked before an export starts)."""
    return [path, onnx_preprocess.raw_path(path)]


def write(trained, path: Path, sample: np.ndarray, record: dict[str, Any]) -> list[str]:
    """Export ``trained``'s inference module to ``path`` and check the file with onnx.checker;
    for a CSV table run also ``NAME.raw.onnx`` (raw columns in). Returns a note naming the
    exporter that made the file."""
    import torch

    module = trained.inference_module()
    example = torch.from_numpy(np.ascontiguousarray(sample[:2] if len(sample) >= 2 else
                                                    np.concatenate([sample, sample]), np.float32))
    masked = text_inputs.has_mask(trained.preprocessing)  # token ids and attention_mask in
    model, exporter = (text_inputs.export(module, example, trained) if masked
                       else _fast_export(module, example, trained))
    if model is None:
        model, exporter = _dynamo_export(module, example, trained), "torch.export (dynamo)"
    model.doc_string = f"{trained.project.name}, trained and exported with LayerForge {__version__}"
    del model.metadata_props[:]
    for key, value in {**metadata(trained, record), EXPORTER_KEY: exporter}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    _check(model)
    raw = onnx_preprocess.raw_model(model, trained.preprocessing) if onnx_preprocess.has_raw_model(
        trained.preprocessing) else None
    if raw is not None:
        _check(raw, "raw-columns ")
    path.write_bytes(model.SerializeToString())
    if raw is not None:
        onnx_preprocess.raw_path(path).write_bytes(raw.SerializeToString())
    return [f"converted by PyTorch's {exporter} ONNX exporter"] + (
        [text_inputs.export_note(trained.preprocessing)] if masked else [])


def _fast_export(module, example, trained):
    """The TorchScript-based exporter: 10-100x faster than dynamo on small networks. Its
    model counts only when onnx.checker passes it and ONNX Runtime reproduces the module
    on the example batch and on a batch of another size; otherwise ``(None, "")``."""
    import io

    import onnx
    import torch

    names = output_names(trained)
    buffer = io.BytesIO()
    try:
        with quiet_torch_export():
            torch.onnx.export(module, (example,), buffer, dynamo=False, opset_version=OPSET,
                              input_names=[INPUT_NAME], output_names=names,
                              dynamic_axes={INPUT_NAME: {0: "batch"}, **{n: {0: "batch"} for n in names}})
        model = onnx.load_from_string(buffer.getvalue())
        onnx.checker.check_model(model, full_check=True)
        if not _reproduces(model, module, example):
            return None, ""
    except Exception:  # noqa: BLE001 - any failure of the fast path means: use dynamo
        return None, ""
    return model, "TorchScript-based"


def _reproduces(model, module, example) -> bool:
    """Whether ONNX Runtime gives the module's outputs (within the export tolerance) on the
    example batch and on a batch of three (the batch dimension must really be dynamic)."""
    import torch

    return runtime_reproduces(model, module, [(batch,) for batch in (example, torch.cat([example, example[:1]]))])


def runtime_reproduces(model, module, cases) -> bool:
    """Whether ONNX Runtime gives ``module(*args)``'s outputs (every head's, when there are
    several) within the export tolerance for each ``args`` in ``cases``; the model's inputs
    are fed the args in order."""
    import onnxruntime as ort
    import torch

    from core.export.formats import TOLERANCE

    runner = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in runner.get_inputs()]
    for args in cases:
        with torch.no_grad():
            out = module(*args)
        expected = [o.float().numpy() for o in (out if isinstance(out, tuple) else (out,))]
        actual = runner.run(None, {name: arg.numpy() for name, arg in zip(names, args)})
        if len(actual) != len(expected):
            return False
        for want, got in zip(expected, actual):
            if got.shape != want.shape:
                return False
            scale = max(float(np.abs(want).max()), 1e-6)
            if float(np.abs(got - want).max()) > TOLERANCE * scale:
                return False
    return True


def _dynamo_export(module, example, trained):
    import torch

    batch = torch.export.Dim("batch", min=1)
    try:
        with quiet_torch_export():
            program = torch.onnx.export(module, (example,), dynamo=True, external_data=False,
                                        dynamic_shapes=({0: batch},), opset_version=OPSET,
                                        input_names=[INPUT_NAME],
                                        output_names=output_names(trained),
                                        verbose=False, optimize=True)
    except Exception as err:  # noqa: BLE001 - the exporter raises many kinds
        raise ExportError(f"PyTorch could not convert this network to ONNX"
                          f" ({type(err).__name__}: {_first_line(err)})") from None
    return program.model_proto


def _check(model, which: str = "") -> None:
    import onnx

    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as err:
        raise ExportError(f"the {which}ONNX file did not pass onnx.checker: {_first_line(err)}") from None


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:300] if text else type(err).__name__


def session(path: Path):
    """An ONNX Runtime session on the CPU for ``path`` (parsing runs no code from the file)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def read_metadata(path: Path) -> dict[str, str]:
    """The ``metadata_props`` of an ONNX file (via ONNX Runtime, without loading weights twice)."""
    return dict(session(path).get_modelmeta().custom_metadata_map)


def verify(trained, path: Path, x: np.ndarray) -> Difference:
    """Load ``path`` with onnx (full check) and ONNX Runtime, and compare on ``x``; the
    raw-columns model beside it too (:func:`verify_raw`), the larger difference counts."""
    _check_file(path)
    runner = session(path)
    pre = trained.preprocessing
    result = compare_batches(trained, x, lambda batch: runtime_outputs(
        runner.run(None, text_inputs.feeds(runner, pre, batch))))
    if text_inputs.has_mask(pre):  # a zeroed mask tail must act exactly as padding
        result = result.merge(text_inputs.verify_mask(trained, runner, x))
    if onnx_preprocess.has_raw_model(trained.preprocessing):
        result = result.merge(verify_raw(trained, onnx_preprocess.raw_path(path), x))
    return result


def _check_file(path: Path) -> None:
    import onnx

    if not path.is_file():
        raise ExportError(f"{path.name} was not written")
    onnx.checker.check_model(str(path), full_check=True)
    if any(init.data_location == onnx.TensorProto.EXTERNAL
           for init in onnx.load(str(path), load_external_data=False).graph.initializer):
        raise ExportError(f"{path.name} refers to an external data file: it is not self-contained")


def verify_raw(trained, path: Path, x: np.ndarray) -> Difference:
    """The raw-columns model on ``x`` turned back into columns plus messy rows, against the
    in-app model on the same cells encoded as ``layerforge predict`` encodes them."""
    from core.data import encoder

    _check_file(path)
    columns = trained.preprocessing["table"]["columns"]
    feeds, text = onnx_preprocess.check_columns(columns, x)
    encoded = encoder.encode_table(columns, text, ".")
    runner = session(path)
    result = Difference(0.0, 0.0)
    for rows in (slice(None), slice(0, 1)):
        actual = runtime_outputs(runner.run(None, {name: values[rows] for name, values in feeds.items()}))
        result = result.merge(difference(reference_outputs(trained, encoded[rows]), actual))
    return result
