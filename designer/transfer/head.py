"""Replace the Head: the selected layers after the backbone become a new classifier.

The plan (what goes, where the new Output attaches) is core's
(:func:`core.transfer.head_replacement`); the editor carries it out as one undo step:
delete the old head, add a Flatten when the backbone's output is not flat, and a new
Output that takes its size from the current data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import GraphError
from core.transfer import head_replacement

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services


def replace_head(services: "Services") -> list[str]:
    """Replace the selected head; returns the new node ids (empty when refused, with the
    reason in the status bar)."""
    analysis = services.analysis.analysis
    try:
        plan = head_replacement(services.project().graph, services.scene.selected_node_ids(),
                                lambda node_id: analysis.shape_of(node_id) if analysis else None)
    except GraphError as err:
        services.status_bar.showMessage(f"Cannot replace the head: {err}", 8000)
        return []
    added = services.editor.replace_head(plan)
    services.scene.select_nodes(added)
    services.status_bar.showMessage(
        f"New head '{added[-1]}' after '{plan.attach_to}': it starts fresh and sizes itself to the"
        " data", 8000)
    return added
