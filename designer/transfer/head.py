"""Replace the Head: the selected layers after the backbone become a new classifier.

The plan (what goes, where the new Output attaches) is core's
(:func:`core.transfer.head_replacement`); the editor carries it out as one undo step:
delete the old head, add a Flatten when the backbone's output is not flat, and a new
Output that takes its size from the current data.
"""

from __future__ import annotations

from core.errors import GraphError
from core.transfer import head_replacement


def replace_head(window) -> list[str]:
    """Replace the selected head; returns the new node ids (empty when refused, with the
    reason in the status bar)."""
    analysis = window.analysis.analysis
    try:
        plan = head_replacement(window.project.graph, window.scene.selected_node_ids(),
                                lambda node_id: analysis.shape_of(node_id) if analysis else None)
    except GraphError as err:
        window.statusBar().showMessage(f"Cannot replace the head: {err}", 8000)
        return []
    added = window.editor.replace_head(plan)
    window.scene.select_nodes(added)
    window.statusBar().showMessage(
        f"New head '{added[-1]}' after '{plan.attach_to}': it starts fresh and sizes itself to the"
        " data", 8000)
    return added
