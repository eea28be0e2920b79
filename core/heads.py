"""The ends of a network: its Inputs (each a view of the data's features) and its heads.

A network may have several Input nodes and several Output nodes. Every Input takes the
data's features, or with its ``columns`` parameter only the features of those table
columns (a "wide and deep" model feeds numbers and categories to different branches).
Every Output is a *head*: it learns a target (``data``: the data's labels or values;
``input``: to reproduce the network's input, as an autoencoder does), with its own loss
and a weight. The training loss is the weighted sum of the heads' losses. Two more
targets make an adversarial network (a GAN, :mod:`core.subnetworks`): ``generator`` (the
Output is a generated sample) and ``discriminator`` (one logit: real or generated); they
train by alternating updates (:mod:`core.train.adversarial`), not by a weighted sum.

The *primary* head is the first Output that learns the data's target (else the first
generator, else the first Output): its predictions are what ``predict``, the metrics and
the exports report.
Outputs are ordered as the graph lists them (the project file's order), which is also
the order of the built module's outputs. Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.graph import Graph

DATA, INPUT = "data", "input"
GENERATOR, DISCRIMINATOR = "generator", "discriminator"
TARGETS = (DATA, INPUT, GENERATOR, DISCRIMINATOR)


@dataclass(frozen=True)
class Head:
    """One Output node's part in training."""

    node_id: str
    target: str = DATA
    loss: str = "auto"
    weight: float = 1.0

    @property
    def reconstructs(self) -> bool:
        return self.target == INPUT

    @property
    def adversarial(self) -> bool:
        """A GAN's generator or discriminator (trained by alternating updates)."""
        return self.target in (GENERATOR, DISCRIMINATOR)


def heads_of(graph: Graph) -> list[Head]:
    """The graph's Output nodes as heads, in graph order."""
    heads = []
    for node_id, node in graph.nodes.items():
        if node.type != "Output":
            continue
        params = node.params
        weight = params.get("weight")
        heads.append(Head(node_id, params.get("target") or DATA, params.get("loss") or "auto",
                          1.0 if weight is None else float(weight)))
    return heads


def primary_head(heads: list[Head]) -> Head | None:
    """The head whose predictions the run reports: the first that learns the data's target,
    else a GAN's generator (what such a network is for), else the first."""
    for wanted in (DATA, GENERATOR):
        for head in heads:
            if head.target == wanted:
                return head
    return heads[0] if heads else None


def is_adversarial(heads: list[Head]) -> bool:
    """Whether these heads make a GAN: a generator and a discriminator Output."""
    targets = {head.target for head in heads}
    return GENERATOR in targets and DISCRIMINATOR in targets


def input_ids(graph: Graph) -> list[str]:
    return [node_id for node_id, node in graph.nodes.items() if node.type == "Input"]


def is_single(graph: Graph) -> bool:
    """One Input taking every feature and one Output: the network's forward is ``net(x) -> y``
    exactly as before several ends existed (exports keep their names and files)."""
    inputs = input_ids(graph)
    heads = heads_of(graph)
    return (len(inputs) == 1 and not graph.nodes[inputs[0]].params.get("columns")
            and len(heads) == 1)


def feature_indices(feature_columns: tuple[str, ...] | list[str], columns: list[str]) -> list[int]:
    """The positions of the features that came from ``columns`` (in feature order)."""
    wanted = set(columns)
    return [i for i, source in enumerate(feature_columns) if source in wanted]


def head_metric_name(head: Head) -> str:
    """The metrics.csv key of one head's own loss: ``loss_<output id>`` (with a train_/val_ prefix)."""
    return f"loss_{head.node_id}"
