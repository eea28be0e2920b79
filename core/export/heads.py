"""Which heads an export holds: the primary one (the default) or every head ("all heads").

A network with several Outputs (:mod:`core.heads`) is exported by default as its primary
head's network, as ``predict`` uses it. With ``heads="all"`` the export holds the whole
network and returns one output per Output node, in graph order, named by the Output's id
(ONNX output names; a tuple for ``.pt2`` and TorchScript; every head's weights in the
safetensors file). What each output holds is said in :mod:`core.export.every_head` and in
the file's ``outputs`` metadata.

The standalone Python code keeps the primary head (its ``predict.py`` is the primary
head's), so that format refuses "all heads". Generative runs export their parts
(:mod:`core.export.parts`), not heads. Importing this module does not import torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from core.errors import ExportError

PRIMARY, ALL = "primary", "all"
#: The ``--heads`` values, the default first.
HEAD_CHOICES = (PRIMARY, ALL)
#: Formats that can hold every head; the others refuse ``all`` (:func:`check_heads`).
ALL_HEADS_FORMATS = ("onnx", "pt2", "safetensors", "torchscript")
#: Metadata key (ONNX ``metadata_props``, ``.pt2``'s layerforge.json) describing the outputs.
OUTPUTS_KEY = "outputs"
RECONSTRUCTION_WORDS = "the reconstructed input, in the input's units"


def run_heads(project: dict) -> list[str]:
    """The Output ids of a run's network (its ``run.json`` ``project``) that an "all heads"
    export returns, in graph order; empty for a GAN (its parts are exported instead)."""
    nodes = (project.get("graph") or {}).get("nodes") or []
    outputs = [node for node in nodes if isinstance(node, dict) and node.get("type") == "Output"]
    targets = {(node.get("params") or {}).get("target") for node in outputs}
    if targets & {"generator", "discriminator"}:
        return []
    return [str(node.get("id")) for node in outputs]


def run_primary_head(project: dict) -> str | None:
    """The primary head's Output id in a run's network (``run.json`` ``project``), by
    :func:`core.heads.primary_head`'s rule; None without Outputs."""
    from core.heads import DATA, Head, primary_head

    nodes = (project.get("graph") or {}).get("nodes") or []
    heads = [Head(str(node.get("id")), (node.get("params") or {}).get("target") or DATA)
             for node in nodes if isinstance(node, dict) and node.get("type") == "Output"]
    main = primary_head(heads)
    return main.node_id if main is not None else None


def check_heads(heads: str, formats: list[str], part: str | None) -> None:
    """A person's mistake in the heads choice, as one :class:`ExportError` sentence."""
    if heads not in HEAD_CHOICES:
        raise ExportError(f"unknown heads choice {heads!r}: choose {' or '.join(HEAD_CHOICES)}")
    if heads == PRIMARY:
        return
    if part is not None:
        raise ExportError(f"--part {part} exports one part of a generative network, not its"
                          " heads: leave out --heads all")
    others = [f for f in formats if f not in ALL_HEADS_FORMATS]
    if others:
        raise ExportError(f"the {', '.join(others)} export holds the primary head only (its"
                          f" predict.py is that head's): export every head as"
                          f" {', '.join(ALL_HEADS_FORMATS)}, or leave out --heads all")


@dataclass(frozen=True)
class HeadOutput:
    """One output of an every-head export."""

    name: str  # the Output node's id: the ONNX output name
    target: str  # "data" or "input"
    primary: bool
    values: str  # what the values are, in words


def head_outputs(trained) -> list[HeadOutput]:
    """The outputs of ``trained``'s every-head export, in graph (and module) order."""
    from core.export.onnx_format import output_words
    from core.heads import heads_of, primary_head

    heads = heads_of(trained.project.graph)
    main = primary_head(heads)
    return [HeadOutput(head.node_id, head.target, head == main,
                       RECONSTRUCTION_WORDS if head.reconstructs and head != main
                       else output_words(trained))
            for head in heads]


def is_every_head(trained) -> bool:
    """Whether ``trained`` is an every-head model (:func:`core.export.every_head.every_head`)."""
    return bool(getattr(trained, "exports_every_head", False))


def exported_heads(trained) -> list[str]:
    """The output names of ``trained``'s export when it holds every head (the Output ids, in
    order); empty for a primary-head export."""
    return [o.name for o in head_outputs(trained)] if is_every_head(trained) else []


def heads_metadata(trained) -> dict[str, str]:
    """The ``outputs`` metadata entry of an every-head export (name, target and values of
    each output); nothing for a primary-head export, whose file stays as it always was."""
    if not is_every_head(trained):
        return {}
    return {OUTPUTS_KEY: json.dumps([{"name": o.name, "target": o.target, "primary": o.primary,
                                      "values": o.values} for o in head_outputs(trained)])}


def primary_output(meta: dict[str, str]) -> str | None:
    """The name of the primary head's output in a file's metadata (an every-head export), or
    None (one output: the file's only one)."""
    try:
        outputs = json.loads(meta.get(OUTPUTS_KEY) or "[]")
    except json.JSONDecodeError:
        return None
    return next((o.get("name") for o in outputs if isinstance(o, dict) and o.get("primary")), None)


def outputs_note(trained) -> str:
    """The line an export prints about its outputs: ``outputs: shape (primary), rebuilt``."""
    return "outputs: " + ", ".join(o.name + (" (primary)" if o.primary else "")
                                   for o in head_outputs(trained))
