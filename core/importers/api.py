"""``import_model``: a model file in, a verified LayerForge project and run folder out.

The steps, each reported through ``progress`` and interruptible through ``cancel``:

1. a ``.pt2`` or ``.py`` file is converted to ONNX in a separate Python process
   (:mod:`core.importers.torch_source`; a ``.py`` file's code runs there, never here);
2. the ONNX file is read and checked (:mod:`core.importers.onnx_file`);
3. every operation becomes LayerForge layers (:mod:`core.importers.convert`), and the
   graph's ends become the Input, the Output, the task and the preprocessing
   (:mod:`core.importers.ends`);
4. the network is built the way a finished run is loaded, and its outputs are compared
   with the original's on random inputs (:mod:`core.importers.checking`);
5. only then are the run folder and the project written (:mod:`core.importers.writing`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from core.data.dataset import Cancelled
from core.export.formats import TOLERANCE
from core.export.verify import Difference
from core.importers.errors import ImportModelError
from core.project import SUFFIX

#: Model files the importer reads, by suffix.
SUFFIXES = {".onnx": "ONNX model", ".pt2": "PyTorch ExportedProgram", ".py": "Python file with an nn.Module"}
Progress = Callable[[float, str], None]


@dataclass
class ImportResult:
    """What an import wrote and how well the imported network matched the original."""

    project_path: Path
    run_dir: Path
    difference: Difference
    checked_on: str
    layers: int
    task: str
    notes: list[str] = field(default_factory=list)
    #: The groups the project opens in (:mod:`core.groups`), by name, and how many are collapsed.
    groups: list[str] = field(default_factory=list)
    collapsed: int = 0

    def lines(self) -> list[str]:
        """The CLI's report (the dialog shows the same)."""
        d = self.difference
        return [f"imported {self.layers} layers ({self.task}) -> {self.project_path}",
                f"weights: run folder {self.run_dir}",
                f"verified: max difference {d.absolute:.2e} (relative {d.relative:.2e}) on {self.checked_on}"
                ] + ([self.grouping_line()] if self.groups else [])

    def grouping_line(self) -> str:
        names = self.groups
        shown = ", ".join(names) if len(names) <= 3 else f"{names[0]} ... {names[-1]}"
        state = ("collapsed" if self.collapsed == len(names) else "open" if not self.collapsed
                 else f"{self.collapsed} collapsed")
        return (f"grouped: {len(names)} {state} group{'s' if len(names) != 1 else ''} ({shown});"
                " double-click one on the canvas to open or close it")


def is_model_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SUFFIXES


def project_path_for(model: str | Path, out: str | Path | None = None) -> Path:
    """``out`` with the project suffix, or ``MODEL.lfproj`` beside the model."""
    if out is None:
        return Path(model).expanduser().with_suffix(SUFFIX)
    out = Path(out).expanduser()
    return out if out.suffix.lower() == SUFFIX else out.with_name(out.name + SUFFIX)


def _check(cancel) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


def import_model(model: str | Path, out: str | Path | None = None, *,
                 input_shape: tuple[int, ...] | None = None, overwrite: bool = False,
                 class_name: str | None = None, progress: Progress | None = None,
                 cancel: Callable[[], bool] | None = None) -> ImportResult:
    """Import ``model`` (``.onnx``, ``.pt2``, ``.py``) as the project ``out`` with a run folder.

    Raises :class:`ImportModelError` (one sentence) for every problem a person can act on;
    nothing is written unless the imported network matches the original.
    """
    from core.overwrite import check_destination

    report = progress or (lambda fraction, message: None)
    model = Path(model).expanduser()
    suffix = model.suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportModelError(f"{model.name} is not a model LayerForge imports: give an .onnx file,"
                               " a .pt2 file (torch.export) or a .py file defining an nn.Module")
    if not model.is_file():
        raise ImportModelError(f"{model} does not exist: choose an .onnx, .pt2 or .py file")
    path = project_path_for(model, out).resolve()
    check_destination(path, overwrite=overwrite, inputs=[("the model", model)], error=ImportModelError)
    with tempfile.TemporaryDirectory(prefix="layerforge-import-") as tmp:
        if suffix == ".onnx":
            onnx_path, reference = model, None
        else:
            from core.importers.torch_source import to_onnx

            report(0.05, f"converting {model.name} to ONNX in a separate Python process")
            converted = to_onnx(model, Path(tmp), input_shape=input_shape, class_name=class_name,
                                cancel=cancel)
            onnx_path, reference, input_shape = converted.onnx, converted, converted.input_shape
        _check(cancel)
        return _import_onnx(model, onnx_path, path, input_shape, reference, report, cancel)


