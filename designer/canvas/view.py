"""The canvas widget: zoom, pan, fit, and dropping layers from the palette.

Wheel zooms around the cursor; the middle button, or Space held with the left
button, pans; a left drag on empty canvas draws a rubber band. Dropping a palette
item adds that layer where it was dropped. Dropping files emits ``files_dropped``
(the window opens ``.lfproj`` files and ignores the rest for now).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QKeyEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsView, QMenu

from designer.canvas.node_item import HEIGHT, WIDTH
from designer.canvas.off_view_hint import OffViewHint
from designer.canvas.scene import GraphScene
from designer.style import Colors, ui_font

#: MIME type of a palette drag: the layer type name as UTF-8.
LAYER_MIME = "application/x-layerforge-layer"
MIN_SCALE, MAX_SCALE = 0.04, 3.0
#: An opened project is never shown smaller than this: its cards' text stays readable.
READABLE_SCALE = 0.8


class GraphView(QGraphicsView):
    files_dropped = Signal(list)  # list[str] of local paths
    layer_dropped = Signal(str)  # the new node's id

    def __init__(self, scene: GraphScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.setObjectName("canvas")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        # The grid is drawn once into a picture the view keeps (redrawn where a scroll or zoom
        # shows new parts, and after a theme change: repaint_for_theme): drawn for each move of
        # a card, its lines were a fifth of the move's time on a large graph (issue 16).
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPoint | None = None
        self._space_held = False
        #: What a right-click offers (None: a separator); extensions add their actions.
        self.context_actions: list = []
        #: The line that says part of the network is outside the view.
        self.off_view_hint = OffViewHint(self)

    @property
    def graph_scene(self) -> GraphScene:
        return self.scene()

    # ------------------------------------------------------------------ zoom and fit
    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        current = self.transform().m11()
        factor = max(MIN_SCALE / current, min(MAX_SCALE / current, factor))
        if anchor is None:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(factor, factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)

    def reset_zoom(self) -> None:
        center = self.mapToScene(self.viewport().rect().center())
        self.resetTransform()
        self.centerOn(center)

    def fit_graph(self, min_scale: float = MIN_SCALE) -> None:
        """Show every card (F); never magnified beyond 100 %, nor shrunk below ``min_scale``
        (an opened project: :data:`READABLE_SCALE`). A graph that does not fit then shows
        from its start (top left) and the rest is a scroll or a pan away."""
        self.off_view_hint.schedule()  # says so when the rest is out of view
        bounds = self.graph_scene.graph_bounds()
        if bounds.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
            return
        bounds = bounds.adjusted(-40, -40, 40, 40)
        self.fitInView(bounds, Qt.AspectRatioMode.KeepAspectRatio)
        scale = self.transform().m11()
        if min_scale <= scale <= 1.0:
            self.centerOn(bounds.center())
            return
        scale = min(1.0, max(scale, min_scale))
        self.resetTransform()
        self.scale(scale, scale)
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        self.centerOn(bounds.left() + min(bounds.width(), seen.width()) / 2,
                      bounds.top() + min(bounds.height(), seen.height()) / 2)

    def center_on_node(self, node_id: str) -> None:
        item = self.graph_scene.nodes.get(node_id)
        item = getattr(item, "collapsed_into", None) or item  # hidden in a collapsed group
        if item is not None:
            if self.transform().m11() < 0.6:
                self.resetTransform()
                self.scale(0.8, 0.8)
            self.centerOn(item.sceneBoundingRect().center())

    def visible_center(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            super().wheelEvent(event)  # horizontal scroll, Qt's default
            return
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta, event.position().toPoint())
        event.accept()

    # ------------------------------------------------------------------ panning
    def mousePressEvent(self, event: QMouseEvent) -> None:
        panning = (event.button() == Qt.MouseButton.MiddleButton
                   or (event.button() == Qt.MouseButton.LeftButton and self._space_held))
        if panning:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space_held
                                      else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.graph_scene.cancel_wire_drag()
            self.graph_scene.clearSelection()
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------------ drops
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(LAYER_MIME) or _project_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    dragMoveEvent = dragEnterEvent

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME):
            type_name = bytes(mime.data(LAYER_MIME)).decode("utf-8")
            point = self.mapToScene(event.position().toPoint())
            node_id = self.graph_scene.editor.add_layer(
                type_name, (round(point.x() - WIDTH / 2, 1), round(point.y() - HEIGHT / 2, 1)))
            self.graph_scene.select_nodes([node_id])
            self.setFocus()
            self.layer_dropped.emit(node_id)
            event.acceptProposedAction()
            return
        paths = _project_paths(mime)
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
            return
        event.ignore()

    def contextMenuEvent(self, event) -> None:
        """Right-click: the canvas actions extensions put in :attr:`context_actions`, for the
        card under the mouse (selected first when it was not) or the selection."""
        if not self.context_actions:
            return
        item = self.itemAt(event.pos())
        while item is not None and item.parentItem() is not None:
            item = item.parentItem()
        node_id = getattr(item, "node_id", None)
        scene = self.graph_scene
        if hasattr(item, "select_for_menu"):  # a group's frame or collapsed card
            item.select_for_menu()
        elif node_id is not None and node_id not in scene.selected_node_ids():
            scene.select_nodes([node_id])
        menu = QMenu(self)
        for action in self.context_actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.exec(event.globalPos())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.off_view_hint.schedule()

    def scale(self, sx: float, sy: float) -> None:  # zoom: the hint checks what is in view
        super().scale(sx, sy)
        self.off_view_hint.schedule()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if not self.graph_scene.nodes:
            self._draw_empty_hint(painter)

    def _draw_empty_hint(self, painter: QPainter) -> None:
        painter.save()
        painter.resetTransform()
        painter.setFont(ui_font(11.0))
        painter.setPen(QColor(Colors.text_dim))
        text = ("Drag layers here from the palette on the left,\n"
                "or double-click one to add it.\n\n"
                "File ▸ New shows example networks to start from.")
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


def _project_paths(mime) -> list[str]:
    """Local files among the dropped URLs (the window decides which it can open)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
