"""The Experiments dock: hyperparameter and architecture sweeps (``core.sweep``) in the designer.

``install(services)`` adds the dock (tabbed with the Runs panel), its toggle in the Train
menu and View ▸ Panels, and "Vary this in a sweep" to the context menu of the
Inspector's parameters and the training form's fields. The panel's content is made the
first time the dock comes to the front (it imports pyqtgraph and Optuna).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from designer.lazy_panel import LazyPanel
from designer.scrolling import scrolling
from designer.services import TrainingApi

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

__all__ = ["ExperimentsController", "install"]

#: Parameter kinds a sweep can vary (numbers, choices, switches).
VARIED_KINDS = ("int", "float", "choice", "bool", "int_or_pair", "float_or_pair")
#: The share of the window's height the dock takes when it comes to the front.
ROOM = 0.45


class ExperimentsController(QObject):
    def __init__(self, services: "Services") -> None:
        super().__init__(services.window)
        self.services = services
        self.window = window = services.window
        self.lazy = LazyPanel(self._make_panel)
        runs = window.findChild(QDockWidget, "dockRuns")
        problems = window.findChild(QDockWidget, "dockProblems")
        self.dock = services.add_dock(scrolling(self.lazy), Qt.DockWidgetArea.BottomDockWidgetArea,
                                    "Experiments", tabify_with=runs or problems)
        if problems is not None:
            problems.raise_()  # the window's own panel stays in front at start-up
        self.lazy.make_when_shown(self.dock)
        self.dock.visibilityChanged.connect(self._make_room)
        self.action = self.dock.toggleViewAction()
        self.action.setText("&Experiments (sweeps)")
        self.action.setObjectName("actionExperiments")
        self.action.setStatusTip("Sweeps: try many settings and layer sizes, compare the trials, keep the best")
        menu = services.menu("Train")
        menu.addSeparator()
        menu.addAction(self.action)
        if services.inspector is not None:
            services.inspector.param_row_hooks.append(self._on_inspector_row)
        self._hook_training_form()
        services.project_replaced.connect(self._on_project_replaced)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def panel(self):
        """The panel (made now if it was not yet)."""
        return self.lazy.widget()

    def _make_panel(self):
        from designer.experiments.panel import ExperimentsPanel

        panel = ExperimentsPanel(self.services)
        panel.set_project(self.services.project())
        return panel

    def _on_project_replaced(self, project) -> None:
        if self.lazy.built:
            self.panel.set_project(project)

    def show(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel  # noqa: B018 - made now, so that it shows the project at once
        self._make_room(True)

    def _make_room(self, visible: bool) -> None:
        """Give the dock room for its form, table and plots when it comes to the front
        (the bottom area starts as tall as the Problems list needs)."""
        if not visible:
            return
        wanted = int(self.window.height() * ROOM)
        if self.dock.height() < wanted * 0.8:
            self.window.resizeDocks([self.dock], [wanted], Qt.Orientation.Vertical)

    def shutdown(self) -> None:
        if self.lazy.built:
            self.panel.shutdown()

    # ------------------------------------------------------------------ "Vary this in a sweep"
    def vary(self, name: str) -> None:
        """Add ``name`` to the project's sweep with a range around its current value."""
        from core.sweep.space import default_range
        from designer.experiments.commands import SetSweep
        from designer.experiments.form import default_section

        project = self.services.project()
        section = copy.deepcopy(project.sweep) if project.sweep else default_section()
        section.setdefault("parameters", {})[name] = default_range(project, name)
        self.services.undo_stack.push(SetSweep(project, section, f"Vary {name} in the sweep"))
        self.show()

    def _on_inspector_row(self, label, editor, param_name: str) -> None:
        from designer.experiments.vary import add_vary_menu

        param = getattr(editor, "param", None)
        if param is None or param.kind not in VARIED_KINDS:
            return
        inspector = self.services.inspector

        def name() -> str | None:
            return f"{inspector.node_id}.{param_name}" if inspector.node_id else None

        add_vary_menu([label, editor], name, self.vary)

    def _hook_training_form(self) -> None:
        from core.sweep.spec import training_kinds
        from designer.experiments.form import TRAINING_KEYS
        from designer.experiments.vary import add_vary_menu

        training = self.services.provided(TrainingApi)
        rows = training.panel.form.rows if training is not None else {}
        kinds = training_kinds()
        for key in TRAINING_KEYS:
            row = rows.get(key)
            if row is not None and key in kinds:
                add_vary_menu([row.label, row.editor], lambda k=key: k, self.vary)


def install(services: "Services") -> ExperimentsController:
    return ExperimentsController(services)
