"""The designer's main window: it assembles the parts and owns the current project.

Extension points for the parts that come after the canvas (data, training, export):

- ``window.project``: the current :class:`core.project.Project`; replaced (never
  mutated into another) on New/Open/restore. ``project_replaced(project)`` is
  emitted after each replacement: rebind your views to the new object then.
- ``window.undo_stack``: push a ``QUndoCommand`` for every change to the project
  (see ``designer/commands.py``); the title's ``*``, the unsaved-changes prompt and
  autosave follow the stack's clean state.
- ``window.menu("Data")`` creates or returns a top-level menu by title, keeping the
  order File, Edit, View, Data, Train, Export, Tools, Help (unknown titles go
  before Help).
- ``window.add_dock(widget_or_dock, area, title=...)`` adds a panel; it gets an
  object name (so its place is remembered), a toggle in View ▸ Panels, and is
  tabbed with ``tabify_with`` if given. Add panels before the window is first
  shown: the saved dock layout is restored then.
- ``window.analysis``: live shape inference (``analysis_changed``, ``data_changed``);
  ``window.editor``: graph edits as undo commands; ``window.scene`` / ``window.view``:
  the canvas; ``window.statusBar()`` for messages.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

from core.project import Project
from designer import settings
from designer.actions import install_edit_menu, install_help_menu, install_view_menu
from designer.analysis import AnalysisService
from designer.canvas import GraphScene, GraphView
from designer.editor import GraphEditor
from designer.files import FileActions
from designer.inspector import Inspector
from designer.layout import auto_layout
from designer.palette import Palette
from designer.problems import ProblemsPanel
from designer.recovery import Autosave
from designer.style import app_icon
from designer.summary import SummaryLabel

MENU_ORDER = ("File", "Edit", "View", "Data", "Train", "Export", "Tools", "Help")
REFUSAL_MS = 8000


class MainWindow(QMainWindow):
    project_replaced = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self._menus: dict[str, QMenu] = {}
        self._layout_restored = False
        self._project = Project("Untitled")
        self.undo_stack = QUndoStack(self)
        self.analysis = AnalysisService(self)
        self.editor = GraphEditor(self.undo_stack, lambda: self._project.graph, self)
        self.scene = GraphScene(self.editor, self)
        self.view = GraphView(self.scene)
        self.setCentralWidget(self.view)

        self.files = FileActions(self)
        self.edit_actions = install_edit_menu(self)
        self.view_actions = install_view_menu(self)
        self.palette = Palette()
        self.add_dock(self.palette, Qt.DockWidgetArea.LeftDockWidgetArea, "Layers")
        self.inspector = Inspector(self.editor, self.analysis)
        self.add_dock(self.inspector, Qt.DockWidgetArea.RightDockWidgetArea, "Inspector")
        self.problems = ProblemsPanel(self.analysis)
        self.add_dock(self.problems, Qt.DockWidgetArea.BottomDockWidgetArea, "Problems")
        install_help_menu(self)
        self.summary = SummaryLabel(self.analysis)
        self.statusBar().addPermanentWidget(self.summary)
        self.autosave = Autosave(self)

        self.analysis.analysis_changed.connect(self.scene.set_analysis)
        self.scene.selectionChanged.connect(self._on_selection_changed)
        self.scene.node_activated.connect(self._on_node_activated)
        self.palette.layer_requested.connect(self.add_layer_near_selection)
        self.problems.node_requested.connect(self.show_node)
        self.editor.refused.connect(self._on_refused)
        self.view.files_dropped.connect(self.files.open_dropped)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.resize(1400, 860)
        geometry = settings.settings().value(settings.GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.set_project(self._project)

    # ------------------------------------------------------------------ extension API
    @property
    def project(self) -> Project:
        return self._project

    def menu(self, title: str) -> QMenu:
        """The top-level menu ``title`` (without ``&``), created in :data:`MENU_ORDER` if new."""
        key = title.replace("&", "")
        if key in self._menus:
            return self._menus[key]
        menu = QMenu(title if "&" in title else f"&{title}", self)
        menu.setObjectName(f"menu{key}")
        rank = MENU_ORDER.index(key) if key in MENU_ORDER else MENU_ORDER.index("Help") - 0.5
        later = [m for k, m in self._menus.items()
                 if (MENU_ORDER.index(k) if k in MENU_ORDER else MENU_ORDER.index("Help") - 0.5) > rank]
        if later:
            first = min(later, key=lambda m: [a.menu() for a in self.menuBar().actions()].index(m))
            self.menuBar().insertMenu(first.menuAction(), menu)
        else:
            self.menuBar().addMenu(menu)
        self._menus[key] = menu
        return menu

    def add_dock(self, widget: QWidget, area: Qt.DockWidgetArea, title: str | None = None,
                 tabify_with: QDockWidget | None = None) -> QDockWidget:
        """Add a panel (a widget, wrapped in a dock, or a ready ``QDockWidget``)."""
        dock = widget if isinstance(widget, QDockWidget) else QDockWidget(title or widget.windowTitle(), self)
        if dock is not widget:
            dock.setWidget(widget)
        if not dock.objectName():
            dock.setObjectName(f"dock{(title or dock.windowTitle()).replace(' ', '')}")
        self.addDockWidget(area, dock)
        if tabify_with is not None:
            self.tabifyDockWidget(tabify_with, dock)
        panels = getattr(self, "panels_menu", None)
        if panels is not None:
            panels.addAction(dock.toggleViewAction())
        return dock

    # ------------------------------------------------------------------ the project
    def set_project(self, project: Project, dirty: bool = False) -> None:
        """Make ``project`` the current one (New, Open, restore); the undo history starts over."""
        old = self._project
        if old is not project:
            old.name_changed.disconnect(self._update_title)
        self._project = project
        project.name_changed.connect(self._update_title)
        self.undo_stack.clear()
        self._place_unplaced_nodes(project)
        self.analysis.set_project(project)
        self.scene.set_graph(project.graph)
        self.inspector.set_graph(project.graph)
        if dirty:
            self.undo_stack.resetClean()
        else:
            self.undo_stack.setClean()
        self._update_title()
        self.view.fit_graph()
        self.project_replaced.emit(project)

    @staticmethod
    def _place_unplaced_nodes(project: Project) -> None:
        """Nodes without ``pos`` (a hand-written file) get laid out; placed ones stay put."""
        graph = project.graph
        missing = [nid for nid, n in graph.nodes.items() if n.pos is None]
        if not missing:
            return
        positions = auto_layout(list(graph.nodes), [(e.source, e.target) for e in graph.edges])
        if len(missing) < len(graph.nodes):
            placed = [n.pos for n in graph.nodes.values() if n.pos is not None]
            below = max(y for _, y in placed) + 160
            positions = {nid: (x, y + below) for nid, (x, y) in positions.items()}
        with graph.changed.blocked():
            graph.move_nodes({nid: positions[nid] for nid in missing})

    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def mark_saved(self) -> None:
        self.undo_stack.setClean()
        self.autosave.discard()
        self._update_title()

    def display_name(self) -> str:
        return self._project.path.name if self._project.path else f"{self._project.name} (not saved)"

    def _update_title(self, *_args) -> None:
        self.setWindowTitle(f"{self.display_name()}{'*' if self.is_dirty() else ''} — LayerForge")

    # ------------------------------------------------------------------ canvas helpers
    def add_layer_near_selection(self, type_name: str) -> str:
        """Double-click in the palette: after the one selected node, else at the view's centre."""
        selected = self.scene.selected_node_ids()
        if len(selected) == 1:
            node_id = self.editor.add_layer(type_name, self.editor.free_spot_right_of(selected[0]),
                                            after=selected[0])
        else:
            center = self.view.visible_center()
            node_id = self.editor.add_layer(type_name, (round(center.x() - 70, 1), round(center.y() - 34, 1)))
        self.scene.select_nodes([node_id])
        self.view.ensureVisible(self.scene.nodes[node_id], 60, 60)
        return node_id

    def show_node(self, node_id: str) -> None:
        self.scene.select_nodes([node_id])
        self.view.center_on_node(node_id)

    def rename_selected(self) -> None:
        selected = self.scene.selected_node_ids()
        if len(selected) == 1:
            self.inspector.focus_name()

    def _on_node_activated(self, node_id: str) -> None:
        self.scene.select_nodes([node_id])
        self.inspector.focus_name()

    def _on_selection_changed(self) -> None:
        self.inspector.show_selection(self.scene.selected_node_ids())

    def _on_refused(self, reason: str) -> None:
        self.statusBar().showMessage(reason, REFUSAL_MS)

    # ------------------------------------------------------------------ window events
    def showEvent(self, event) -> None:
        if not self._layout_restored:
            self._layout_restored = True
            state = settings.settings().value(settings.WINDOW_STATE)
            if state is not None:
                self.restoreState(state)
        super().showEvent(event)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.files.open_dropped(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard():
            event.ignore()
            return
        store = settings.settings()
        store.setValue(settings.GEOMETRY, self.saveGeometry())
        store.setValue(settings.WINDOW_STATE, self.saveState())
        self.autosave.close()
        self.analysis.shutdown()
        event.accept()