def _import_onnx(model: Path, onnx_path: Path, path: Path, input_shape, reference, report, cancel):
    from core.importers.checking import (compare, imported_outputs, input_kind, onnx_outputs,
                                         random_inputs)
    from core.importers.convert import Hints, convert
    from core.importers.ends import feature_names, finish
    from core.importers.onnx_file import read_onnx
    from core.importers import writing

    report(0.3, f"reading {onnx_path.name}")
    model_file = read_onnx(onnx_path, input_shape, shown=model.name)
    record = model_file.record()
    known, input_id = _design_ids(record)
    hints = Hints(feature_names(model_file.input_shape, record), known, input_id)
    _check(cancel)
    report(0.45, "converting the operations to LayerForge layers")
    imported = finish(convert(model_file, hints), model_file,
                      _project_name(model, model_file, record))
    _check(cancel)
    report(0.6, "building the network with the imported weights")
    run_dir = writing.run_folder(path, imported.name)
    project = writing.new_project(imported, path, run_dir, model)
    if reference is None:
        kind = input_kind(imported.graph, imported.preprocessing, model_file.input_is_int)
        fixed = model_file.static_batch
        x = random_inputs(model_file.input_shape, kind, imported.preprocessing.get("input_scaling"),
                          rows=fixed or 16)
        batches = [x] if fixed else [x, x[:1]]  # a file with a fixed batch size runs only that
        expected = onnx_outputs(onnx_path, batches, model.name)
        checked_on = (f"{len(x)} random inputs (the file's fixed batch), against ONNX Runtime" if fixed
                      else f"{len(x)} random inputs (and a batch of one), against ONNX Runtime")
    else:
        batches, expected = reference.batches, reference.outputs
        checked_on = f"{len(batches[0])} random inputs (and a batch of one), against PyTorch"
    facts = {"source": str(model), "format": SUFFIXES[model.suffix.lower()],
             "from_layerforge": imported.from_layerforge, "checked_on": checked_on}
    record_json = writing.run_record(imported, project, run_dir, facts)
    trained, weights = _trained(imported, record_json, run_dir, model.name)
    report(0.75, "comparing the imported network with the original")
    gap = compare(expected, imported_outputs(trained, batches))
    if not gap.ok:
        raise ImportModelError(
            f"{model.name} was converted, but the LayerForge network's outputs differ from the"
            f" original's by up to {gap.absolute:.3g} (relative {gap.relative:.3g}, more than"
            f" {TOLERANCE:g}) on {checked_on.split(',')[0]}: an operation was not read exactly,"
            " so nothing was written")
    facts["difference"] = {"absolute": gap.absolute, "relative": gap.relative}
    _check(cancel)
    report(0.9, f"writing {path.name} and its run folder")
    written = writing.write(imported, project, run_dir, record_json, weights)
    report(1.0, "done")
    from core.groups import groups

    layers = sum(1 for n in imported.graph.nodes.values() if n.type != "Input")
    made = groups(imported.graph)
    return ImportResult(written, run_dir, gap, checked_on, layers, imported.task, imported.notes,
                        [g.name for g in made], sum(g.collapsed for g in made))


def _design_ids(record) -> tuple[set[str], str]:
    """The node ids of the design an exported LayerForge model carries, and its Input's id."""
    nodes = (((record or {}).get("project") or {}).get("graph") or {}).get("nodes") or []
    ids = {n.get("id") for n in nodes if isinstance(n, dict) and isinstance(n.get("id"), str)}
    plain = [n["id"] for n in nodes if isinstance(n, dict) and n.get("type") == "Input"
             and not (n.get("params") or {}).get("columns")]
    return ids, plain[0] if len(plain) == 1 else "input"


def _project_name(model: Path, model_file, record) -> str:
    name = ((record or {}).get("project") or {}).get("name") or model_file.metadata.get("project")
    return str(name) if name else model.stem.replace("_", " ").strip() or "Imported model"


def _trained(imported, record: dict, run_dir: Path, shown: str):
    """The imported network loaded as a finished run is (the same code path as predict)."""
    import torch

    from core.errors import LayerForgeError
    from core.train.load import trained_model_from

    weights = {name: torch.from_numpy(np.array(value, copy=True)) for name, value in imported.weights.items()}
    try:
        trained = trained_model_from(record, imported.preprocessing, weights, run_dir,
                                     where=f"the weights imported from {shown}")
    except LayerForgeError as err:
        raise ImportModelError(f"{shown} cannot be imported: {err}") from None
    return trained, weights
