"""The two ends of an imported network: what feeds it and what its last layers mean.

LayerForge's Output node *is* the last Linear layer of a classifier or regressor (its
head), and the output activation (softmax, sigmoid) and the regression units are the
run's, not layers. So the end of an ONNX graph is read back the same way:

- ``Softmax`` over the classes at the very end -> output activation ``softmax``, task
  classification (one class per output); a ``Sigmoid`` followed by ``[1 - p, p]`` (how
  LayerForge exports one logit for two classes) -> two-class classification with
  ``sigmoid``; a lone ``Sigmoid`` -> multilabel; ``out * scale + mean`` -> regression with
  the target's units (``target_scaling``); anything else -> regression (or, when the output
  has the input's own shape, reconstruction);
- the Linear layer (Gemm) that feeds that end becomes the Output node with its weights
  (``units`` = its width; a Linear followed by a Reshape to the input's shape is the
  Output of an autoencoder); when the last layer is not a Linear, an identity Output
  passes it through unchanged;
- ``(x - mean) / scale`` applied to the input first becomes the preprocessing's
  ``input_scaling``.

A file LayerForge exported carries its data description, class names and training
settings in its metadata; they are used when the graph's ends agree with them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from core.data.dataset import DataInfo
from core.graph import Graph
from core.importers.convert import Conversion, final_tensor
from core.importers.errors import ImportModelError
from core.importers.onnx_file import ModelFile
from core.importers.values import Marker, Tensor

TABLE_CSV = {"encoding": "utf-8", "delimiter": ",", "decimal": ".", "header": True}


@dataclass
class Imported:
    """A converted network with everything a run folder needs."""

    name: str
    graph: Graph
    weights: dict[str, np.ndarray]
    info: DataInfo
    preprocessing: dict[str, Any]
    training: dict[str, Any]
    output_activation: str
    notes: list[str] = field(default_factory=list)
    from_layerforge: bool = False
    #: The project's data section: a LayerForge export's built-in data set (it has no
    #: paths, so it works wherever the project goes); None otherwise.
    data: dict[str, Any] | None = None

    @property
    def task(self) -> str:
        return self.info.task


def feature_names(shape: tuple[int, ...], record: dict[str, Any] | None) -> list[str]:
    """The input's column names: the exported run's, else ``x0, x1, ...`` for a flat input
    (and for the features of each step of a sequence)."""
    info = ((record or {}).get("data") or {}).get("info") or {}
    columns = info.get("feature_columns") or []
    if columns and len(shape) == 1 and len(columns) == shape[0]:
        return list(columns)
    if len(shape) in (1, 2):
        return [f"x{i}" for i in range(shape[-1])]
    return []


def finish(conversion: Conversion, model_file: ModelFile, name: str) -> Imported:
    """Turn the converted graph's end into an Output and the run's task and preprocessing."""
    shown = model_file.path.name
    draft = conversion.draft
    value = final_tensor(conversion.output, shown)
    activation, task, target_scaling = "none", None, None
    if isinstance(value, Marker) and value.kind == "binary_probs":
        inner = _drop(draft, value.arg(0))
        activation, task = "sigmoid", "classification"
    elif isinstance(value, Marker) and value.kind == "affine_out":
        inner, scale, mean = value.args
        width = inner.shape[0] if len(inner.shape) == 1 else 0
        target_scaling = {"mean": _vector(mean, width, shown), "scale": _vector(scale, width, shown)}
        task = "regression"
    elif isinstance(value, Marker):
        raise ImportModelError(f"{shown} cannot be imported: its output comes from '{value.origin}'"
                               " in a way LayerForge does not recognise")
    else:
        inner = value
        last = draft.nodes[value.node]
        single = len(value.shape) == 1 and not draft.consumers(last.id)
        if last.type == "Softmax" and single and value.shape[0] >= 2:
            inner, activation, task = _drop(draft, value), "softmax", "classification"
        elif last.type == "Sigmoid" and single:
            inner, activation, task = _drop(draft, value), "sigmoid", "multilabel"
    input_shape = tuple(model_file.input_shape)
    if task is None:
        task = "reconstruction" if inner.shape == input_shape and len(inner.shape) > 1 else "regression"
    if len(inner.shape) != 1 and task != "reconstruction":
        raise ImportModelError(
            f"{shown} cannot be imported: its output has the shape (N, {', '.join(map(str, inner.shape))}),"
            " and a LayerForge network outputs a flat vector per sample (or, for an autoencoder,"
            " the input's own shape)")
    output_id = _output(draft, inner, task)
    draft.prune(output_id)
    record = model_file.record()
    width = inner.shape[0] if len(inner.shape) == 1 else 0
    info, training, from_layerforge, notes = _data_facts(record, task, activation, width, input_shape,
                                                         conversion.context, shown)
    preprocessing = _preprocessing(model_file, info, conversion.context, target_scaling,
                                   from_layerforge)
    graph = _laid_out(draft, record)
    data = ((record or {}).get("project") or {}).get("data") if from_layerforge else None
    data = data if isinstance(data, dict) and data.get("kind") == "builtin" else None
    return Imported(name, graph, draft.state_dict(), info, preprocessing, training, activation,
                    notes, from_layerforge, data)


def _laid_out(draft, record) -> "Graph":
    """The draft as a graph, placed; a long one in collapsed groups (its module hierarchy),
    a LayerForge design in its own groups."""
    from core.importers import grouping
    from core.importers.layout import arrange, layered_positions

    graph = draft.graph()
    proposed = grouping.groups_for(graph, {n.id: n.source for n in draft.nodes.values()}, record)
    if proposed:  # each group laid out on its own first: that is how it opens when expanded
        for name in dict.fromkeys(g for g, _ in proposed.values()):
            members = [n for n, (g, _) in proposed.items() if g == name]
            inside = [(e.source, e.target) for e in graph.edges
                      if e.source in members and e.target in members]
            graph.move_nodes(arrange(members, inside))
        grouping.apply(graph, proposed)
    graph.move_nodes(layered_positions(graph))
    return graph


def _vector(values: np.ndarray, width: int, shown: str) -> list[float]:
    values = np.asarray(values, np.float64).reshape(-1)
    if values.size == 1 and width:
        return [float(values[0])] * width
    if values.size != width:
        raise ImportModelError(f"{shown} cannot be imported: it rescales its {width} outputs with"
                               f" {values.size} numbers")
    return [float(v) for v in values]


def _drop(draft, value: Tensor) -> Tensor:
    """Remove the activation node ``value`` came from; the tensor it took instead."""
    node = draft.nodes[value.node]
    source = draft.nodes[node.inputs[0]]
    draft.remove(node.id)
    return Tensor(source.id, source.shape)


def _output(draft, inner: Tensor, task: str) -> str:
    """Make the Output node (the Linear that feeds the end, or an identity head); its id."""
    node = draft.nodes[inner.node]
    alone = not draft.consumers(node.id)
    if node.type == "Linear" and alone and len(inner.shape) == 1 and len(node.inputs) == 1 \
            and len(draft.nodes[node.inputs[0]].shape) == 1:
        _linear_to_output(node, {"units": int(inner.shape[0])})
        return node.id
    if task == "reconstruction" and node.type == "Reshape" and alone:
        linear = draft.nodes[node.inputs[0]]
        if linear.type == "Linear" and draft.consumers(linear.id) == [node.id] and \
                len(draft.nodes[linear.inputs[0]].shape) == 1:
            draft.remove(node.id)
            _linear_to_output(linear, {})
            linear.weights = {f"linear.{k}": v for k, v in linear.weights.items()}
            linear.shape = inner.shape
            return linear.id
    params: dict[str, Any] = {"head": "identity"}
    if len(inner.shape) == 1:
        params["units"] = int(inner.shape[0])
    # An identity head of several dimensions (a decoder's image) passes its input through: its
    # shape is the input's, which LayerForge's rule checks against the data (not known here).
    made = draft.add("Output", params, [inner], source="", node_id=draft.ids.claim("output"),
                     shape=None if len(inner.shape) == 1 else tuple(inner.shape))
    return made.node


def _linear_to_output(node, params: dict[str, Any]) -> None:
    out = int(node.weights["weight"].shape[0])
    if "bias" not in node.weights:  # the Output's Linear always has a bias: zero it
        node.weights["bias"] = np.zeros(out, np.float32)
    node.type = "Output"
    node.params = params


def _names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}_{i}" for i in range(count)]


def _data_facts(record, task: str, activation: str, width: int, input_shape, ctx, shown: str):
    """DataInfo and training settings: the exported run's when its ends agree, else made up."""
    notes: list[str] = []
    if record:
        info_dict = dict(((record.get("data") or {}).get("info")) or {})
        agrees = (record.get("task") == task and record.get("output_activation") == activation
                  and tuple(info_dict.get("input_shape") or ()) == tuple(input_shape))
        if agrees:
            try:
                info_dict["input_shape"] = tuple(info_dict["input_shape"])
                info = DataInfo(**{k: v for k, v in info_dict.items() if k in DataInfo.__dataclass_fields__})
            except (KeyError, TypeError):
                info = None
            if info is not None:
                return info, _own_settings(record.get("training") or {}, info), True, notes
        notes.append(f"{shown} carries LayerForge's description of its data, but its ends do not"
                     " match it: class and feature names were made up")
    features = ctx.feature_columns
    training: dict[str, Any] = {}
    classes, targets = None, []
    if task == "classification":
        count = 2 if activation == "sigmoid" else width
        classes, targets = _names("class", count), ["class"]
        if count == 2 and activation == "softmax":
            training["loss"] = "cross_entropy"  # two outputs, as the file has them
    elif task in ("regression", "multilabel"):
        targets = _names("output" if task == "regression" else "label", width)
    info = DataInfo(input_shape=tuple(input_shape), task=task, class_names=classes,
                    target_names=targets, feature_names=list(features) if len(input_shape) <= 2 else [],
                    feature_columns=list(features) if len(input_shape) == 1 else [],
                    description=f"imported from {shown}")
    return info, training, False, notes


