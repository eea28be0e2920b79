"""Where a reconstruction network's parts are, for the probes that look inside it.

* The *reconstruction head*: the Output whose target is the network's input (``target:
  input``), or, on data whose task is ``reconstruction``, the primary Output. A GAN has none
  (its generator makes new samples, it does not rebuild its input).
* The *code* (the bottleneck) on the way to that head, by this rule: a variational
  autoencoder's code is the mean input of its last :mod:`Sample <core.layers.generative>`
  layer before the head (what :func:`core.generate.encoder_network` cuts out); a plain
  autoencoder's is the narrowest layer on the way from the Input to the head (fewest values
  per sample; on a tie the first, the layer that makes the code rather than the activation
  after it). Input and Output nodes never count.

Nothing here runs torch kernels but :func:`layer_widths`, which runs one forward pass of
two samples in the training thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.heads import INPUT, heads_of, primary_head
from core.tasks import RECONSTRUCTION


@dataclass(frozen=True)
class AutoencoderParts:
    """The reconstruction head's Output id, and the code: a Sample layer (``variational``) or
    the narrowest layer (``code_id``; None when no layer is narrower than the input)."""

    head_id: str
    code_id: str | None
    variational: bool


def project_graph(trainer):
    """The project graph the trainer was built from, or None (a trainer made without one)."""
    from core.errors import LayerForgeError
    from core.project import Project

    record = getattr(trainer, "project", None)
    if not record:
        return None
    try:
        return Project.from_dict(record).graph
    except LayerForgeError:
        return None


def reconstruction_head(trainer, graph=None) -> str | None:
    """The id of the Output that rebuilds the input (see the module docstring), or None."""
    if getattr(trainer, "adversarial", None) is not None:
        return None
    heads = heads_of(graph) if graph is not None else list(trainer.heads.heads)
    for head in heads:
        if head.target == INPUT:
            return head.node_id
    main = primary_head(heads)
    if main is not None and trainer.info.task == RECONSTRUCTION and not main.adversarial:
        return main.node_id
    return None


def sample_layer(graph, head_id: str) -> str | None:
    """The last Sample layer (graph order) whose output reaches the head, or None."""
    if graph is None:
        return None
    feeding = [node_id for node_id, node in graph.nodes.items()
               if node.type == "Sample" and graph.reaches(node_id, head_id)]
    return feeding[-1] if feeding else None


def layer_widths(trainer, module, inputs) -> dict[str, int]:
    """Values per sample of each layer's output, in the order the layers ran, from one
    forward pass of ``module`` (sharing ``trainer.module``'s layers) on ``inputs``."""
    import torch

    widths: dict[str, int] = {}

    def keep(name: str, out) -> None:  # a forward hook must return None (else it replaces the output)
        widths.setdefault(name, int(np.prod(out.shape[1:])) if isinstance(out, torch.Tensor) else 0)

    hooks = [sub.register_forward_hook(lambda _m, _i, out, name=name: keep(name, out))
             for name, sub in trainer.module.named_children()]
    try:
        with trainer.evaluating():
            module(inputs)
    finally:
        for hook in hooks:
            hook.remove()
    return widths


def narrowest_layer(widths: dict[str, int], graph, head_id: str, input_width: int) -> str | None:
    """The layer on the way to ``head_id`` with the fewest values per sample, the first on a
    tie; only layers narrower than the input count (else there is no bottleneck)."""
    skip = set()
    allowed = None
    if graph is not None:
        allowed = graph.upstream(head_id)
        skip = {node_id for node_id, node in graph.nodes.items() if node.type in ("Input", "Output")}
    best, best_width = None, input_width
    for name, width in widths.items():
        if name in skip or (allowed is not None and name not in allowed) or name == head_id:
            continue
        if 0 < width < best_width:
            best, best_width = name, width
    return best


def autoencoder_parts(trainer) -> AutoencoderParts | None:
    """The reconstruction head and how to find the code, or None when nothing rebuilds the input."""
    graph = project_graph(trainer)
    head = reconstruction_head(trainer, graph)
    if head is None:
        return None
    sample = sample_layer(graph, head)
    return AutoencoderParts(head, sample, sample is not None)


def head_module(trainer, head_id: str):
    """The part of the trained module that makes the Output ``head_id`` (layers shared)."""
    from core.build import head_network

    return head_network(trainer.module, head_id)
