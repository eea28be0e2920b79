"""A panel in a scroll area, so that its minimum size does not become the window's."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


def scrolling(widget: QWidget, sideways: bool = True) -> QScrollArea:
    """``widget`` in a frameless scroll area that fills it out when there is room.

    Docks take their content's minimum size as their own, and a row of buttons above a
    plot makes that wider than a small screen; scrolling lets the window shrink anyway.
    ``sideways=False`` scrolls only up and down and keeps the widget's minimum width
    (a narrow form cut off at the side is worse than a wider dock).
    """
    area = QScrollArea()
    if not sideways:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setMinimumWidth(widget.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width())
    area.setObjectName(f"{widget.objectName()}Scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area
