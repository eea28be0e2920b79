"""Groups for a long imported network, proposed from the source's module hierarchy.

PyTorch names every ONNX operation after the module that made it
(``/layer1/layer1.0/conv1/Conv``; the dynamo exporter's names are rewritten the same way by
:mod:`core.importers.convert`), so the layers of one block share a module path
(``layer1.0``). A network longer than :data:`LONG` nodes gets one group per module at the
depth that gives the most cards while staying at most :data:`LONG` (a ResNet's blocks
rather than its four stages; a Transformer's layers), each collapsed, so that it opens as
about a dozen cards. A module with a single layer is no group, nor one holding more than
half of the network (a wrapper such as ``self.net``), and a module whose layers are not one
piece of the network (a wire leaves and comes back) is left ungrouped.

A model LayerForge exported carries its design: its own groups come back instead (by node
id, which the import restores), open or collapsed as they were.
"""

from __future__ import annotations

from typing import Any

from core.graph import Graph
from core.groups import cut_through, member_value, parse_member
from core.importers.ids import scope_parts

#: A converted graph with more nodes than this gets groups.
LONG = 40


def module_path(onnx_name: str) -> tuple[str, ...]:
    """``/layer2/layer2.0/downsample/downsample.0/Conv`` -> ``("layer2", "0", "downsample", "0")``.

    The TorchScript exporter writes each scope as the child's name qualified by its
    parent's (``layer1`` then ``layer1.0``); the dynamo names are already one part per level.
    """
    parts: list[str] = []
    for part in scope_parts(onnx_name):
        if parts and part.startswith(".".join(parts[-1:]) + "."):
            parts.extend(part[len(parts[-1]) + 1:].split("."))
        else:
            parts.extend(p for p in part.split(".") if p)
    return tuple(parts)


def groups_for(graph: Graph, sources: dict[str, str],
               record: dict[str, Any] | None) -> dict[str, tuple[str, bool]]:
    """``{node id: (group name, collapsed)}``: the design's own groups for a LayerForge
    export that has some, else the proposal from the module hierarchy (collapsed)."""
    design = (((record or {}).get("project") or {}).get("graph") or {}).get("nodes") or []
    own = {}
    for raw in design:
        if isinstance(raw, dict) and raw.get("id") in graph.nodes:
            member = parse_member(raw.get("group"))
            if member is not None:
                own[raw["id"]] = member
    if own:
        return own
    return {node_id: (name, True) for node_id, name in propose(graph, sources).items()}


def propose(graph: Graph, sources: dict[str, str]) -> dict[str, str]:
    """``{node id: group name}`` for ``graph`` (empty when it is short or has no modules);
    ``sources``: each node's ONNX node name."""
    if len(graph.nodes) <= LONG:
        return {}
    paths = {n: module_path(sources.get(n, "")) for n in graph.nodes}
    deepest = max((len(p) for p in paths.values()), default=0)
    best: dict[str, str] = {}
    best_cards = None
    for depth in range(1, deepest + 1):
        chosen = _at_depth(graph, paths, depth)
        cards = len(graph.nodes) - len(chosen) + len(set(chosen.values()))
        if not chosen:
            continue
        fits = cards <= LONG
        if best_cards is None or (fits and (best_cards > LONG or cards > best_cards)) or \
                (not fits and best_cards > LONG and cards < best_cards):
            best, best_cards = chosen, cards
    return best


def _at_depth(graph: Graph, paths: dict[str, tuple[str, ...]], depth: int) -> dict[str, str]:
    """One group per module ``depth`` levels down, when it holds two layers or more and is
    one piece of the network."""
    members: dict[str, list[str]] = {}
    for node_id, path in paths.items():
        if len(path) >= depth:
            members.setdefault(".".join(path[:depth]), []).append(node_id)
    chosen = {}
    for name, ids in members.items():
        if 2 <= len(ids) <= len(graph.nodes) / 2 and cut_through(graph, ids) is None:
            chosen.update((node_id, name) for node_id in ids)
    return chosen


def apply(graph: Graph, groups: dict[str, tuple[str, bool]]) -> None:
    """Write the membership into the nodes (the importer's own graph; no undo needed)."""
    for node_id, (name, collapsed) in groups.items():
        graph.set_extra(node_id, "group", member_value(name, collapsed))
