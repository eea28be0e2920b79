"""Guards the PySide6 version pin in pyproject.toml.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call into a
Python subclass of QGraphicsItem (moving it, adding it to a scene, ...). ``None`` is
mortal before Python 3.12, so the designer (and every pyqtgraph plot) would abort
with "deallocating None" after a few thousand canvas operations.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene


class _Card(QGraphicsItem):
    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, 10, 10)

    def paint(self, painter, option, widget=None) -> None:
        pass


def test_graphics_item_calls_keep_their_references_to_none(qapp):
    scene = QGraphicsScene()
    items = [_Card() for _ in range(200)]
    before = sys.getrefcount(None)
    for item in items:
        scene.addItem(item)
    for step in range(5):
        for item in items:
            item.setPos(QPointF(step, step))
    for item in items:
        scene.removeItem(item)
    assert sys.getrefcount(None) - before > -100, "this PySide6 build leaks references to None"
