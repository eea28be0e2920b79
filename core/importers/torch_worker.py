"""Run in a separate Python process: load a ``.pt2`` or ``.py`` model, run it, export it to ONNX.

This file is started as a script (``python torch_worker.py PLAN.json``) by
:mod:`core.importers.torch_source` and imports nothing from LayerForge: a ``.py`` file's
code runs here, in this process only, and whatever it does (or however it fails) cannot
reach the designer. The plan says what to load and where to write; the result is a JSON
file with either the ONNX file, the random inputs and the model's own outputs on them, or
one sentence saying what went wrong.
"""

import importlib.util
import inspect
import json
import sys
import traceback
from pathlib import Path

OPSET = 20
ROWS = 16
#: Metadata found inside the model file itself (a LayerForge .pt2's record).
EXTRA_METADATA = {}


class Failure(Exception):
    def __init__(self, message, needs_input_shape=False):
        super().__init__(message)
        self.needs_input_shape = needs_input_shape


def main(plan_path):
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    out = Path(plan["out"])
    try:
        result = convert(plan, out)
    except Failure as err:
        result = {"ok": False, "error": str(err), "needs_input_shape": err.needs_input_shape}
    except BaseException as err:  # noqa: BLE001 - a model's code may raise anything
        result = {"ok": False, "error": f"converting {Path(plan['source']).name} failed"
                  f" ({type(err).__name__}: {first_line(err)})", "needs_input_shape": False}
    (out / "result.json").write_text(json.dumps(result), encoding="utf-8")


def first_line(err):
    lines = str(err).strip().splitlines()
    return (lines[0] if lines else type(err).__name__)[:240]


def convert(plan, out):
    source = Path(plan["source"])
    given = plan.get("input_shape")
    if plan["kind"] == "pt2":
        model, program, shape, is_int = load_program(source, given)
        what = "the exported program"
    else:  # the file's own imports first: a file that fails fails before torch is loaded here
        model, shape, what = load_python(source, given, plan.get("class_name"), plan.get("input_shape_hint"))
        program, is_int = None, False
    import numpy as np
    import torch

    torch.manual_seed(0)
    if program is None:
        model.eval()  # an exported program's module keeps the mode it was exported in
    x = make_inputs(plan.get("inputs") or ["numbers", 0], shape, is_int, np)
    batches = [x, x[:1]]
    outputs = []
    with torch.no_grad():
        for batch in batches:
            try:
                y = model(torch.from_numpy(batch))
            except Exception as err:  # noqa: BLE001
                raise Failure(f"{what} in {source.name} fails on a random input of shape"
                              f" ({', '.join(map(str, batch.shape))}): {type(err).__name__}:"
                              f" {first_line(err)}") from None
            if not isinstance(y, torch.Tensor):
                raise Failure(f"{what} in {source.name} returns {type(y).__name__}, not one tensor;"
                              " LayerForge imports a model with one output")
            outputs.append(y.detach().float().numpy())
    onnx_path = out / "converted.onnx"
    exporter = export(model, program, x, onnx_path, outputs[0],
                      {**EXTRA_METADATA, **(plan.get("metadata") or {})})
    paths = {}
    for i, (batch, y) in enumerate(zip(batches, outputs)):
        np.save(out / f"x{i}.npy", batch)
        np.save(out / f"y{i}.npy", y)
        paths[i] = [str(out / f"x{i}.npy"), str(out / f"y{i}.npy")]
    return {"ok": True, "onnx": str(onnx_path), "input_shape": list(shape), "what": what,
            "exporter": exporter, "pairs": [paths[i] for i in range(len(batches))]}


