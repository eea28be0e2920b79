"""Project files of older format versions, brought up to the current one on load.

Each step takes a project dictionary of version ``n`` to version ``n + 1`` in place and
returns sentences about what it changed, which the person sees as notes (Orange's
``migrate_settings`` is the model). A step is registered with :func:`migration`;
loading runs every step from the file's version up to :data:`CURRENT`, so a file
written by any older LayerForge opens, and saving writes the current version.

To change the format: raise ``CURRENT`` by one, register the step from the old number,
and add a test that loads a file of the old version (tests/core/test_migrations.py).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

#: The format_version this LayerForge writes.
CURRENT = 3

Step = Callable[[dict[str, Any]], list[str]]
_STEPS: dict[int, Step] = {}


def migration(from_version: int) -> Callable[[Step], Step]:
    """Register the step from ``from_version`` to the next version (one per version)."""
    def register(step: Step) -> Step:
        if from_version in _STEPS:
            raise ValueError(f"a migration from format_version {from_version} is already registered")
        _STEPS[from_version] = step
        return step
    return register


def migrate(data: dict[str, Any], current: int | None = None) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``data`` at version ``current`` (default :data:`CURRENT`) and the notes of
    every step applied; ``data`` itself is left as it was. A missing step is a bug."""
    target = CURRENT if current is None else current
    version = data.get("format_version", target)
    if version >= target:
        return data, []
    result = copy.deepcopy(data)
    notes: list[str] = []
    while version < target:
        step = _STEPS.get(version)
        if step is None:
            raise RuntimeError(f"no migration from project format_version {version}")
        notes.extend(step(result))
        version += 1
        result["format_version"] = version
    return result, notes


@migration(1)
def early_stopping_was_off(data: dict[str, Any]) -> list[str]:
    """Format 2 stops early by default (patience 10); a format-1 file that did not ask for
    early stopping keeps training every epoch, as it did."""
    training = data.get("training")
    if training is None:
        training = data["training"] = {}
    if isinstance(training, dict) and "early_stopping" not in training:
        training["early_stopping"] = None
        return ["early stopping stays off, as it was by default when the file was saved"
                " (new projects stop early after 10 epochs without improvement)"]
    return []


#: An Embedding's table size before format 3, when a file did not set one.
OLD_EMBEDDING_SIZE = 1000


@migration(2)
def embedding_size_was_fixed(data: dict[str, Any]) -> list[str]:
    """Format 3 sizes an Embedding without ``num_embeddings`` from the data's vocabulary;
    a format-2 Embedding that did not set it had a table of 1000 and keeps it."""
    graph = data.get("graph")
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    kept = []
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or node.get("type") != "Embedding":
            continue
        params = node.setdefault("params", {})
        if isinstance(params, dict) and "num_embeddings" not in params:
            params["num_embeddings"] = OLD_EMBEDDING_SIZE
            kept.append(str(node.get("id")))
    if not kept:
        return []
    return [f"Embedding {', '.join(repr(k) for k in kept)} keeps its table of {OLD_EMBEDDING_SIZE}"
            " token ids, as it had when the file was saved (new Embeddings follow the data's"
            " vocabulary)"]
