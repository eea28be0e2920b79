"""A panel in a scroll area, so that its minimum size does not become the window's."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


def scrolling(widget: QWidget, sideways: bool = True) -> QScrollArea:
    """``widget`` in a frameless scroll area that fills it out when there is room.

    Docks take their content's minimum size as their own, and a row of buttons above a
    plot makes that wider than a small screen; scrolling lets the window shrink anyway.
    ``sideways=False`` scrolls only up and down and keeps the widget's minimum width
    (a narrow form cut off at the side is worse than a wider dock); its wrapped texts
    take the height they need at that width. A panel that scrolls both ways (plots, tables)
    fills the area exactly and scrolls only below its minimum size.
    """
    area = QScrollArea()
    if not sideways:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setMinimumWidth(widget.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width())
    area.setObjectName(f"{widget.objectName()}Scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(widget if not sideways else Filling(widget))
    return area


class Filling(QWidget):
    """Holds one panel at its own size, and tells the scroll area nothing of height for width.

    A scroll area makes a widget whose layout has a height for its width (any word-wrapped
    label in it) as tall as that height, which a layout sums from its children's preferred
    heights: the plots panel came out taller than its dock, with its bottom (a confusion
    matrix's class names) hidden under the dock's tabs. Without a layout of its own this
    holder reports only the panel's minimum and preferred sizes.
    """

    def __init__(self, panel: QWidget) -> None:
        super().__init__()
        self.panel = panel
        self.setObjectName(f"{panel.objectName()}Filling")
        panel.setParent(self)
        panel.installEventFilter(self)

    def minimumSizeHint(self):
        return self.panel.minimumSizeHint()

    def sizeHint(self):
        return self.panel.sizeHint()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.panel.setGeometry(self.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.panel and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the panel's minimum size may have changed: the area re-checks
        return False
