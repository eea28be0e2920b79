"""Screenshots of the designer for a person to look at (not a test).

Run under a real X server::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.designer.make_screenshots /tmp/shots

It writes ``empty.png``, ``ten_nodes.png``, ``error.png``, ``residual_300.png`` and
``residual_300_zoom.png``, built through the same editor calls the mouse makes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def _settle(window) -> None:
    window.analysis.wait_for_data()
    window.analysis.refresh_now()
    for _ in range(5):
        QApplication.processEvents()


def _save(window, folder: Path, name: str) -> None:
    _settle(window)
    window.grab().save(str(folder / name))
    print(folder / name)


def main(folder: Path) -> None:
    os.environ.setdefault("LAYERFORGE_SETTINGS_DIR", tempfile.mkdtemp(prefix="lf-shots-"))
    from core.project import Project
    from designer.app import create_app
    from designer.main_window import MainWindow
    from tests.bench.graphs import residual_cnn

    folder.mkdir(parents=True, exist_ok=True)
    app = create_app([])
    window = MainWindow()
    window.resize(1560, 940)
    window.show()
    _save(window, folder, "empty.png")

    # a ten-layer CNN, built as the palette and the ports would build it
    editor = window.editor
    previous = None
    for type_name in ("Input", "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten",
                      "Linear", "Output"):
        spot = editor.free_spot_right_of(previous) if previous else (0.0, 0.0)
        previous = editor.add_layer(type_name, spot, after=previous)
    editor.set_param("input1", "shape", [1, 28, 28])
    editor.set_param("conv1", "out_channels", 6)
    editor.set_param("conv1", "kernel_size", 5)
    editor.set_param("conv1", "padding", 2)
    editor.set_param("conv2", "kernel_size", 5)
    editor.set_param("output1", "units", 10)
    editor.auto_layout()
    window.view.fit_graph()
    window.scene.select_nodes(["conv2"])
    _save(window, folder, "ten_nodes.png")

    editor.set_param("conv2", "kernel_size", 20)  # larger than its 14×14 input: an error
    window.scene.select_nodes(["conv2"])
    _save(window, folder, "error.png")

    path = Path(tempfile.mkdtemp(prefix="lf-shots-")) / "residual_300.lfproj"
    graph = residual_cnn()
    Project("Residual CNN, 300 layers", graph).save(path)
    window.files.open_path(path, confirm=False)
    editor.auto_layout()
    window.view.fit_graph()
    _save(window, folder, "residual_300.png")
    window.view.resetTransform()
    window.view.scale(0.8, 0.8)
    window.show_node("b3_add")
    _save(window, folder, "residual_300_zoom.png")
    window.undo_stack.setClean()
    QTimer.singleShot(0, window.close)
    app.processEvents()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/layerforge-shots"))
