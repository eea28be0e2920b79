"""Switching theme: how long the GUI thread is blocked, against a bare window restyled.

Run: ``.venv/bin/python -m tests.bench.bench_theme [--switches 6] [--profile]``
(offscreen by default; under ``xvfb-run -a`` it measures a real X11 window). The
issue's target: a switch blocks the window for at most 0.3 s.

Two windows of the designer are measured, each switched dark -> light -> dark ...:

- ``lenet_shapes.lfproj`` with the training plots and the run history built (their
  docks shown), as after a first run;
- a 300-node residual CNN (``tests/bench/graphs.py``) on the canvas.

A switch is timed from View ▸ Theme's call (``theme.set_mode``) until the events it
posted (polish, deferred deletes, the repaint) are handled. Everything a switch changes is
done inside that time (the plots of every tab are re-coloured in place, the visible tab is
redrawn), except images mixed from theme colours in tabs not on screen (the decision
boundary, feature maps): those are drawn again when their tab is shown, as any tab is. The
reference, measured in the same run with the two sides alternating, is a bare
``QMainWindow`` holding as many plain widgets as the designer window has, given the
other theme's style sheet and palette and repainted. Medians; the machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
ROOT = Path(__file__).resolve().parents[2]
TARGET_S = 0.3


def _settle() -> None:
    """Handle what a switch left for the event loop, as returning to it would."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QApplication.processEvents()


def _switch(window, mode: str) -> float:
    from designer import theme

    start = time.perf_counter()
    theme.set_mode(mode)
    _settle()
    window.repaint()
    return time.perf_counter() - start


def _reference(widget_count: int, mode: str) -> float:
    """A bare window with ``widget_count`` plain widgets getting ``mode``'s sheet and palette."""
    from PySide6.QtWidgets import (QApplication, QCheckBox, QGridLayout, QLabel, QLineEdit,
                                   QMainWindow, QPushButton, QWidget)

    from designer import theme

    window = QMainWindow()
    body = QWidget()
    grid = QGridLayout(body)
    kinds = (QLabel, QPushButton, QLineEdit, QCheckBox)
    for i in range(max(widget_count - 2, 1)):
        grid.addWidget(kinds[i % len(kinds)](f"w{i}"), i // 40, i % 40)
    window.setCentralWidget(body)
    window.resize(1400, 860)
    window.show()
    _settle()
    new = theme.load(mode)
    start = time.perf_counter()
    window.setStyleSheet(new.style_sheet())
    window.setPalette(theme._palette(new))
    _settle()
    window.repaint()
    elapsed = time.perf_counter() - start
    window.close()
    window.deleteLater()
    _settle()
    return elapsed


def _designer_window(path: Path, plots: bool):
    from PySide6.QtWidgets import QApplication

    from designer.main_window import MainWindow

    window = MainWindow()
    window.resize(1400, 860)
    window.show()
    QApplication.processEvents()
    window.files.open_path(path, confirm=False)
    window.analysis.wait_for_data(timeout_s=60)
    if plots:
        training = window.extensions["designer.training:install"]
        training.docks.show_plots()
        training.plots, training.history  # noqa: B018 - made on first use
    for _ in range(3):
        _settle()
    return window


def _residual_project(folder: Path) -> Path:
    from core.project import Project
    from tests.bench.graphs import residual_cnn

    graph = residual_cnn(42)
    path = folder / f"residual_{len(graph)}.lfproj"
    Project("Residual 300", graph).save(path)
    return path


def bench(name: str, window, switches: int, profile: bool) -> tuple:
    from PySide6.QtWidgets import QApplication

    from designer import theme

    theme.set_mode("dark")
    _settle()
    widgets = len(QApplication.allWidgets())
    ours, ref, ratios = [], [], []
    profiler = cProfile.Profile() if profile else None
    for i in range(switches):  # A B A B ...
        mode = ("light", "dark")[i % 2]
        if profiler:
            profiler.enable()
        ours.append(_switch(window, mode))
        if profiler:
            profiler.disable()
        ref.append(_reference(widgets, mode))
        ratios.append(ours[-1] / ref[-1])
    theme.set_mode("dark")
    _settle()
    if profiler:
        print(f"--- profile: {name}")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return name, widgets, ours, ref, ratios


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--switches", type=int, default=6)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the switches")
    args = parser.parse_args()
    os.environ.setdefault("LAYERFORGE_SETTINGS_DIR", tempfile.mkdtemp(prefix="lf-bench-settings-"))
    from designer.app import create_app

    create_app([])
    folder = Path(tempfile.mkdtemp(prefix="lf-bench-theme-"))
    rows = []
    window = _designer_window(ROOT / "resources" / "examples" / "lenet_shapes.lfproj", plots=True)
    rows.append(bench("lenet_shapes + training plots + history", window, args.switches, args.profile))
    window.close()
    window.deleteLater()
    _settle()
    from designer import settings

    settings.settings().remove(settings.WINDOW_STATE)  # the second window starts without the docks
    window = _designer_window(_residual_project(folder), plots=False)
    rows.append(bench("300-node residual CNN on the canvas", window, args.switches, args.profile))
    window.close()
    from PySide6.QtGui import QGuiApplication

    print(f"Qt platform: {QGuiApplication.platformName()}; load average: "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])}")
    print(f"{'theme switch (GUI thread blocked)':<42} {'widgets':>7} {'median ms':>9} {'min':>6} {'max':>6}"
          f" {'ref ms':>7} {'ratio':>6}  target {TARGET_S * 1000:.0f} ms")
    for name, widgets, ours, ref, ratios in rows:
        med = statistics.median(ours)
        print(f"{name:<42} {widgets:7d} {med * 1000:9.0f} {min(ours) * 1000:6.0f} {max(ours) * 1000:6.0f}"
              f" {statistics.median(ref) * 1000:7.0f} {statistics.median(ratios):6.2f}"
              f"  {'OK' if med <= TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
