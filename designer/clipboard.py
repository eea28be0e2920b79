"""Copy and paste of graph fragments: selected nodes with the wires between them.

Pure functions (no Qt), so the rules are easy to test: a fragment is JSON in the
project file's own node/edge form; pasting gives every node a fresh id derived from
its old one (``conv1`` -> ``conv2``), keeps the wires inside the fragment, and
offsets the positions so that a paste never lands exactly on its original.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Iterable

from core.graph import Edge, Graph, Node

FORMAT = "layerforge.fragment"


def make_fragment(graph: Graph, node_ids: Iterable[str]) -> dict[str, Any]:
    """The nodes ``node_ids`` (in graph order) and the wires among them."""
    chosen = set(node_ids)
    nodes = [n.to_dict() for nid, n in graph.nodes.items() if nid in chosen]
    edges = [e.to_dict() for e in graph.edges if e.source in chosen and e.target in chosen]
    return {"format": FORMAT, "nodes": nodes, "edges": edges}


def fragment_to_text(fragment: dict[str, Any]) -> str:
    return json.dumps(fragment, ensure_ascii=False)


def fragment_from_text(text: str) -> dict[str, Any] | None:
    """The fragment in ``text``, or ``None`` when it is not one (any other clipboard text)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    if not isinstance(data.get("nodes"), list) or not isinstance(data.get("edges"), list):
        return None
    return data


def _stem(node_id: str) -> str:
    stem = re.sub(r"\d+$", "", node_id)
    return stem or node_id


def fresh_ids(graph: Graph, old_ids: Iterable[str]) -> dict[str, str]:
    """A new, unused id for each old id: its stem plus the smallest free number."""
    taken = set(graph.nodes)
    mapping: dict[str, str] = {}
    for old in old_ids:
        stem = _stem(old)
        n = 1
        while f"{stem}{n}" in taken:
            n += 1
        mapping[old] = f"{stem}{n}"
        taken.add(mapping[old])
    return mapping


def paste_plan(graph: Graph, fragment: dict[str, Any],
               offset: tuple[float, float]) -> tuple[list[Node], list[Edge]]:
    """The nodes and wires to add for pasting ``fragment`` into ``graph``.

    Nodes of a type this version does not know, and wires whose ends are not both in
    the fragment, are skipped rather than failing the whole paste.
    """
    from core.layers import REGISTRY

    raw_nodes = [n for n in fragment.get("nodes", [])
                 if isinstance(n, dict) and isinstance(n.get("id"), str) and n.get("type") in REGISTRY]
    mapping = fresh_ids(graph, [n["id"] for n in raw_nodes])
    nodes = []
    for raw in raw_nodes:
        pos = raw.get("pos")
        if isinstance(pos, list) and len(pos) == 2:
            pos = (float(pos[0]) + offset[0], float(pos[1]) + offset[1])
        else:
            pos = None
        extra = {k: copy.deepcopy(v) for k, v in raw.items() if k not in ("id", "type", "params", "pos")}
        params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
        nodes.append(Node(mapping[raw["id"]], raw["type"], copy.deepcopy(params), pos, extra))
    from core.groups import fresh_names_for_copies

    fresh_names_for_copies(graph, nodes)  # a copied group is a new group, not more of the old
    edges = []
    for raw in fragment.get("edges", []):
        if not isinstance(raw, dict):
            continue
        source, target = raw.get("source"), raw.get("target")
        if source in mapping and target in mapping:
            edges.append(Edge(mapping[source], mapping[target], int(raw.get("target_port", 0) or 0)))
    return nodes, edges