def load_program(source, given):
    import torch
    from torch.export.graph_signature import InputKind

    extra = {"layerforge.json": ""}
    try:
        program = torch.export.load(str(source), extra_files=extra)
    except Exception as err:  # noqa: BLE001
        raise Failure(f"{source.name} is not a torch.export program this PyTorch can load"
                      f" ({type(err).__name__}: {first_line(err)})") from None
    try:  # a LayerForge export carries its record: class names, preprocessing (data, no code)
        EXTRA_METADATA.update({k: v for k, v in json.loads(extra["layerforge.json"] or "{}").items()
                               if isinstance(v, str)})
    except ValueError:
        pass
    users = [spec for spec in program.graph_signature.input_specs if spec.kind == InputKind.USER_INPUT]
    if len(users) != 1:
        raise Failure(f"{source.name} takes {len(users)} inputs; a LayerForge network takes one"
                      " input tensor")
    name = users[0].arg.name
    node = next(n for n in program.graph.nodes if n.op == "placeholder" and n.name == name)
    value = node.meta.get("val")
    dims = list(value.shape) if value is not None else []
    fixed = [int(d) if isinstance(d, int) else None for d in dims[1:]]
    shape = check_shape(source, fixed, given)
    is_int = value is not None and not value.dtype.is_floating_point
    return program.module(), program, shape, is_int


def check_shape(source, fixed, given):
    if given:
        if len(given) != len(fixed) or any(f is not None and f != g for f, g in zip(fixed, given)):
            raise Failure(f"the input shape {','.join(map(str, given))} does not fit {source.name},"
                          f" whose samples are ({', '.join(str(f or '?') for f in fixed)})")
        return list(given)
    if not fixed or any(f is None for f in fixed):
        raise Failure(f"{source.name} takes inputs whose sizes are not fixed: give the shape of one"
                      " sample with --input-shape, e.g. 3,32,32", needs_input_shape=True)
    return fixed


def load_python(source, given, class_name, hint):
    sys.path.insert(0, str(source.parent))
    spec = importlib.util.spec_from_file_location("layerforge_imported_model", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as err:  # noqa: BLE001 - the file's own code
        raise Failure(f"{source.name} raises {type(err).__name__} when it is imported"
                      f"{line_of(err, source)}: {first_line(err)}") from None
    torch = sys.modules.get("torch")
    if torch is None:  # a file that never imported torch defines no nn.Module
        raise Failure(f"{source.name} defines no nn.Module class: LayerForge imports a file that"
                      " defines the network as a subclass of torch.nn.Module")
    torch.manual_seed(0)
    folder = source.parent
    if callable(getattr(module, "load_model", None)) and (folder / "weights.safetensors").is_file() \
            and not class_name:
        try:  # LayerForge's own standalone-code export: the network with its weights
            model = module.load_model(folder)
        except Exception as err:  # noqa: BLE001
            raise Failure(f"load_model() in {source.name} raises {type(err).__name__}:"
                          f" {first_line(err)}") from None
        return model, list(given or hint or []) or fail_shape(source), "load_model()"
    classes = [c for c in vars(module).values() if inspect.isclass(c)
               and issubclass(c, torch.nn.Module) and c.__module__ == module.__name__]
    if class_name:
        classes = [c for c in classes if c.__name__ == class_name]
        if not classes:
            raise Failure(f"{source.name} defines no nn.Module class named {class_name!r}")
    if not classes:
        raise Failure(f"{source.name} defines no nn.Module class: LayerForge imports a file that"
                      " defines the network as a subclass of torch.nn.Module")
    buildable = [c for c in classes if no_arguments(c)]
    if not buildable:
        names = ", ".join(c.__name__ for c in classes)
        raise Failure(f"{source.name} defines {names}, but each needs arguments to be built: give"
                      " the class's arguments default values")
    cls = buildable[-1]
    if not has_forward(cls, torch):
        raise Failure(f"{cls.__name__} in {source.name} has no forward method, so it cannot be run:"
                      " define forward(self, x)")
    try:
        model = cls()
    except Exception as err:  # noqa: BLE001
        raise Failure(f"building {cls.__name__}() from {source.name} raises {type(err).__name__}"
                      f"{line_of(err, source)}: {first_line(err)}") from None
    shape = given or getattr(model, "input_shape", None) or getattr(module, "INPUT_SHAPE", None)
    if not shape:
        fail_shape(source)
    return model, [int(s) for s in shape], f"class {cls.__name__}"


def fail_shape(source):
    raise Failure(f"{source.name} does not say what shape its input has: give the shape of one"
                  " sample with --input-shape (e.g. 3,32,32), or set INPUT_SHAPE in the file",
                  needs_input_shape=True)


def no_arguments(cls):
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return True
    return all(p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for name, p in signature.parameters.items() if name != "self")


def has_forward(cls, torch):
    for klass in cls.__mro__:
        if klass is torch.nn.Module:
            return False
        if "forward" in vars(klass):
            return True
    return False


def line_of(err, source):
    frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == source]
    if not frames and isinstance(err, SyntaxError) and err.lineno:
        return f" (line {err.lineno})"
    return f" (line {frames[-1].lineno})" if frames else ""


