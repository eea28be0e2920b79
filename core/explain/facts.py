"""What can be explained about a run, read from its JSON files only (no torch).

The designer fills its method and layer choices from :func:`run_facts` on the GUI
thread, and the CLI refuses ``--method gradcam`` on a network without convolutions
before loading anything heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.data.encoder import is_image_model
from core.errors import LayerForgeError
from core.explain.base import IMAGE, SEQUENCE, TABLE, ExplainError, SpatialLayer


@dataclass
class ModelFacts:
    """The kind of input a run takes and the layers Grad-CAM can look at."""

    kind: str  # image, table or sequence
    task: str
    class_names: list[str]
    target_names: list[str]
    columns: list[str]  # the CSV's feature columns, in feature order (tables, sequences)
    text_columns: list[str]
    spatial_layers: list[SpatialLayer] = field(default_factory=list)

    @property
    def default_layer(self) -> str | None:
        """The last convolution feeding the prediction (Grad-CAM's usual choice)."""
        return self.spatial_layers[-1].node_id if self.spatial_layers else None

    def layer(self, node_id: str | None) -> SpatialLayer:
        """The spatial layer ``node_id`` (None: the default one); one sentence when there is none."""
        if not self.spatial_layers:
            raise ExplainError("Grad-CAM needs a convolutional network (a Conv2d layer whose"
                               " maps are larger than one pixel), and this run has none: use"
                               " saliency, ig or smoothgrad")
        node_id = node_id or self.default_layer
        for layer in self.spatial_layers:
            if layer.node_id == node_id:
                return layer
        known = ", ".join(repr(layer.node_id) for layer in self.spatial_layers)
        raise ExplainError(f"the network has no convolution layer {node_id!r} for Grad-CAM:"
                           f" choose one of {known}")


def input_kind(preprocessing: dict[str, Any], input_shape) -> str:
    if is_image_model(preprocessing) or len(input_shape) == 3:
        return IMAGE
    return SEQUENCE if len(input_shape) == 2 else TABLE


def feature_columns(preprocessing: dict[str, Any], info: dict[str, Any]) -> list[str]:
    """The column of each feature (``colour`` for ``colour=red``, ``review`` for its tokens)."""
    columns = list(info.get("feature_columns") or [])
    names = list(preprocessing.get("feature_names") or info.get("feature_names") or [])
    return columns if len(columns) == len(names) and columns else names


def text_column_names(preprocessing: dict[str, Any]) -> list[str]:
    table = preprocessing.get("table") or {}
    return [c["name"] for c in table.get("columns") or [] if c.get("type") == "text"]


def gan_refusal(run: dict[str, Any], name: str = "this run") -> str | None:
    """The sentence that refuses to explain a GAN's run (None for other runs)."""
    from core.generative_kind import is_gan_project

    if isinstance(run.get("project"), dict) and is_gan_project(run["project"]):
        return (f"{name} is a GAN, which makes new samples instead of predicting, so there is no"
                " prediction to explain: draw its samples with layerforge generate (Export ▸"
                " Generate Samples… in the app)")
    return None


def facts_from(run: dict[str, Any], preprocessing: dict[str, Any], name: str = "this run") -> ModelFacts:
    """:class:`ModelFacts` from ``run.json``'s and ``preprocessing.json``'s content;
    :class:`ExplainError` for a GAN (``name``: the run, for that sentence)."""
    refusal = gan_refusal(run, name)
    if refusal:
        raise ExplainError(refusal)
    info = dict((run.get("data") or {}).get("info") or {})
    shape = tuple(info.get("input_shape") or preprocessing.get("input_shape") or ())
    kind = input_kind(preprocessing, shape)
    columns = list(dict.fromkeys(feature_columns(preprocessing, info))) if kind != IMAGE else []
    return ModelFacts(kind, str(run.get("task") or info.get("task") or "classification"),
                      list(info.get("class_names") or []), list(info.get("target_names") or []),
                      columns, text_column_names(preprocessing),
                      spatial_layers(run, info) if kind == IMAGE else [])


def run_facts(run_dir: str | Path) -> ModelFacts:
    """:func:`facts_from` a run folder; :class:`ExplainError` when it is not a readable run."""
    from core.train.load import read_preprocessing
    from core.train.rundir import read_run_json

    run_dir = Path(run_dir).expanduser()
    try:
        run = read_run_json(run_dir)
        preprocessing = read_preprocessing(run_dir)
    except LayerForgeError as err:
        raise ExplainError(str(err)) from None
    return facts_from(run, preprocessing, run_dir.name)


#: The layer types whose maps Grad-CAM looks at (a pooling or activation after one adds nothing).
CONVOLUTIONS = ("Conv2d", "ConvTranspose2d")


def spatial_layers(run: dict[str, Any], info: dict[str, Any]) -> list[SpatialLayer]:
    """The convolution layers feeding the primary head whose output is ``(C, H, W)`` maps
    larger than one pixel, in network order (pure-Python shape inference, as the canvas does it)."""
    from core.data.dataset import DataInfo
    from core.heads import heads_of, primary_head
    from core.project import Project
    from core.shapes import ShapeInference
    from core.train.spec import TrainSpec

    try:
        project = Project.from_dict(run["project"])
        fields = dict(info, input_shape=tuple(info["input_shape"]))
        data_info = DataInfo(**fields)
        spec = TrainSpec.from_dict(run["project"].get("training"), data_info)
        analysis = ShapeInference().analyze(project.graph, data_info.shapes(spec.loss))
    except (KeyError, TypeError, LayerForgeError):
        return []
    graph = project.graph
    head = primary_head(heads_of(graph))
    feeding = graph.upstream(head.node_id) if head is not None else set(graph.nodes)
    layers = []
    for node_id in analysis.order:
        node = graph.nodes[node_id]
        shape = analysis.shape_of(node_id)
        if (node_id in feeding and node.type in CONVOLUTIONS and shape is not None
                and len(shape) == 3 and min(shape[1:]) > 1):
            layers.append(SpatialLayer(node_id, node.type, tuple(shape)))
    return layers
