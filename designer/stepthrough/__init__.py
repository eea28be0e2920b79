"""Train ▸ Step Through…: backpropagation and gradient descent with the real numbers.

``install(services)`` adds the action to the Train menu. It opens the Step Through panel (a
dock under the canvas, tabbed with the training plots when they exist): pick a training
sample, press Start, and walk the forward pass, the loss, the backward pass and the weight
update with Previous/Next while the canvas selects and labels each step's node. The numbers
come from ``core.stepthrough``, computed in a worker thread. Small networks only
(``core.stepthrough.PARAMETER_LIMIT`` weights); a larger one gets one sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from designer.services import TrainingApi
from designer.stepthrough.panel import StepThroughPanel

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

__all__ = ["StepThroughPanel", "install", "open_step_through"]

#: The least share of the window's height the panel gets when it opens (a step's text and
#: its table of numbers; the bottom panels' own height is about a fifth).
PANEL_HEIGHT = 0.4


class StepThrough:
    """What ``install`` returns: the action, and the panel once it was first opened."""

    def __init__(self, services: "Services") -> None:
        self.services = services
        self.panel: StepThroughPanel | None = None
        self.dock = None
        self.action = QAction("Step &Through…", services.window)
        self.action.setObjectName("actionStepThrough")
        self.action.setStatusTip("Follow one training sample through the network: forward, loss,"
                                 " backward and the weight update, with the real numbers")
        self.action.triggered.connect(lambda _checked=False: self.open())

    def open(self) -> StepThroughPanel:
        """Show the panel (made on first use) and bring it to the front."""
        if self.panel is None:
            self.panel = StepThroughPanel(self.services)
            plots = _training_plots_dock(self.services)
            self.dock = self.services.add_dock(self.panel, Qt.DockWidgetArea.BottomDockWidgetArea, "Step Through",
                                        tabify_with=plots)
        self.dock.show()
        self.dock.raise_()
        window = self.services.window
        if self.dock.height() < window.height() * PANEL_HEIGHT:  # room for a step's text and numbers
            window.resizeDocks([self.dock], [int(window.height() * PANEL_HEIGHT)], Qt.Orientation.Vertical)
        return self.panel


def _training_plots_dock(services: "Services"):
    """The training plots' dock, to tab with, when the training part is in and it shows."""
    training = services.provided(TrainingApi)
    dock = training.plots_dock if training is not None else None
    return dock if dock is not None and dock.isVisible() else None


def install(services: "Services") -> StepThrough:
    """Add Train ▸ Step Through… to the window."""
    step = StepThrough(services)
    services.menu("Train").addAction(step.action)
    services.provide(StepThrough, step)
    return step


def open_step_through(services: "Services") -> StepThroughPanel:
    """The Step Through panel, shown (the installed one when there is one)."""
    installed = services.provided(StepThrough)
    if installed is None:
        installed = StepThrough(services)
    return installed.open()