def make_inputs(kind, shape, is_int, np):
    rng = np.random.default_rng(0)
    name, vocabulary = kind
    if is_int or name == "ids":
        values = rng.integers(0, max(int(vocabulary or 2), 1), size=(ROWS, *shape))
        return values.astype(np.int64 if is_int else np.float32)
    if name == "pixels":
        return rng.random((ROWS, *shape), dtype=np.float32)
    return rng.standard_normal((ROWS, *shape)).astype(np.float32)


def export(model, program, x, path, expected, metadata):
    """PyTorch's TorchScript-based exporter first (readable node names), else torch.export."""
    import io
    import logging
    import warnings

    import onnx
    import torch

    for name in ("torch.onnx", "torch.export", "torch._dynamo", "torch._export", "onnxscript"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    example = torch.from_numpy(x[:2])
    model_proto, exporter, reason = None, "", ""
    try:
        if program is not None:  # an exported program's module cannot be traced again
            raise Failure("a torch.export program goes straight to the dynamo exporter")
        buffer = io.BytesIO()
        torch.onnx.export(model, (example,), buffer, dynamo=False, opset_version=OPSET,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        model_proto = onnx.load_from_string(buffer.getvalue())
        if not reproduces(model_proto, x, expected):
            model_proto, reason = None, "the TorchScript-based exporter changed the results"
        exporter = "TorchScript-based"
    except Exception as err:  # noqa: BLE001
        reason = f"{type(err).__name__}: {first_line(err)}"
    if model_proto is None:
        try:
            batch = torch.export.Dim("batch", min=1)
            target = program if program is not None else model
            kwargs = {} if program is not None else {"dynamic_shapes": ({0: batch},)}
            exported = torch.onnx.export(target, (example,), dynamo=True, external_data=False,
                                         opset_version=OPSET, input_names=["input"],
                                         output_names=["output"], optimize=True, verbose=False,
                                         **kwargs)
            model_proto, exporter = exported.model_proto, "torch.export (dynamo)"
        except Exception as err:  # noqa: BLE001
            raise Failure(f"PyTorch could not convert the model to ONNX ({type(err).__name__}:"
                          f" {first_line(err)}; earlier: {reason or 'no detail'})") from None
    for key, value in metadata.items():
        entry = model_proto.metadata_props.add()
        entry.key, entry.value = key, value
    path.write_bytes(model_proto.SerializeToString())
    return exporter


def reproduces(model_proto, x, expected):
    import numpy as np
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
        got = session.run(None, {session.get_inputs()[0].name: x})[0]
    except Exception:  # noqa: BLE001
        return False
    if got.shape != expected.shape:
        return False
    scale = max(float(np.abs(expected).max()), 1.0)
    return float(np.abs(got - expected).max()) <= 1e-4 * scale


if __name__ == "__main__":
    main(sys.argv[1])
