"""Reading an ONNX file for import: parsed, checked, its one input and output described.

Everything a person can get wrong about the file itself is one sentence here: a file that
is not ONNX (or is cut short), an opset newer than the installed ``onnx`` knows, several
inputs or outputs, and input sizes that are not fixed (the ``--input-shape`` option, or
the dialog's question, gives them). Parsing runs no code from the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.importers.attention_mask import drop_attention_mask
from core.importers.errors import ImportModelError

#: The oldest opset whose operations the converters know the meaning of.
OLDEST_OPSET = 7
_ELEMENT_TYPES = {1: "float", 10: "float16", 11: "double", 6: "int32", 7: "int64"}
_INT_TYPES = {6, 7}


@dataclass
class ModelFile:
    """A checked ONNX model and what the import needs to know about its ends."""

    path: Path
    model: Any  # onnx.ModelProto
    opset: int
    input_name: str
    input_shape: tuple[int, ...]  # one sample, without the batch
    input_is_int: bool
    output_name: str
    static_batch: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    def record(self) -> dict[str, Any] | None:
        """LayerForge's record (``layerforge.model``) when the file is one of its exports."""
        return _json(self.metadata.get("layerforge.model"))

    def preprocessing(self) -> dict[str, Any] | None:
        return _json(self.metadata.get("layerforge.preprocessing"))


def _json(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_shape(text: str | None) -> tuple[int, ...] | None:
    """``"3,224,224"`` (or ``3x224x224``, ``[3, 224, 224]``) -> ``(3, 224, 224)``."""
    if text is None or str(text).strip() == "":
        return None
    cleaned = str(text).strip().strip("[]()").replace("x", ",").replace("×", ",").replace(" ", ",")
    try:
        sizes = tuple(int(part) for part in cleaned.split(",") if part)
    except ValueError:
        sizes = ()
    if not sizes or any(s < 1 for s in sizes):
        raise ImportModelError(f"the input shape {text!r} is not a list of sizes: write the shape"
                               " of one sample without the batch, e.g. 3,224,224")
    return sizes


def read_onnx(path: str | Path, input_shape: tuple[int, ...] | None = None,
              shown: str | None = None) -> ModelFile:
    """Load and check ``path``; :class:`ImportModelError` with one sentence when it cannot be used."""
    import onnx

    path = Path(path).expanduser()
    shown = shown or path.name
    if not path.is_file():
        raise ImportModelError(f"{path} does not exist: choose an .onnx, .pt2 or .py file")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ImportModelError(f"{shown} cannot be read: {err.strerror or err}") from None
    not_onnx = (f"{shown} is not an ONNX model: it cannot be read as one (the file is cut short,"
                " damaged, or in another format); export the model to ONNX again")
    try:
        model = onnx.load_model_from_string(raw)
    except Exception:  # noqa: BLE001 - protobuf raises DecodeError and others
        raise ImportModelError(not_onnx) from None
    if not model.ir_version or not model.graph.node or not model.graph.output:
        raise ImportModelError(not_onnx)
    opset = _opset(model, shown)
    if any(init.data_location == onnx.TensorProto.EXTERNAL for init in model.graph.initializer):
        try:
            from onnx.external_data_helper import load_external_data_for_model

            load_external_data_for_model(model, str(path.parent))
        except Exception as err:  # noqa: BLE001
            raise ImportModelError(f"{shown} keeps its weights in a separate file that cannot be"
                                   f" read ({_first_line(err)}): keep that file beside it") from None
    try:
        onnx.checker.check_model(model)
    except Exception as err:  # noqa: BLE001 - ValidationError, or a broken file deeper down
        raise ImportModelError(f"{shown} is not a valid ONNX model ({_first_line(err)}): the"
                               " file is damaged or cut short; export the model to ONNX again") from None
    drop_attention_mask(model)  # a text export's second input: the ids say where padding is
    initializers = {init.name for init in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        names = ", ".join(repr(i.name) for i in inputs) or "none"
        raise ImportModelError(f"{shown} has {len(inputs)} inputs ({names}); a LayerForge network"
                               " takes one input tensor: export a model with a single input")
    if len(model.graph.output) != 1:
        names = ", ".join(repr(o.name) for o in model.graph.output)
        raise ImportModelError(f"{shown} has {len(model.graph.output)} outputs ({names}); LayerForge"
                               " imports a model with one output: export the prediction alone")
    source = inputs[0]
    kind = source.type.tensor_type.elem_type
    if kind not in _ELEMENT_TYPES:
        raise ImportModelError(f"{shown}'s input {source.name!r} holds values of ONNX type {kind};"
                               " LayerForge networks take numbers (float or integer ids)")
    sample, static_batch = _input_shape(source, input_shape, shown)
    metadata = {entry.key: entry.value for entry in model.metadata_props}
    return ModelFile(path, model, opset, source.name, sample, kind in _INT_TYPES,
                     model.graph.output[0].name, static_batch, metadata)


def _opset(model, shown: str) -> int:
    import onnx

    versions = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not versions:
        raise ImportModelError(f"{shown} uses no standard ONNX operations (no ai.onnx opset):"
                               " LayerForge cannot read it")
    opset = max(versions)
    newest = onnx.defs.onnx_opset_version()
    if opset > newest:
        raise ImportModelError(f"{shown} uses ONNX opset {opset}, newer than this LayerForge's"
                               f" converter knows (up to {newest}): export it with opset {newest}"
                               " or lower, or update LayerForge")
    if opset < OLDEST_OPSET:
        raise ImportModelError(f"{shown} uses ONNX opset {opset}, older than the converter reads"
                               f" ({OLDEST_OPSET} to {newest}): convert it to a newer opset first"
                               " (onnx.version_converter)")
    return opset


def _input_shape(source, given: tuple[int, ...] | None, shown: str):
    dims = source.type.tensor_type.shape.dim
    if not source.type.tensor_type.HasField("shape") or len(dims) < 2:
        raise ImportModelError(f"{shown}'s input {source.name!r} has no batch and sample"
                               " dimensions; LayerForge needs (batch, ...) inputs")
    words = ["batch"] + [str(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?")
                         for d in dims[1:]]
    static_batch = dims[0].dim_value if dims[0].HasField("dim_value") else None
    fixed = [d.dim_value if d.HasField("dim_value") else None for d in dims[1:]]
    if given is not None:
        if len(given) != len(fixed) or any(f is not None and f != g for f, g in zip(fixed, given)):
            raise ImportModelError(f"the input shape {','.join(map(str, given))} does not fit"
                                   f" {shown}'s input ({', '.join(words)}): give one size for each"
                                   " dimension after the batch")
        return tuple(given), static_batch
    if any(f is None or f < 1 for f in fixed):
        raise ImportModelError(f"{shown}'s input {source.name!r} has sizes that are not fixed"
                               f" ({', '.join(words)}): give the shape of one sample, e.g."
                               f" --input-shape {','.join(str(f or 32) for f in fixed)}",
                               needs_input_shape=True)
    if len(fixed) > 4:
        raise ImportModelError(f"{shown}'s input has {len(fixed)} dimensions after the batch;"
                               " a LayerForge Input takes at most 4")
    return tuple(int(f) for f in fixed), static_batch


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return (lines[0] if lines else type(err).__name__)[:200]
