"""Transfer learning: which layers of a network take their weights from an earlier run.

``training.init_from`` copies every tensor whose name and shape match (names are
``<node id>.<tensor>``, so layers match by their node ids). :func:`tensor_matches` is that
rule; :func:`layer_matches` applies it to a project and a run (or a ``.safetensors``
file) and sums it up per layer, for the Fine-tune dialog and ``check``: which layers load,
which start fresh (a new head for other classes) and why. Only the file's header is read
(the shapes), never its tensors; the network's own shapes come from a build on torch's
``meta`` device (no weights made, no kernels run).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from core.errors import TrainingError

LOADS, FRESH, PARTLY = "loads", "starts fresh", "partly"


@dataclass
class TensorMatches:
    loaded: list[str]
    mismatched: list[str]  # "name (3×64 in the run, 5×64 here)" or "name (not in the run)"
    unused: list[str]  # tensors of the run that this network does not have


def dims(shape) -> str:
    return "×".join(str(s) for s in shape) or "scalar"


def tensor_matches(own: dict[str, tuple], other: dict[str, tuple]) -> TensorMatches:
    """``init_from``'s rule: a tensor loads when the run has one of the same name and shape."""
    loaded, mismatched = [], []
    for name, shape in own.items():
        theirs = other.get(name)
        if theirs is None:
            mismatched.append(f"{name} (not in the run)")
        elif tuple(theirs) != tuple(shape):
            mismatched.append(f"{name} ({dims(theirs)} in the run, {dims(shape)} here)")
        else:
            loaded.append(name)
    return TensorMatches(loaded, mismatched, [name for name in other if name not in own])


def file_shapes(file: str | Path) -> dict[str, tuple]:
    """Tensor names and shapes from a ``.safetensors`` file's header (no tensor is read)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(file), framework="numpy") as handle:
            return {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise TrainingError(f"{file} is not a valid safetensors weights file ({err}):"
                            " it is damaged or was replaced") from None


def network_shapes(project) -> dict[str, tuple]:
    """The project's own tensor names and shapes (a build on the ``meta`` device)."""
    import torch

    from core.build import build
    from core.check import data_shapes_of

    data, _info, _problem = data_shapes_of(project)
    with torch.device("meta"):
        module = build(project.graph, data)
    return {name: tuple(t.shape) for name, t in module.state_dict().items()}


@dataclass
class LayerMatch:
    """What ``init_from`` does to one layer with weights."""

    node_id: str
    type: str
    tensors: int
    loaded: int
    detail: str

    @property
    def status(self) -> str:
        if self.loaded == self.tensors:
            return LOADS
        return FRESH if self.loaded == 0 else PARTLY


def layer_matches(project, source: str | Path) -> list[LayerMatch]:
    """Per layer with weights, in graph order: how many of its tensors load from ``source``
    (a run folder or a ``.safetensors`` file) and why the others do not."""
    from core.train.rundir import init_from_file

    own = network_shapes(project)
    matches = tensor_matches(own, file_shapes(init_from_file(source, project.directory)))
    loaded = set(matches.loaded)
    reasons = {text.split(" ", 1)[0]: text.split(" ", 1)[1].strip("()") for text in matches.mismatched}
    result = []
    for node_id, node in project.graph.nodes.items():
        names = [name for name in own if name.split(".", 1)[0] == node_id]
        if not names:
            continue
        count = sum(name in loaded for name in names)
        if count == len(names):
            detail = f"all {len(names)} tensors load"
        else:
            missing = [f"{name.split('.', 1)[1]}: {reasons[name]}" for name in names if name in reasons]
            detail = "; ".join(missing)
        result.append(LayerMatch(node_id, node.type, len(names), count, detail))
    return result


def backbone(matches: Iterable[LayerMatch], graph) -> list[str]:
    """The layers to freeze when fine-tuning: those whose weights all load, except Outputs
    (the head must learn the new data)."""
    return [m.node_id for m in matches
            if m.status == LOADS and graph.nodes[m.node_id].type != "Output"]


@dataclass
class HeadReplacement:
    """What "Replace the head" does: delete ``remove``, then wire ``attach_to`` through a new
    Flatten (when its output is not flat) into a new Output that sizes itself to the data."""

    remove: list[str]
    attach_to: str
    flatten: bool
    position: tuple[float, float]


def head_replacement(graph, selected: Iterable[str], shape_of) -> HeadReplacement:
    """Plan the replacement of the layers ``selected`` (the old head) by a new classifier.

    The backbone ends at the one layer outside the selection that feeds it; the Outputs the
    selection feeds are replaced too. ``shape_of(node_id)`` gives a layer's output shape
    (or None). Raises :class:`core.errors.GraphError` with a sentence when the selection is
    not a head.
    """
    from core.errors import GraphError

    chosen = [n for n in selected if n in graph.nodes]
    if not chosen:
        raise GraphError("select the layers of the old head (the layers after the backbone,"
                         " up to the Output) first")
    inside = set(chosen)
    if any(graph.nodes[n].type == "Input" for n in inside):
        raise GraphError("the selection holds an Input: select only the layers after the backbone")
    stack = list(inside)
    while stack:  # the Outputs after the selection go too
        for edge in graph.outgoing(stack.pop()):
            if edge.target not in inside and graph.nodes[edge.target].type == "Output":
                inside.add(edge.target)
    feeding = sorted({e.source for n in inside for e in graph.incoming(n) if e.source not in inside})
    if len(feeding) != 1:
        where = (f"{len(feeding)} layers feed it ({', '.join(repr(f) for f in feeding)})" if feeding
                 else "nothing feeds it")
        raise GraphError(f"the selection is not one head: {where}; select the layers after the"
                         " one layer where the backbone ends")
    leaving = sorted({e.target for n in inside for e in graph.outgoing(n) if e.target not in inside})
    if leaving:
        raise GraphError(f"the selection also feeds {', '.join(repr(t) for t in leaving)}, which"
                         " would lose its input: select every layer after the backbone")
    if not any(graph.nodes[n].type == "Output" for n in inside):
        raise GraphError("the selection does not lead to an Output: select the layers from the"
                         " end of the backbone up to the Output")
    attach = feeding[0]
    shape = shape_of(attach)
    outputs = [graph.nodes[n] for n in inside if graph.nodes[n].type == "Output"]
    position = next((o.pos for o in outputs if o.pos is not None), None)
    if position is None:
        base = graph.nodes[attach].pos or (0.0, 0.0)
        position = (base[0] + 380.0, base[1])
    order = [n for n in graph.nodes if n in inside]
    return HeadReplacement(order, attach, shape is not None and len(shape) > 1, tuple(position))
