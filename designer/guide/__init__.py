"""The guide: a page for every layer, activation, loss and training topic, opened from where
a person is stuck.

:func:`install` (called by ``designer/help.py`` when the window is built) returns a
:class:`GuideHelp` that opens the one :class:`~designer.guide.window.GuideWindow`:

- F1 (``QKeySequence.HelpContents``): the palette's current layer when the palette has
  the focus, the inspector's layer when it has, else the one selected layer, else the
  index;
- the palette's context menu and the inspector's "?" button;
- Help ▸ Guide Index (search every page).

Pages come from ``core.guide_texts``; plots from ``core.curves`` (numpy only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:  # pragma: no cover
    from designer.guide.window import GuideWindow
    from designer.main_window import MainWindow


class GuideHelp(QObject):
    """Opens guide pages for ``window``; owns the Help menu's guide actions."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self._guide: GuideWindow | None = None
        self.context_action = QAction("&Guide for the Selection", window)
        self.context_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents)
                                         or [QKeySequence("F1")])
        self.context_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.context_action.setStatusTip("What the selected layer (or the palette's current one) computes")
        self.context_action.triggered.connect(lambda _checked=False: self.help_for_focus())
        self.index_action = QAction("Guide &Index…", window)
        self.index_action.setStatusTip("Search the guide: every layer, activation, loss and training setting")
        self.index_action.triggered.connect(lambda _checked=False: self.guide.open_index())
        window.palette.help_requested.connect(self.open)
        window.inspector.help_requested.connect(self.open_node)

    @property
    def guide(self) -> "GuideWindow":
        if self._guide is None:
            from designer.guide.window import GuideWindow

            self._guide = GuideWindow(self.window)
            self._guide.example_requested.connect(self.open_example)
        return self._guide

    def is_open(self) -> bool:
        return self._guide is not None and self._guide.isVisible()

    def open(self, key: str, params: dict[str, Any] | None = None) -> None:
        self.guide.open_topic(key, params)

    def open_example(self, stem: str) -> bool:
        """Open the shipped example ``stem`` (a concept page's link) as a new copy, ready to train."""
        from core.resources import examples_dir
        from designer.welcome import open_choice

        opened = open_choice(self.window, str(examples_dir() / f"{stem}.lfproj"))
        if opened:
            self.window.raise_()
            self.window.activateWindow()
        return opened

    def open_node(self, node_id: str) -> None:
        """The page of a node's layer type, its plot drawn with the node's parameters."""
        graph = self.window.project.graph
        if node_id in graph:
            node = graph.nodes[node_id]
            self.open(node.type, dict(node.params) or None)

    def help_for_focus(self) -> None:
        """F1: the layer the person is looking at (see the module docstring)."""
        window = self.window
        focus = QApplication.focusWidget()
        if focus is not None and window.palette.isAncestorOf(focus):
            type_name = window.palette.current_type()
            if type_name:
                self.open(type_name)
                return
        if focus is not None and window.inspector.isAncestorOf(focus) and window.inspector.node_id:
            self.open_node(window.inspector.node_id)
            return
        selected = window.scene.selected_node_ids()
        if len(selected) == 1:
            self.open_node(selected[0])
            return
        self.guide.open_index()


def install(window: "MainWindow") -> GuideHelp:
    return GuideHelp(window)
