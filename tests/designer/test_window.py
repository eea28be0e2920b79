"""The window as a whole: start-up, panels, menus, problems, summary, settings."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel

from core.layers import REGISTRY
from designer import settings
from designer.main_window import MainWindow
from tests.conftest import EXAMPLES, ROOT
from tests.designer.conftest import click, open_example, settle

STARTUP_PROBE = textwrap.dedent("""
    import builtins, sys, threading
    from PySide6.QtCore import QTimer
    from designer.app import launch

    torch_threads = []  # which thread imported torch, if any
    original_import = builtins.__import__
    def recording_import(name, *args, **kwargs):
        if name == "torch" and "torch" not in sys.modules:
            torch_threads.append(threading.current_thread() is threading.main_thread())
        return original_import(name, *args, **kwargs)
    builtins.__import__ = recording_import

    app, window = launch([sys.argv[1]])
    shown_without_torch = window.isVisible() and "torch" not in sys.modules

    def report():
        if not window.is_built or window.analysis.waiting_for_data or window.project.path is None:
            QTimer.singleShot(20, report)
            return
        window.analysis.refresh_now()
        print("shown_without_torch", shown_without_torch)
        print("torch_in_gui_thread", any(torch_threads))
        print("shape", window.scene.nodes["fc1"].shape_text)
        print("laid_out", all(n.pos is not None for n in window.project.graph.nodes.values()))
        print("title", window.windowTitle())
        window.close()
        app.quit()
    QTimer.singleShot(0, report)
    app.exec()
