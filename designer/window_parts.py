"""Building the main window's parts: canvas, palette, inspector, problems, menus, status, autosave.

Kept apart from ``main_window.py`` so that the window's shell can be shown before
any of this (or the core it needs) is imported; see ``MainWindow.build``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.project import Project
from designer import preferences, theme
from designer.actions import install_edit_menu, install_view_menu
from designer.analysis import AnalysisService
from designer.canvas import GraphScene, GraphView
from designer.editor import GraphEditor
from designer.files import FileActions
from designer.help import install_help_menu
from designer.inspector import Inspector
from designer.layout import auto_layout
from designer.palette import Palette
from designer.problems import ProblemsPanel
from designer.recovery import Autosave
from designer.shortcuts import install_window_actions
from designer.services import Services, TrainingApi
from designer.status import StatusIndicators, follow_training
from designer.style import app_icon, apply_panel_style
from designer.summary import SummaryLabel

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow

PALETTE_WIDTH, INSPECTOR_WIDTH, PROBLEMS_HEIGHT = 230, 320, 130


def build_parts(window: "MainWindow") -> None:
    app = QApplication.instance()
    apply_panel_style(app)
    app.setWindowIcon(app_icon())
    window.setWindowIcon(app_icon())
    window.analysis = AnalysisService(window)
    window.editor = GraphEditor(window.undo_stack, lambda: window.project.graph, window)
    window.scene = GraphScene(window.editor, window)
    window.view = GraphView(window.scene)
    window.setCentralWidget(window.view)

    window.files = FileActions(window)
    window.edit_actions = install_edit_menu(window)
    window.view_actions = install_view_menu(window)
    window.palette = Palette()
    palette_dock = window.add_dock(window.palette, Qt.DockWidgetArea.LeftDockWidgetArea, "Layers")
    window.inspector = Inspector(window.editor, window.analysis)
    inspector_dock = window.add_dock(window.inspector, Qt.DockWidgetArea.RightDockWidgetArea, "Inspector")
    window.problems = ProblemsPanel(window.analysis)
    problems_dock = window.add_dock(window.problems, Qt.DockWidgetArea.BottomDockWidgetArea, "Problems")
    window.resizeDocks([palette_dock, inspector_dock], [PALETTE_WIDTH, INSPECTOR_WIDTH], Qt.Orientation.Horizontal)
    window.resizeDocks([problems_dock], [PROBLEMS_HEIGHT], Qt.Orientation.Vertical)
    window.window_actions = install_window_actions(window)
    window.preference_actions = preferences.install(window)
    window.guide = install_help_menu(window)
    window.summary = SummaryLabel(window.analysis)
    window.status_indicators = StatusIndicators(window)
    bar = window.statusBar()
    bar.addPermanentWidget(window.status_indicators.activity)
    bar.addPermanentWidget(window.summary)
    bar.addPermanentWidget(window.status_indicators.device)
    window.autosave = Autosave(window)
    window.services = window_services(window)

    window.analysis.analysis_changed.connect(window.scene.set_analysis)
    window.scene.selectionChanged.connect(window._on_selection_changed)
    window.scene.node_activated.connect(window._on_node_activated)
    window.palette.layer_requested.connect(window.add_layer_near_selection)
    window.problems.node_requested.connect(window.show_node)
    window.editor.refused.connect(window._on_refused)
    window.view.files_dropped.connect(window.open_dropped)
    window.undo_stack.cleanChanged.connect(window._update_title)
    theme.notifier().theme_changed.connect(window._on_theme_changed)  # a bound slot: dropped with the window
    window.built.connect(lambda: follow_training(window.status_indicators, window.problems,
                                                 window.services.provided(TrainingApi), window.summary))
    window.set_project(Project("Untitled"))


def window_services(window: "MainWindow") -> Services:
    """What the window hands to its extension installers (``designer/services.py``)."""
    return Services(window=window, project=lambda: window.project, project_replaced=window.project_replaced,
                    undo_stack=window.undo_stack, analysis=window.analysis, editor=window.editor,
                    scene=window.scene, view=window.view, files=window.files, inspector=window.inspector,
                    problems=window.problems, set_activity=window.set_activity, menu=window.menu,
                    add_dock=window.add_dock, drop_handlers=window.drop_handlers)


def repaint_for_theme(window: "MainWindow") -> None:
    """After a theme change: views that paint with ``Colors`` redraw, rich texts are rebuilt."""
    for item in window.scene.items():
        item.update()  # also drops the item's cached picture
    window.view.resetCachedContent()
    window.view.viewport().update()
    window.problems._on_analysis_changed()
    window.summary._on_analysis_changed()


def place_unplaced_nodes(project: Project) -> None:
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