def _own_settings(training: dict[str, Any], info: DataInfo) -> dict[str, Any]:
    """The exported run's training settings that differ from the defaults for its data
    (the record holds every resolved default; the project keeps what a person chose)."""
    from core.train.spec import defaults_for

    try:
        defaults = defaults_for(info)
    except Exception:  # noqa: BLE001 - settings of another LayerForge version: keep them all
        defaults = {}
    return {k: v for k, v in training.items()
            if k != "init_from" and k in defaults and v != defaults.get(k)}


def _preprocessing(model_file: ModelFile, info: DataInfo, ctx, target_scaling, from_layerforge: bool):
    """The run's preprocessing.json: the exported run's, else one that fits the input's shape."""
    scaling = None
    if ctx.scaling is not None:
        mean, scale = ctx.scaling
        scaling = {"method": "standard", "mean": [float(v) for v in mean],
                   "scale": [float(v) for v in scale]}
    if from_layerforge:
        exported = model_file.preprocessing()
        if exported:
            exported = dict(exported)
            if not _same_scaling(exported.get("input_scaling"), scaling):
                exported["input_scaling"] = scaling
            if target_scaling is not None or exported.get("task") == "regression":
                exported["target_scaling"] = target_scaling
            return exported
    shape = list(info.input_shape)
    pre: dict[str, Any] = {
        "format": "layerforge.preprocessing", "format_version": 1, "kind": "imported",
        "task": info.task, "input_shape": shape, "feature_names": list(info.feature_names),
        "class_names": info.class_names, "target_names": list(info.target_names),
        "input_scaling": scaling, "target_scaling": target_scaling,
    }
    if len(shape) == 3 and shape[0] in (1, 3):
        pre["kind"] = "image"
        pre["image"] = {"size": shape[1:], "color": "grayscale" if shape[0] == 1 else "rgb",
                        "resize": "stretch", "alpha": "white background", "range": [0, 1]}
    elif len(shape) in (1, 2):
        names = info.feature_names
        pre["kind"] = "table" if len(shape) == 1 else "sequence"
        fills = (scaling or {}).get("mean") or [0.0] * len(names)
        pre["table"] = {"csv": dict(TABLE_CSV), "source_columns": list(names),
                        "columns": [{"name": n, "type": "numeric", "fill": float(f)}
                                    for n, f in zip(names, fills)],
                        "missing": "mean"}
        if len(shape) == 2:
            pre["sequence"] = {"window": shape[0], "horizon": 1, "order_by": None}
    return pre


def _same_scaling(a, b) -> bool:
    """Whether two input scalings agree up to float32 rounding (ONNX stores float32)."""
    if not a or not b:
        return not a and not b
    return all(np.allclose(np.asarray(a[k], np.float64), np.asarray(b[k], np.float64),
                           rtol=1e-5, atol=1e-6) for k in ("mean", "scale"))


def info_dict(info: DataInfo) -> dict[str, Any]:
    data = asdict(info)
    data["input_shape"] = list(info.input_shape)
    return data