""")


def test_the_window_appears_before_torch_and_opens_the_quick_start_project(_isolated_settings):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LAYERFORGE_SETTINGS_DIR=str(_isolated_settings))
    done = subprocess.run([sys.executable, "-c", STARTUP_PROBE, str(EXAMPLES / "spiral_mlp.lfproj")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    facts = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    assert facts["shown_without_torch"] == "True"
    # designing never needs torch; at most it is loaded in the background (device list)
    assert facts["torch_in_gui_thread"] == "False"
    assert facts["shape"] == "64"
    assert facts["laid_out"] == "True"
    assert facts["title"] == "spiral_mlp.lfproj — LayerForge"


def test_the_command_line_opens_a_project(qtbot):
    from designer.app import start_window

    window = start_window([str(EXAMPLES / "lenet_shapes.lfproj")])
    try:
        assert not window.is_built  # the shell shows first
        qtbot.waitUntil(lambda: window.is_built and window.project.path is not None, timeout=5000)
        settle(qtbot, window)
        assert window.project.name == "LeNet-5 shapes"
        assert window.scene.nodes["flatten"].shape_text == "400"
    finally:
        window.close()


def test_menus_and_panels_can_be_added_in_order(window):
    window.menu("Train").addAction("Start")
    window.menu("Data")
    window.menu("Plugins")
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Data", "Train", "Export", "Plugins", "Help"]
    assert window.menu("Train") is window.menu("&Train")
    dock = window.add_dock(QLabel("plots"), Qt.DockWidgetArea.BottomDockWidgetArea, "Training plots")
    assert isinstance(dock, QDockWidget) and dock.objectName() == "dockTrainingplots"
    assert dock.toggleViewAction() in window.panels_menu.actions()
    replaced = []
    window.project_replaced.connect(replaced.append)
    window.files.open_path(EXAMPLES / "perceptron.lfproj", confirm=False)
    assert replaced == [window.project]


def test_extensions_are_installed_when_the_window_is_built(monkeypatch, qtbot):
    from designer import main_window

    monkeypatch.setattr(main_window, "EXTENSIONS", ["tests.designer.test_window:_install_plots"])
    window = MainWindow()
    try:
        assert window.extensions["tests.designer.test_window:_install_plots"] == "installed"
        assert window.findChild(QDockWidget, "dockPlots") is not None
        assert [a.text() for a in window.menuBar().actions()][-2:] == ["&Train", "&Help"]
    finally:
        window.close()


def _install_plots(services) -> str:
    services.menu("Train")
    services.add_dock(QLabel("plots"), Qt.DockWidgetArea.BottomDockWidgetArea, "Plots",
                      tabify_with=services.window.findChild(QDockWidget, "dockProblems"))
    return "installed"


def test_palette_groups_layers_and_filters_as_you_type(window, qtbot):
    palette = window.palette
    groups = [palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())]
    assert groups == ["INPUT/OUTPUT", "CORE", "CONVOLUTION & POOLING", "RECURRENT & ATTENTION",
                      "NORMALIZATION & REGULARIZATION", "ACTIVATIONS", "MERGE", "GENERATIVE"]
    assert len(palette.visible_types()) == len(REGISTRY.names())
    item = palette.item_for("Conv2d")
    assert not item.icon(0).isNull()
    assert "Slides learned filters over an image" in item.toolTip(0)
    qtbot.keyClicks(palette.search, "pool")
    assert set(palette.visible_types()) == {"MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
                                            "AdaptiveAvgPool2d", "SequencePool"}
    palette.search.clear()
    qtbot.keyClicks(palette.search, "attention")
    assert "MultiheadAttention" in palette.visible_types() and "Linear" not in palette.visible_types()
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)  # Enter adds the first match
    assert [n.type for n in window.project.graph.nodes.values()] == ["MultiheadAttention"]


def test_clicking_a_problem_selects_and_centres_its_node(window, qtbot):
    open_example(qtbot, window, "lenet_shapes")
    window.editor.set_param("fc1", "out_features", 7)
    window.editor.delete([], [window.project.graph.incoming("relu3")[0]])
    settle(qtbot, window)
    messages = window.problems.messages()
    assert any("ReLU 'relu3' has no input" in m for m in messages)
    index = next(i for i, m in enumerate(messages) if "relu3" in m)
    item = window.problems.item(index)
    window.view.resetTransform()
    window.view.centerOn(0, 0)
    click(window.problems.viewport(), window.problems.visualItemRect(item).center())
    assert window.scene.selected_node_ids() == ["relu3"]
    center = window.view.mapToScene(window.view.viewport().rect().center())
    assert (center - window.scene.nodes["relu3"].sceneBoundingRect().center()).manhattanLength() < 30
    assert window.scene.nodes["relu3"].error
    assert "2 problems" in window.summary.text()  # no input, and so Input no longer reaches Output


def test_the_status_bar_summarises_the_model(window, qtbot):
    open_example(qtbot, window, "lenet_shapes")
    text = window.summary.text()
    analysis = window.analysis.analysis
    assert f"{analysis.total_params:,} parameters" in text
    assert f"{analysis.size_mb:.2f} MB" in text and "MACs/sample" in text and "ready to train" in text


def test_a_wire_shows_the_shape_it_carries_on_hover(window, qtbot):
    open_example(qtbot, window, "lenet_shapes")
    edge = next(e for e in window.project.graph.edges if e.source == "pool2")
    wire = window.scene.wires[edge]
    assert wire.label == "16×5×5"
    point = window.view.mapFromScene(wire.path().pointAtPercent(0.5))
    window.view.resetTransform()
    window.view.centerOn(wire.path().pointAtPercent(0.5))
    point = window.view.mapFromScene(wire.path().pointAtPercent(0.5))
    from tests.designer.conftest import mouse
    from PySide6.QtCore import QEvent

    mouse(window.view.viewport(), QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    QApplication.processEvents()
    assert wire._hover
    assert wire.toolTip().startswith("16×5×5")


def test_window_geometry_and_panels_persist_in_the_isolated_settings(qtbot, _isolated_settings):
    first = MainWindow()
    first.show()
    first.resize(700, 520)  # the offscreen screen is 800×600
    first.findChild(QDockWidget, "dockProblems").hide()
    first.close()
    assert (_isolated_settings / "layerforge.ini").is_file()
    assert settings.settings().value(settings.GEOMETRY) is not None
    second = MainWindow()
    second.show()
    try:
        assert (second.size().width(), second.size().height()) == (700, 520)
        assert not second.findChild(QDockWidget, "dockProblems").isVisible()
    finally:
        second.close()


def test_nodes_without_positions_are_laid_out_on_open(window, qtbot, tmp_path):
    import json

    data = json.loads((EXAMPLES / "spiral_mlp.lfproj").read_text(encoding="utf-8"))
    for node in data["graph"]["nodes"]:
        node.pop("pos")
    path = tmp_path / "bare.lfproj"
    path.write_text(json.dumps(data), encoding="utf-8")
    window.files.open_path(path)
    positions = [n.pos for n in window.project.graph.nodes.values()]
    assert all(p is not None for p in positions)
    assert sorted(p[0] for p in positions) == [p[0] for p in positions]  # left to right
    assert not window.is_dirty()
    assert window.scene.nodes["fc1"].pos() == QPointF(*window.project.graph.nodes["fc1"].pos)
