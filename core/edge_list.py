"""The graph's wires as a list indexed by source and target (see :class:`EdgeList`)."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, Iterable, SupportsIndex

if TYPE_CHECKING:  # pragma: no cover
    from core.graph import Edge


class EdgeList(list):
    """The graph's wires in order, indexed so that lookups do not scan every wire.

    A plain ``list`` to its readers (order, indexing, ``==``), plus a count of each edge
    (``edge in edges`` is a hash lookup) and the edges by source and by target, in list
    order. Appending and removing keep the index; rarer edits (insert in the middle,
    slices, sort) drop the by-node part, which is rebuilt once on the next lookup. So a
    project of N wires loads and checks in time linear in N, not N squared.
    """

    __slots__ = ("_count", "_by_source", "_by_target")

    def __init__(self, edges: Iterable[Edge] = ()) -> None:
        super().__init__(edges)
        self._count: dict[Edge, int] = {}
        self._by_source: dict[str, list[Edge]] | None = None
        self._by_target: dict[str, list[Edge]] | None = None
        self._rebuilt()

    def __reduce__(self):  # copy, deepcopy and pickle rebuild the index from the items
        return (type(self), (list(self),))

    # ---------------------------------------------------------------- lookups
    def __contains__(self, edge: object) -> bool:
        try:
            return self._count.get(edge, 0) > 0  # type: ignore[call-overload]
        except TypeError:  # an unhashable probe cannot be a wire
            return list.__contains__(self, edge)

    def into(self, node_id: str) -> list[Edge]:
        """Edges whose target is ``node_id``, in list order (a new list)."""
        if self._by_target is None:
            self._reindex()
        return list(self._by_target.get(node_id, ()))  # type: ignore[union-attr]

    def out_of(self, node_id: str) -> list[Edge]:
        """Edges whose source is ``node_id``, in list order (a new list)."""
        if self._by_source is None:
            self._reindex()
        return list(self._by_source.get(node_id, ()))  # type: ignore[union-attr]

    def _reindex(self) -> None:
        by_source: dict[str, list[Edge]] = {}
        by_target: dict[str, list[Edge]] = {}
        for edge in list.__iter__(self):
            by_source.setdefault(edge.source, []).append(edge)
            by_target.setdefault(edge.target, []).append(edge)
        self._by_source, self._by_target = by_source, by_target

    def _added(self, edge: Edge, at_end: bool) -> None:
        self._count[edge] = self._count.get(edge, 0) + 1
        if self._by_source is None or self._by_target is None:
            return
        if at_end:
            self._by_source.setdefault(edge.source, []).append(edge)
            self._by_target.setdefault(edge.target, []).append(edge)
        else:
            self._by_source = self._by_target = None

    def _gone(self, edge: Edge) -> None:
        left = self._count.get(edge, 0) - 1
        if left > 0:
            self._count[edge] = left
        else:
            self._count.pop(edge, None)
        if left > 0 or self._by_source is None or self._by_target is None:
            self._by_source = self._by_target = None  # duplicates: which one went is unclear
            return
        self._by_source[edge.source].remove(edge)
        self._by_target[edge.target].remove(edge)

    def _rebuilt(self) -> None:
        """After an edit that may change anything: count again, index lazily."""
        self._count = {}
        for edge in list.__iter__(self):
            self._count[edge] = self._count.get(edge, 0) + 1
        self._by_source = self._by_target = None

    # ---------------------------------------------------------------- edits
    def append(self, edge: Edge) -> None:
        super().append(edge)
        self._added(edge, at_end=True)

    def insert(self, index: SupportsIndex, edge: Edge) -> None:
        at_end = operator.index(index) >= len(self)
        super().insert(index, edge)
        self._added(edge, at_end=at_end)

    def extend(self, edges: Iterable[Edge]) -> None:
        for edge in list(edges):
            self.append(edge)

    def __iadd__(self, edges: Iterable[Edge]):  # type: ignore[override]
        self.extend(edges)
        return self

    def remove(self, edge: Edge) -> None:
        super().remove(edge)
        self._gone(edge)

    def pop(self, index: SupportsIndex = -1) -> Edge:
        edge = super().pop(index)
        self._rebuilt()
        return edge

    def clear(self) -> None:
        super().clear()
        self._rebuilt()

    def __setitem__(self, index, value) -> None:  # type: ignore[override]
        super().__setitem__(index, value)
        self._rebuilt()

    def __delitem__(self, index) -> None:  # type: ignore[override]
        super().__delitem__(index)
        self._rebuilt()

    def __imul__(self, n: SupportsIndex):  # type: ignore[override]
        super().__imul__(n)
        self._rebuilt()
        return self

    def sort(self, *args: Any, **kwargs: Any) -> None:
        super().sort(*args, **kwargs)
        self._by_source = self._by_target = None

    def reverse(self) -> None:
        super().reverse()
        self._by_source = self._by_target = None
