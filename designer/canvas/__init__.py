"""The canvas: a QGraphicsScene of node cards and wires over the core graph, and its view.

- ``scene.GraphScene``: observes the graph and the analysis, owns the items.
- ``node_item.NodeItem`` / ``ports.PortItem`` / ``wire_item.WireItem``: what is drawn.
- ``view.GraphView``: zoom, pan, fit, palette drops.
"""

from designer.canvas.scene import GraphScene
from designer.canvas.view import LAYER_MIME, GraphView

__all__ = ["GraphScene", "GraphView", "LAYER_MIME"]
