"""Undoable edits of groups of layers (:mod:`core.groups`): group, ungroup, collapse, expand.

Each is one undo step: a macro of :class:`designer.commands.SetExtra` on the members'
``group`` key, so undo restores the file exactly. Expanding a group whose cards would lie
on other cards also lays the canvas out again (collapsed groups stay one card), in the
same undo step.
"""

from __future__ import annotations

from typing import Iterable

from core import groups as model
from designer import commands
from designer.editor import GraphEditor
from designer.layout import LayoutStyle

STYLE = LayoutStyle()


class GroupEditor:
    """Group edits on the editor's graph and undo stack; refusals go to ``editor.refused``."""

    def __init__(self, editor: GraphEditor) -> None:
        self.editor = editor

    @property
    def graph(self):
        return self.editor.graph

    def _refuse(self, reason: str) -> str:
        self.editor.refused.emit(reason[:1].upper() + reason[1:])
        return reason

    def _set(self, text: str, values: dict[str, object]) -> None:
        stack, graph = self.editor.undo_stack, self.graph
        stack.beginMacro(text)
        try:
            for node_id, value in values.items():
                stack.push(commands.SetExtra(graph, node_id, model.GROUP_KEY, value, text))
        finally:
            stack.endMacro()

    def group(self, node_ids: Iterable[str], name: str) -> str | None:
        """Make ``node_ids`` the open group ``name``; the reason when refused."""
        ids = [n for n in dict.fromkeys(node_ids) if n in self.graph]
        name = name.strip()
        problem = model.grouping_problem(self.graph, ids, name)
        if problem:
            return self._refuse(problem)
        self._set(f"Group {len(ids)} layers as '{name}'",
                  {n: model.member_value(name, False) for n in ids})
        return None

    def ungroup(self, names: Iterable[str]) -> list[str]:
        """Remove the groups ``names`` (their layers stay); returns the names removed."""
        chosen = [g for g in model.groups(self.graph) if g.name in set(names)]
        if not chosen:
            return []
        text = f"Ungroup '{chosen[0].name}'" if len(chosen) == 1 else f"Ungroup {len(chosen)} groups"
        self._set(text, {m: None for g in chosen for m in g.members})
        return [g.name for g in chosen]

    def set_collapsed(self, names: Iterable[str], collapsed: bool) -> list[str]:
        """Collapse or expand the groups ``names``; returns the names that changed."""
        chosen = [g for g in model.groups(self.graph) if g.name in set(names) and g.collapsed != collapsed]
        if not chosen:
            return []
        verb = "Collapse" if collapsed else "Expand"
        text = f"{verb} '{chosen[0].name}'" if len(chosen) == 1 else f"{verb} {len(chosen)} groups"
        stack = self.editor.undo_stack
        stack.beginMacro(text)
        try:
            self._set(text, {m: model.member_value(g.name, collapsed) for g in chosen for m in g.members})
            if not collapsed and any(model.covers_others(self.graph, g.name, STYLE.node_width,
                                                         STYLE.node_height) for g in chosen):
                self.editor.auto_layout()
        finally:
            stack.endMacro()
        return [g.name for g in chosen]

    def toggle(self, name: str) -> None:
        group = model.group_named(self.graph, name)
        if group is not None:
            self.set_collapsed([name], not group.collapsed)

    def groups_of(self, node_ids: Iterable[str]) -> list[str]:
        """The names of the groups the nodes belong to, in graph order."""
        ids = set(node_ids)
        return [g.name for g in model.groups(self.graph) if ids & set(g.members)]
