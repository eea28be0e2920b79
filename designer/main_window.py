"""The designer's main window: a light shell that shows at once, then its parts.

``MainWindow(build=False)`` is only the frame (menu bar, status bar, an empty dark
canvas) and imports almost nothing, so ``designer.app`` can put it on screen within
a few milliseconds of PySide6 itself; :meth:`MainWindow.build` then imports and adds
the parts (``designer/window_parts.py``). ``MainWindow()`` does both at once.

Extension points for the parts that come after the canvas (data, training, export):

- ``EXTENSIONS``: ``"module:function"`` strings; each ``function(services)`` is called at
  the end of :meth:`build`, after the built-in panels and before the saved dock
  layout is restored, with the window's :class:`designer.services.Services` (typed
  references to the project, ``project_replaced``, the undo stack, the analysis, the
  canvas, the inspector and problems panels, ``menu()``, ``add_dock()``,
  ``set_activity()``, the drop handlers, and what other extensions ``provide``). What it
  returns is kept in ``window.extensions[entry]`` (for tests). Extensions never probe the
  window with ``getattr``/``hasattr`` (``tests/designer/test_services.py`` checks).
- ``window.project``: the current :class:`core.project.Project`; replaced (never
  mutated into another) on New/Open/restore. ``project_replaced(project)`` is emitted
  after each replacement: rebind your views to the new object then.
- ``window.undo_stack``: push a ``QUndoCommand`` for every change to the project
  (see ``designer/commands.py``); the title's ``*``, the unsaved-changes prompt and
  autosave follow the stack's clean state.
- ``window.menu("Data")`` creates or returns a top-level menu by title, in the order
  File, Edit, View, Data, Train, Export, Tools, Help (unknown titles go before Help).
- ``window.drop_handlers``: callables given the paths dropped on the window that are not
  projects (a CSV file, an image folder); the first to return True has handled them.
- ``window.add_dock(widget, area, title)`` adds a panel: it gets an object name (so its
  place is remembered), a toggle in View ▸ Panels, and is tabbed with
  ``tabify_with`` if given.
- After :meth:`build`: ``window.analysis`` (live shape inference: ``analysis_changed``,
  ``data_changed``), ``window.editor`` (graph edits as undo commands),
  ``window.scene`` / ``window.view`` (the canvas), ``window.files`` (open/save),
  ``window.statusBar()`` for messages, ``window.services``. ``built`` is emitted when they exist.
- The status bar always shows what the app is doing and the device:
  ``window.set_activity("Loading the data…")`` / ``window.set_device("Training on: CPU")``
  (``None`` gives the automatic text back; ``designer/status.py``).
- ``window.problems`` lists hints too: ``window.problems.set_training_history(rows,
  training)`` shows hints about a run's loss curve (``core.hints``).
- ``window.guide.open("layer:Conv2d")`` opens the guide (``designer/guide``);
  ``designer.theme.notifier().theme_changed`` tells views that the theme changed and
  ``designer.theme.current()`` gives its colours (plots: ``current().plot``).
- Preferences other parts read: ``designer.settings.default_run_folder()``,
  ``default_device()`` (``designer/settings.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QTabBar, QWidget

from designer import gui_gc, settings

if TYPE_CHECKING:  # pragma: no cover
    from core.project import Project
    from designer.services import Services

MENU_ORDER = ("File", "Edit", "View", "Data", "Train", "Export", "Tools", "Help")
#: Installers of further parts, ``"module:function"``; see the module docstring.
EXTENSIONS: list[str] = [
    "designer.data.menu:install",
    "designer.training:install",
    "designer.export:install",
    "designer.explain:install",
    "designer.transfer:install",
    "designer.diagnose:install",
    "designer.import_model:install",
    "designer.stepthrough:install",
    "designer.experiments:install",
    "designer.group_actions:install",
]
REFUSAL_MS = 8000


def hide_unused_tab_bars(window: QMainWindow) -> None:
    """Hide the dock tab bars Qt made but does not use.

    Why: tabbing a dock with another sometimes makes one or two extra tab bars (seen with
    PySide6 6.x when the window's panels are tabbed while it is built); Qt never shows or
    places them again, but the window's first show makes them visible, and they stay
    where they were made, over the panels (a "Problems | Training plots" strip across the
    Step Through text). Every tab bar is hidden here and the layout placed again: it shows
    the ones it uses (before the first show, the show does that).
    """
    bars = [bar for bar in window.findChildren(QTabBar) if bar.parentWidget() is window]
    for bar in bars:
        bar.hide()
    if window.isVisible():
        window.layout().setGeometry(window.layout().geometry())


class MainWindow(QMainWindow):
    project_replaced = Signal(object)
    built = Signal()

    def __init__(self, build: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("LayerForge")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        # Collections in the GUI thread only while the window is open (designer/gui_gc.py).
        self._collecting = gui_gc.collector().hold()
        self.destroyed.connect(self._collecting.release)
        self._menus: dict[str, QMenu] = {}
        self._built = False
        self._layout_restored = False
        self._project: Project | None = None
        self.undo_stack = QUndoStack(self)
        self.panels_menu: QMenu | None = None
        self.extensions: dict[str, object] = {}  # what each EXTENSIONS installer returned
        self.services: Services | None = None  # what the installers get (made by build())
        #: Called with the dropped paths that are not projects, in order, until one returns True.
        self.drop_handlers: list = []
        for title in ("File", "Edit", "View", "Help"):
            self.menu(title)
        placeholder = QWidget(objectName="canvasPlaceholder")
        self.setCentralWidget(placeholder)
        self.statusBar()
        self.resize(1400, 860)
        geometry = settings.settings().value(settings.GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        if build:
            self.build()

    def build(self) -> None:
        """Add the canvas, the panels and the menus' actions (once)."""
        if self._built:
            return
        from designer.window_parts import build_parts

        build_parts(self)
        self._built = True
        for entry in EXTENSIONS:
            module, _, function = entry.partition(":")
            self.extensions[entry] = getattr(importlib.import_module(module), function)(self.services)
        if self.isVisible():
            self._restore_layout()
        self.built.emit()

    # ------------------------------------------------------------------ extension API
    @property
    def is_built(self) -> bool:
        return self._built

    @property
    def project(self) -> "Project":
        """The current project (``None`` only before :meth:`build`)."""
        return self._project

    def menu(self, title: str) -> QMenu:
        """The top-level menu ``title`` (``&`` optional), created in :data:`MENU_ORDER` if new."""
        key = title.replace("&", "")
        if key in self._menus:
            return self._menus[key]
        menu = QMenu(title if "&" in title else f"&{title}", self)
        menu.setObjectName(f"menu{key}")
        later = [m for k, m in self._menus.items() if _menu_rank(k) > _menu_rank(key)]
        if later:
            bar = [a.menu() for a in self.menuBar().actions()]
            self.menuBar().insertMenu(min(later, key=bar.index).menuAction(), menu)
        else:
            self.menuBar().addMenu(menu)
        self._menus[key] = menu
        return menu

    def add_dock(self, widget: QWidget, area, title: str | None = None,
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
            hide_unused_tab_bars(self)
        if self.panels_menu is not None:
            self.panels_menu.addAction(dock.toggleViewAction())
        return dock

    # ------------------------------------------------------------------ the project
    def set_project(self, project: "Project", dirty: bool = False) -> None:
        """Make ``project`` the current one (New, Open, restore); the undo history starts over."""
        from designer.canvas.view import READABLE_SCALE
        from designer.window_parts import place_unplaced_nodes

        if self._project is not None and self._project is not project:
            self._project.name_changed.disconnect(self._update_title)
        self._project = project
        project.name_changed.connect(self._update_title)
        self.undo_stack.clear()
        place_unplaced_nodes(project)
        self.analysis.set_project(project)
        self.scene.set_graph(project.graph)
        self.inspector.set_graph(project.graph)
        if dirty:
            self.undo_stack.resetClean()
        else:
            self.undo_stack.setClean()
        self._update_title()
        self.view.fit_graph(READABLE_SCALE)
        self.statusBar().clearMessage()  # the last project's messages ("saved in ...") go with it
        self.project_replaced.emit(project)

    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def mark_saved(self) -> None:
        self.undo_stack.setClean()
        self.autosave.discard()
        self._update_title()

    def display_name(self) -> str:
        project = self._project
        if project is None:
            return "LayerForge"
        return project.path.name if project.path else f"{project.name} (not saved)"

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

    # ------------------------------------------------------------------ status bar
    def set_activity(self, text: str | None) -> None:
        """Say what the app is doing in the status bar (``None``: back to the automatic text)."""
        self.status_indicators.set_activity(text)

    def set_device(self, text: str | None) -> None:
        """Say which device is in use in the status bar (``None``: back to the preference's)."""
        self.status_indicators.set_device(text)

    def _on_theme_changed(self, _theme) -> None:
        from designer.window_parts import repaint_for_theme

        repaint_for_theme(self)

    def show_node(self, node_id: str) -> None:
        self.scene.select_nodes([node_id])
        self.view.center_on_node(node_id)

    def rename_selected(self) -> None:
        if len(self.scene.selected_node_ids()) == 1:
            self.inspector.focus_name()

    def _on_node_activated(self, node_id: str) -> None:
        self.scene.select_nodes([node_id])
        self.inspector.focus_name()

    def _on_selection_changed(self) -> None:
        self.inspector.show_selection(self.scene.selected_node_ids())

    def _on_refused(self, reason: str) -> None:
        self.statusBar().showMessage(reason, REFUSAL_MS)

    # ------------------------------------------------------------------ window events
    def _restore_layout(self) -> None:
        if self._layout_restored:
            return
        self._layout_restored = True
        state = settings.settings().value(settings.WINDOW_STATE)
        if state is not None:
            self.restoreState(state)

    def showEvent(self, event) -> None:
        if self._built:
            self._restore_layout()
        super().showEvent(event)

    def dragEnterEvent(self, event) -> None:
        if self._built and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_dropped(paths)

    def open_dropped(self, paths: list[str]) -> bool:
        """Files dropped on the window or the canvas: a project opens, else ``drop_handlers`` try."""
        if self.files.open_dropped(paths):
            return True
        return any(handler(paths) for handler in self.drop_handlers)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._built:
            self._collecting.release()
            event.accept()
            return
        if not self.files.confirm_discard():
            event.ignore()
            return
        store = settings.settings()
        store.setValue(settings.GEOMETRY, self.saveGeometry())
        store.setValue(settings.WINDOW_STATE, self.saveState())
        self.autosave.close()
        self.analysis.shutdown()
        self._collecting.release()
        event.accept()


def _menu_rank(key: str) -> float:
    return MENU_ORDER.index(key) if key in MENU_ORDER else MENU_ORDER.index("Help") - 0.5
