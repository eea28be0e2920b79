"""A line at the canvas's bottom edge while part of the network lies outside the view.

An opened project is never shown smaller than a readable zoom, so a long network (a ResNet,
a Transformer) opens with cards past the edge; the canvas has no scroll bars (it pans), so
without this nothing says there is more. The line says where the rest is and how to reach
it, and goes once every card is in view.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtWidgets import QGraphicsView, QLabel

#: Cards within this many scene pixels of the edge count as seen.
SLACK = 8.0
#: The label's padding and border on each side (layerforge.qss, ``QLabel#offViewHint``).
FRAME = 9


def off_view_sides(bounds: QRectF, seen: QRectF) -> list[str]:
    """The sides of ``seen`` (the visible scene rectangle) that ``bounds`` (the network's)
    extends past, as words: ``left``, ``right``, ``above``, ``below``."""
    if bounds.isEmpty():
        return []
    sides = [("left", bounds.left() < seen.left() - SLACK), ("right", bounds.right() > seen.right() + SLACK),
             ("above", bounds.top() < seen.top() - SLACK), ("below", bounds.bottom() > seen.bottom() + SLACK)]
    return [word for word, past in sides if past]


def hint_text(sides: list[str]) -> str:
    where = " and ".join(f"to the {s}" if s in ("left", "right") else s for s in sides)
    return f"More of the network is {where}: press F to see all of it, or pan with Space+drag or the middle button"


class OffViewHint(QLabel):
    """The hint, a child of ``view``'s viewport; it checks again shortly after the view
    scrolls, zooms, fits or resizes (one check for a burst). Not on every scene change:
    a slot on ``QGraphicsScene.changed`` makes the scene report every repaint's regions,
    which a 300-card graph pays for at each mouse move of a dragged card."""

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view.viewport())
        self.view = view
        self.setObjectName("offViewHint")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self.check)
        for bar in (view.horizontalScrollBar(), view.verticalScrollBar()):
            bar.valueChanged.connect(self.schedule)

    def schedule(self, *_args) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def check(self) -> None:
        view = self.view
        seen = view.mapToScene(view.viewport().rect()).boundingRect()
        sides = off_view_sides(view.graph_scene.graph_bounds(), seen)
        if not sides:
            self.hide()
            return
        text = hint_text(sides)
        self.setText(text)
        room = max(120, view.viewport().width() - 24)
        needed = self.fontMetrics().horizontalAdvance(text) + 2 * FRAME + 6  # 6: rounding
        self.setWordWrap(needed > room)  # one line when it fits, wrapped in the room there is
        self.setFixedWidth(min(needed, room))
        self.setFixedHeight(self.heightForWidth(self.width()) if needed > room else self.sizeHint().height())
        self.move(12, view.viewport().height() - self.height() - 10)
        self.show()
        self.raise_()
