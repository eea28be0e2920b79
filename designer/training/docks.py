"""Where training shows in the window: the Train menu, its toolbar and three docks.

"Training" (the panel: buttons, progress, the form) is tabbed with the Inspector on the
right; "Training plots" and "Runs" are tabbed with the Problems panel at the bottom. The
menu and docks come from ``services.menu()``/``services.add_dock()`` (plain ones on a
bare ``QMainWindow``, as some tests use: ``designer/services.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from designer.scrolling import scrolling

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

#: The share of the window's height the plots take when a run starts.
PLOTS_HEIGHT = 0.55


class TrainingDocks:
    def __init__(self, services: "Services", actions, panel: QWidget, plots: QWidget, history: QWidget) -> None:
        self.services = services
        self.window = window = services.window
        menu = services.menu("Train")
        menu.addActions(actions.run_actions)
        menu.addSeparator()
        menu.addAction(actions.continue_action)
        self.menu = menu
        self.toolbar = window.addToolBar("Training")
        self.toolbar.setObjectName("trainingToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)  # icons alone were missed
        self.toolbar.addActions(actions.run_actions)
        right = dock_of(services.inspector)
        bottom = dock_of(services.problems)
        self.panel_dock = self._add(panel, Qt.DockWidgetArea.RightDockWidgetArea, "Training", right)
        self.plots_dock = self._add(plots, Qt.DockWidgetArea.BottomDockWidgetArea, "Training plots", bottom)
        self.history_dock = self._add(history, Qt.DockWidgetArea.BottomDockWidgetArea, "Runs", self.plots_dock)
        for front in (right, bottom):  # the window's own panels stay in front of their tabs
            if front is not None:
                front.raise_()
        menu.addSeparator()
        for dock in (self.panel_dock, self.plots_dock, self.history_dock):
            menu.addAction(dock.toggleViewAction())

    def _add(self, widget: QWidget, area, title: str, tabify_with: QDockWidget | None) -> QDockWidget:
        widget = scrolling(widget, sideways=area != Qt.DockWidgetArea.RightDockWidgetArea)
        return self.services.add_dock(widget, area, title, tabify_with=tabify_with)

    def show_plots(self) -> None:
        """Bring the plots and the panel to the front, the plots at least half the window's height."""
        for dock in (self.plots_dock, self.panel_dock):
            dock.show()
            dock.raise_()
        if self.plots_dock.height() < self.window.height() * 0.5:
            self.window.resizeDocks([self.plots_dock], [int(self.window.height() * PLOTS_HEIGHT)],
                                    Qt.Orientation.Vertical)


def dock_of(widget: QWidget | None) -> QDockWidget | None:
    """The dock a panel sits in (to tabify ours with it)."""
    parent = widget.parentWidget() if widget is not None else None
    while parent is not None and not isinstance(parent, QDockWidget):
        parent = parent.parentWidget()
    return parent
