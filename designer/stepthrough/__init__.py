"""Train ▸ Step Through…: backpropagation and gradient descent with the real numbers.

``install(window)`` adds the action to the Train menu. It opens the Step Through panel (a
dock under the canvas, tabbed with the training plots when they exist): pick a training
sample, press Start, and walk the forward pass, the loss, the backward pass and the weight
update with Previous/Next while the canvas selects and labels each step's node. The numbers
come from ``core.stepthrough``, computed in a worker thread. Small networks only
(``core.stepthrough.PARAMETER_LIMIT`` weights); a larger one gets one sentence.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from designer.stepthrough.panel import StepThroughPanel

__all__ = ["StepThroughPanel", "install", "open_step_through"]


class StepThrough:
    """What ``install`` returns: the action, and the panel once it was first opened."""

    def __init__(self, window) -> None:
        self.window = window
        self.panel: StepThroughPanel | None = None
        self.dock = None
        self.action = QAction("Step &Through…", window)
        self.action.setObjectName("actionStepThrough")
        self.action.setStatusTip("Follow one training sample through the network: forward, loss,"
                                 " backward and the weight update, with the real numbers")
        self.action.triggered.connect(lambda _checked=False: self.open())

    def open(self) -> StepThroughPanel:
        """Show the panel (made on first use) and bring it to the front."""
        if self.panel is None:
            window = self.window
            self.panel = StepThroughPanel(window)
            plots = _training_plots_dock(window)
            self.dock = window.add_dock(self.panel, Qt.DockWidgetArea.BottomDockWidgetArea, "Step Through",
                                        tabify_with=plots)
        self.dock.show()
        self.dock.raise_()
        return self.panel


def _training_plots_dock(window):
    training = getattr(window, "extensions", {}).get("designer.training:install")
    dock = getattr(training, "plots_dock", None)
    return dock if dock is not None and dock.isVisible() else None


def install(window) -> StepThrough:
    """Add Train ▸ Step Through… to ``window``."""
    step = StepThrough(window)
    window.menu("Train").addAction(step.action)
    return step


def open_step_through(window) -> StepThroughPanel:
    """The Step Through panel of ``window``, shown (the installed one when there is one)."""
    installed = getattr(window, "extensions", {}).get("designer.stepthrough:install")
    if installed is None:
        installed = StepThrough(window)
    return installed.open()
