"""The two sub-networks of a generative adversarial network (GAN) drawn on one canvas.

A graph is *adversarial* when it has one Output whose ``target`` is ``generator`` and one
whose ``target`` is ``discriminator`` (:mod:`core.heads`). The generator is every node that
feeds the generator Output: it starts from a noise Input (``noise`` set: random numbers,
no data) and makes a sample of the data's shape. The discriminator is every node that
feeds the discriminator Output: it starts from the data's Input and gives one logit, real
or generated. Training feeds it real batches and the generator's samples in turn
(:mod:`core.train.adversarial`), so the two must not share a layer.

A *conditional* GAN also has a label Input (``label`` set: the sample's class, one-hot)
wired into both networks: the generator learns to draw the class it is given, the
discriminator judges whether an image is a real one of that class. One label Input may feed
both networks (an Input is not a layer), or each may have its own.

:func:`subnetworks` names the parts (the canvas frames them, the trainer and the exports
cut them out); :func:`adversarial_problems` gives one sentence per wiring mistake, for
shape inference, ``layerforge check`` and the Problems panel. Plain Python, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.graph import Graph
from core.heads import DISCRIMINATOR, GENERATOR
from core.shapes import Problem


@dataclass(frozen=True)
class SubNetworks:
    """The generator and discriminator of an adversarial graph, by node id."""

    generator: str  # the generator Output
    discriminator: str  # the discriminator Output
    generator_nodes: frozenset[str]  # every node feeding the generator Output, itself included
    discriminator_nodes: frozenset[str]
    noise: str | None  # the noise Input the generator starts from (None while it has none)
    data: str | None  # the data Input the discriminator starts from
    generator_label: str | None = None  # a conditional GAN's label Input into the generator
    discriminator_label: str | None = None  # ... and into the discriminator

    @property
    def conditional(self) -> bool:
        """Both networks read the class label (a conditional GAN)."""
        return self.generator_label is not None and self.discriminator_label is not None

    def role_of(self, node_id: str) -> str | None:
        """``generator``, ``discriminator`` or None (in neither, or wrongly in both)."""
        in_g, in_d = node_id in self.generator_nodes, node_id in self.discriminator_nodes
        if in_g == in_d:
            return None
        return GENERATOR if in_g else DISCRIMINATOR


def is_noise(graph: Graph, node_id: str) -> bool:
    """An Input that draws random numbers instead of reading the data."""
    node = graph.nodes[node_id]
    return node.type == "Input" and bool(node.params.get("noise"))


def is_label(graph: Graph, node_id: str) -> bool:
    """An Input that reads the sample's class label (one-hot) instead of its features."""
    node = graph.nodes[node_id]
    return node.type == "Input" and bool(node.params.get("label")) and not node.params.get("noise")


def _outputs(graph: Graph, target: str) -> list[str]:
    return [node_id for node_id, node in graph.nodes.items()
            if node.type == "Output" and node.params.get("target") == target]


def _feeding(graph: Graph, node_id: str) -> frozenset[str]:
    seen, stack = {node_id}, [node_id]
    while stack:
        for edge in graph.incoming(stack.pop()):
            if edge.source not in seen and edge.source in graph.nodes:
                seen.add(edge.source)
                stack.append(edge.source)
    return frozenset(seen)


def _inputs_in(graph: Graph, nodes: frozenset[str]) -> tuple[list[str], list[str]]:
    """(noise Inputs, data Inputs) among ``nodes``, in graph order (label Inputs are neither)."""
    inputs = [n for n in graph.nodes if n in nodes and graph.nodes[n].type == "Input"
              and not is_label(graph, n)]
    return [n for n in inputs if is_noise(graph, n)], [n for n in inputs if not is_noise(graph, n)]


def _labels_in(graph: Graph, nodes: frozenset[str]) -> list[str]:
    return [n for n in graph.nodes if n in nodes and is_label(graph, n)]


def subnetworks(graph: Graph) -> SubNetworks | None:
    """The generator and discriminator when the graph has exactly one Output of each, else None."""
    generators, discriminators = _outputs(graph, GENERATOR), _outputs(graph, DISCRIMINATOR)
    if len(generators) != 1 or len(discriminators) != 1:
        return None
    g_nodes, d_nodes = _feeding(graph, generators[0]), _feeding(graph, discriminators[0])
    noise = _inputs_in(graph, g_nodes)[0]
    data = _inputs_in(graph, d_nodes)[1]
    g_label, d_label = _labels_in(graph, g_nodes), _labels_in(graph, d_nodes)
    return SubNetworks(generators[0], discriminators[0], g_nodes, d_nodes,
                       noise[0] if noise else None, data[0] if data else None,
                       g_label[0] if g_label else None, d_label[0] if d_label else None)


def is_adversarial_graph(graph: Graph) -> bool:
    """Whether the graph has a generator and a discriminator Output (a GAN, rightly wired or not)."""
    return bool(_outputs(graph, GENERATOR)) and bool(_outputs(graph, DISCRIMINATOR))


