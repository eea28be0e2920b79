"""What the main window hands to each extension installer: typed references, not the window.

An installer listed in ``designer.main_window.EXTENSIONS`` is called as ``install(services)``
with one :class:`Services`, built once by the window after its own parts
(``designer.window_parts.window_services``). Everything an extension reads comes from here
as a typed attribute, so nothing probes the window with ``getattr``/``hasattr``;
``services.window`` is only the Qt parent for actions, dialogs and docks.

What one extension offers another goes through the registry, keyed by a ``Protocol`` of
this module: the training installer calls ``services.provide(TrainingApi, controller)``,
and step-through, experiments, export and status read ``services.provided(TrainingApi)``
(``None`` while it is not installed). A part that does not run inside the full window (a
test on a bare ``QMainWindow``) gets a ``Services(window=..., project=...)`` with only
what it needs: the optional attributes default to ``None``, ``menu``/``add_dock`` to
plain ones on that window and ``set_activity`` to doing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol, TypeVar, runtime_checkable

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDialog, QDockWidget, QMainWindow, QMenu, QStatusBar, QWidget

if TYPE_CHECKING:  # pragma: no cover
    from core.project import Project
    from designer.analysis import AnalysisService
    from designer.canvas import GraphScene, GraphView
    from designer.editor import GraphEditor
    from designer.files import FileActions
    from designer.inspector import Inspector
    from designer.problems import ProblemsPanel
    from designer.training.panel import TrainingPanel
    from designer.training.session import TrainingSession

__all__ = ["ExplainApi", "Services", "TrainingApi"]

Api = TypeVar("Api")


@runtime_checkable
class TrainingApi(Protocol):
    """What the training part (``designer.training``) offers the other extensions."""

    session: "TrainingSession"  # state_changed, started, progressed: status bar, Problems hints
    panel: "TrainingPanel"  # panel.form.rows: experiments adds "Vary this in a sweep"
    plots_dock: QDockWidget  # step-through tabs its dock with it
    devices: list  # the devices known so far, for the status bar
    device_finder: Any  # ``found`` signal with the devices, for the status bar

    def runs_folder(self) -> Path | None:
        """Where the current project's runs are."""

    def selected_run_dirs(self) -> list[Path]:
        """The run folders selected in the Runs panel (none while it was never shown)."""


@runtime_checkable
class ExplainApi(Protocol):
    """What the explain part offers: open the Explain window on a run and a sample."""

    def __call__(self, run_dir: Path | None = None, sample: str | None = None) -> QDialog:
        """Open the Explain window (``run_dir``, ``sample``: what to show first)."""


def _no_activity(_text: str | None) -> None:
    """``set_activity`` of a window without a status bar's activity label."""


@dataclass
class Services:
    """Typed references to the window's parts, for extensions (see the module docstring)."""

    window: QMainWindow  # the parent of actions, dialogs and docks
    project: Callable[[], "Project | None"]  # the current project (it is replaced, never mutated)
    project_replaced: SignalInstance | None = None  # emitted with the new project (New, Open)
    undo_stack: QUndoStack | None = None  # every project change is a command pushed here
    analysis: "AnalysisService | None" = None  # data_info, blocking_problem(), data/analysis_changed
    editor: "GraphEditor | None" = None
    scene: "GraphScene | None" = None
    view: "GraphView | None" = None
    files: "FileActions | None" = None  # open/save, confirm_discard()
    inspector: "Inspector | None" = None
    problems: "ProblemsPanel | None" = None
    set_activity: Callable[[str | None], None] = _no_activity  # the status bar's "what it does"
    menu: Callable[[str], QMenu] | None = None  # the top-level menu by title, made if new
    add_dock: Callable[..., QDockWidget] | None = None  # (widget, area, title, tabify_with=)
    drop_handlers: list = field(default_factory=list)  # called with dropped paths until one is True
    _provided: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.menu is None:
            self.menu = self._plain_menu
        if self.add_dock is None:
            self.add_dock = self._plain_add_dock

    # ------------------------------------------------------------------ what extensions offer
    def provide(self, api: type[Api], part: Api) -> None:
        """Offer ``part`` to the other extensions as ``api`` (a Protocol of this module)."""
        if isinstance(api, type) and getattr(api, "_is_runtime_protocol", False) and not isinstance(part, api):
            raise TypeError(f"{type(part).__name__} does not have what {api.__name__} promises")
        self._provided[api] = part

    def provided(self, api: type[Api]) -> Api | None:
        """The part offered as ``api``, or ``None`` when no installed extension offers it."""
        return self._provided.get(api)

    # ------------------------------------------------------------------ shared helpers
    @property
    def status_bar(self) -> QStatusBar:
        return self.window.statusBar()

    def run_context(self) -> dict:
        """Where the current project's runs are and which run to show first (the one selected
        in the Runs panel); empty without the training part."""
        training = self.provided(TrainingApi)
        if training is None:
            return {}
        context: dict = {"runs_folder": training.runs_folder()}
        selected = training.selected_run_dirs()
        if selected:
            context["run_dir"] = selected[0]
        return context

    # ------------------------------------------------------------------ a bare window's defaults
    def _plain_menu(self, title: str) -> QMenu:
        key = title.replace("&", "")
        for action in self.window.menuBar().actions():
            if action.menu() is not None and action.menu().title().replace("&", "") == key:
                return action.menu()
        return self.window.menuBar().addMenu(title if "&" in title else f"&{title}")

    def _plain_add_dock(self, widget: QWidget, area, title: str | None = None,
                        tabify_with: QDockWidget | None = None) -> QDockWidget:
        dock = QDockWidget(title or widget.windowTitle(), self.window)
        dock.setObjectName("dock" + (title or "").replace(" ", ""))
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        if tabify_with is not None:
            self.window.tabifyDockWidget(tabify_with, dock)
        return dock
