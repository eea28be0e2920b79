"""A dock's content that is made the first time its dock comes to the front or it is asked for.

The training plots and the run history are pyqtgraph widgets: importing pyqtgraph and
making two dozen plots costs most of a second, and at start-up both docks sit behind
the Problems tab. A :class:`LazyPanel` stands in for such a widget until someone looks.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDockWidget, QVBoxLayout, QWidget


class LazyPanel(QWidget):
    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._widget: QWidget | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._widget is not None

    def widget(self) -> QWidget:
        """The content, made now if it was not yet."""
        if self._widget is None:
            self._widget = self._factory()
            self.layout().addWidget(self._widget)
            self._widget.show()  # a child added to a shown parent is otherwise shown a turn later
        return self._widget

    def make_when_shown(self, dock: QDockWidget) -> None:
        """Make the content when ``dock`` comes to the front. (A dock behind another one's
        tab still counts as visible to Qt, so the panel's own show event cannot tell.)
        Checked on the next turn, as the window shows each dock for a moment while it adds
        and tabs it."""
        dock.visibilityChanged.connect(
            lambda visible: visible and QTimer.singleShot(0, self, lambda: self._make_if_shown(dock)))

    def _make_if_shown(self, dock: QDockWidget) -> None:
        if dock.isVisible() and not dock.visibleRegion().isEmpty():
            self.widget()