def adversarial_problems(graph: Graph) -> list[Problem]:
    """One sentence per mistake in the wiring of a GAN (nothing for other graphs)."""
    generators, discriminators = _outputs(graph, GENERATOR), _outputs(graph, DISCRIMINATOR)
    if not generators and not discriminators:
        return [Problem(f"Input '{n}' reads the class label, which only a conditional GAN uses (its"
                        " generator and discriminator both read it): clear label", n)
                for n in graph.nodes if is_label(graph, n)]
    problems = _count_problems(graph, generators, discriminators)
    if problems:
        return problems
    parts = subnetworks(graph)
    assert parts is not None
    return _part_problems(graph, parts)


def _count_problems(graph: Graph, generators: list[str], discriminators: list[str]) -> list[Problem]:
    problems = []
    for role, found in ((GENERATOR, generators), (DISCRIMINATOR, discriminators)):
        if len(found) > 1:
            problems.append(Problem(
                f"Outputs {' and '.join(repr(o) for o in found)} are all {role}s: a GAN has one"
                f" {role} Output (and one {_other(role)}); set the target of the others", found[1]))
    if generators and not discriminators:
        problems.append(Problem(
            f"Output '{generators[0]}' is a generator, but no Output is a discriminator to train it"
            " against: add an Output with target discriminator, fed from the data's Input through"
            " layers of its own", generators[0]))
    if discriminators and not generators:
        problems.append(Problem(
            f"Output '{discriminators[0]}' is a discriminator, but no Output is a generator for it"
            " to judge: add a noise Input, layers that make a sample, and an Output with target"
            " generator", discriminators[0]))
    others = [node_id for node_id, node in graph.nodes.items()
              if node.type == "Output" and node.params.get("target") not in (GENERATOR, DISCRIMINATOR)]
    for node_id in others:
        problems.append(Problem(
            f"Output '{node_id}' learns {graph.nodes[node_id].params.get('target') or 'data'}, but a"
            " GAN's Outputs are its generator and its discriminator only: delete it, or set its"
            " target", node_id))
    return problems


def _other(role: str) -> str:
    return DISCRIMINATOR if role == GENERATOR else GENERATOR


def _part_problems(graph: Graph, parts: SubNetworks) -> list[Problem]:
    problems = []
    g_noise, g_data = _inputs_in(graph, parts.generator_nodes)
    d_noise, d_data = _inputs_in(graph, parts.discriminator_nodes)
    g, d = parts.generator, parts.discriminator
    if g_data:
        problems.append(Problem(
            f"the generator (Output '{g}') reads the data's Input '{g_data[0]}': a generator makes"
            " samples from noise alone; remove that wire", g_data[0]))
    elif not g_noise:
        problems.append(Problem(
            f"the generator (Output '{g}') does not start from a noise Input: feed it from an Input"
            " whose noise is set (such as 16), the random code it turns into a sample", g))
    elif len(g_noise) > 1:
        problems.append(Problem(
            f"the generator (Output '{g}') starts from the noise Inputs"
            f" {' and '.join(repr(n) for n in g_noise)}: give it one noise Input", g_noise[1]))
    if d_noise:
        problems.append(Problem(
            f"the discriminator (Output '{d}') reads the noise Input '{d_noise[0]}': a discriminator"
            " judges samples only (real images, or the generator's); remove that wire", d_noise[0]))
    elif not d_data:
        problems.append(Problem(
            f"the discriminator (Output '{d}') does not start from the data's Input: feed it from"
            " an Input that reads the data", d))
    for node_id in d_data:
        if graph.nodes[node_id].params.get("columns"):
            problems.append(Problem(
                f"Input '{node_id}' of the discriminator takes only some columns, but it must judge"
                " whole samples (the generator makes whole ones): clear its columns", node_id))
    problems.extend(_label_problems(graph, parts))
    shared = [n for n in graph.nodes if n in parts.generator_nodes and n in parts.discriminator_nodes
              and graph.nodes[n].type != "Input"]
    for node_id in shared:
        problems.append(Problem(
            f"'{node_id}' is in both the generator and the discriminator: a layer belongs to one of"
            " them; give each its own layers", node_id))
    return problems


def _label_problems(graph: Graph, parts: SubNetworks) -> list[Problem]:
    """A conditional GAN's label Input: one per network, and in both or in neither."""
    problems = []
    for role, nodes in ((GENERATOR, parts.generator_nodes), (DISCRIMINATOR, parts.discriminator_nodes)):
        labels = _labels_in(graph, nodes)
        if len(labels) > 1:
            problems.append(Problem(
                f"the {role} reads the label Inputs {' and '.join(repr(n) for n in labels)}: give it"
                " one label Input", labels[1]))
    g, d = parts.generator_label, parts.discriminator_label
    if (g is None) != (d is None):
        have, lack = (GENERATOR, DISCRIMINATOR) if g else (DISCRIMINATOR, GENERATOR)
        problems.append(Problem(
            f"the {have} reads the class label (Input '{g or d}') but the {lack} does not: in a"
            f" conditional GAN both read it (the {lack} too); wire the label Input into the {lack}"
            " as well, or clear label", g or d))
    return problems
