"""Designer speed on a 300-node graph, and start-up time against a bare PySide6 window.

Run: ``.venv/bin/python -m tests.bench.bench_designer`` (offscreen by default; under
``xvfb-run -a`` the start-up rows measure a real X11 window). The issue's targets:

| measurement | target |
| --- | --- |
| open a 300-node project and lay it out (shapes shown, scene painted) | < 1 s |
| parameter edit -> shapes re-inferred, cards updated, scene repainted | < 50 ms |
| moving one card: one mouse-move event, wires following, repainted | < 5 ms |
| process start -> window shown, vs a bare PySide6 hello-world window | ≤ 1.5× |

Each row is the median of several runs; each has a reference measured in the same
run (the two sides alternate), and the table prints the ratio to the reference and
to the target. Medians, not means: the machines are shared and noisy.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
ROOT = Path(__file__).resolve().parents[2]

HELLO = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setCentralWidget(QLabel("Hello"))
    window.resize(1400, 860)
    class Shown(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                print("shown", time.time(), flush=True)
                QTimer.singleShot(0, app.quit)
                obj.removeEventFilter(self)
            return False
    shown = Shown()
    window.installEventFilter(shown)
    window.show()
    app.exec()
""")

DESIGNER = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from designer.app import launch
    paths = sys.argv[1:]
    state = {}
    class Shown(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and obj is state.get("window") and "shown" not in state:
                state["shown"] = True
                print("shown", time.time(), flush=True)
                QTimer.singleShot(0, report_complete)
            return False
    def report_complete():
        w = state["window"]
        if not w.is_built:
            QTimer.singleShot(1, report_complete)
            return
        w.repaint()
        print("complete", time.time(), flush=True)
        report_project()
    def report_project():
        w = state["window"]
        if paths and (w.project.path is None or w.analysis.waiting_for_data):
            QTimer.singleShot(1, report_project)
            return
        w.analysis.refresh_now()
        w.repaint()
        print("project", time.time(), "torch" in sys.modules, flush=True)
        w.close()
        app.quit()
    shown = Shown()
    app, state["window"] = launch(paths)  # exactly what `layerforge [project]` does
    app.installEventFilter(shown)  # before the event loop: nothing is painted yet
    app.exec()
""")



def _median(values: list[float]) -> float:
    return statistics.median(values)


# ---------------------------------------------------------------------- start-up
def _time_process(code: str, args: list[str], env: dict) -> dict[str, float | str]:
    """Seconds from spawning the process to each moment it reports (``shown``, ``complete``, ...).

    The child prints the wall-clock time of each moment itself, so that a busy machine
    delaying this process's reading of the pipe does not count.
    """
    start = time.time()
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    times: dict[str, float | str] = {}
    for line in process.stdout:
        word, stamp, *info = line.split()
        times.setdefault(word, float(stamp) - start)
        if info:
            times[word + "_info"] = " ".join(info)
    process.wait(timeout=60)
    if "shown" not in times:
        raise RuntimeError(process.stderr.read())
    return times


def bench_startup(pairs: int = 11) -> list[tuple]:
    settings_dir = tempfile.mkdtemp(prefix="lf-bench-settings-")
    # as on a person's machine, modules load from compiled bytecode (kept out of the tree)
    env = dict(os.environ, LAYERFORGE_SETTINGS_DIR=settings_dir,
               PYTHONPYCACHEPREFIX=tempfile.mkdtemp(prefix="lf-bench-pycache-"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    example = str(ROOT / "resources" / "examples" / "spiral_mlp.lfproj")
    for _ in range(2):  # warm the file cache and the bytecode cache of both
        _time_process(HELLO, [], env)
        _time_process(DESIGNER, [example], env)
    samples: dict[str, list[float]] = {k: [] for k in ("hello", "shown", "complete", "project", "empty")}
    ratios: list[float] = []
    torch_seen = set()
    for _ in range(pairs):  # A B A B ...
        hello = _time_process(HELLO, [], env)["shown"]
        ours = _time_process(DESIGNER, [example], env)
        empty = _time_process(DESIGNER, [], env)
        samples["hello"].append(hello)
        for key in ("shown", "complete", "project"):
            samples[key].append(ours[key])
        samples["empty"].append(empty["complete"])
        ratios.append(ours["shown"] / hello)
        torch_seen.add(ours.get("project_info", "?"))
    ref = _median(samples["hello"])

    def row(name: str, key: str, ratio: float | None = None, target: float | None = None) -> tuple:
        values = samples[key]
        return (name, _median(values), min(values), max(values),
                ratio if ratio is not None else _median(values) / ref, target)

    return [
        row("start-up: bare PySide6 hello-world window shown", "hello"),
        row("start-up: designer window shown (its shell: menus, empty canvas)", "shown", _median(ratios), 1.5),
        row("start-up: ... palette, canvas, inspector, problems built and painted", "complete"),
        row("start-up: ... same without a project argument", "empty"),
        row(f"start-up: ... spiral_mlp.lfproj open, shapes shown (torch imported: {', '.join(sorted(torch_seen))})",
            "project"),
    ]


# ---------------------------------------------------------------------- in-process
def _project_file(folder: Path, blocks: int = 42) -> Path:
    from core.project import Project
    from tests.bench.graphs import residual_cnn

    graph = residual_cnn(blocks)
    for node in graph.nodes.values():
        node.pos = None  # make "lay it out" real work
    path = folder / f"residual_{len(graph)}.lfproj"
    Project("Residual 300", graph).save(path)
    return path


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_in_process(runs: int = 7) -> list[tuple]:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from core.check import check_project
    from core.project import Project
    from designer.app import create_app
    from designer.main_window import MainWindow

    os.environ.setdefault("LAYERFORGE_SETTINGS_DIR", tempfile.mkdtemp(prefix="lf-bench-settings-"))
    app = create_app([])
    folder = Path(tempfile.mkdtemp(prefix="lf-bench-"))
    path = _project_file(folder)
    window = MainWindow()
    window.resize(1400, 860)
    window.show()
    QApplication.processEvents()
    rows = []

    # 1. open + lay out, against loading and checking the same file without any GUI
    def open_and_layout() -> None:
        window.files.open_path(path, confirm=False)
        window.analysis.wait_for_data()
        window.editor.auto_layout()
        window.view.fit_graph()
        window.analysis.refresh_now()
        window.view.viewport().repaint()

    def load_and_check() -> None:
        check_project(Project.load(path))

    opens, loads = [], []
    for _ in range(runs):
        opens.append(_timed(open_and_layout))
        loads.append(_timed(load_and_check))
    assert len(window.scene.nodes) == 300 and window.scene.nodes["output"].shape_text == "10"
    rows.append(("open 300-node project + auto-layout + shapes + paint", _median(opens), min(opens),
                 max(opens), _median(opens) / _median(loads), 1.0))
    rows.append(("  reference: Project.load + check_project (no GUI)", _median(loads), min(loads), max(loads),
                 1.0, None))

    # 2. a parameter edit that changes every shape downstream
    graph = window.project.graph
    state = {"k": 0}

    def edit(view_mode: str):
        def run() -> None:
            state["k"] ^= 1
            window.editor.set_param("input", "shape", [3, 32, 32] if state["k"] else [3, 30, 30])
            window.analysis.refresh_now()
            window.view.viewport().repaint()
        return run

    def analyse_only() -> None:
        state["k"] ^= 1
        graph.set_param("input", "shape", [3, 32, 32] if state["k"] else [3, 30, 30])
        window.analysis.inference.analyze(graph, window.analysis.data_shapes)

    for label, zoom in (("whole graph in view", None), ("100 % zoom", 1.0)):
        window.view.fit_graph()
        if zoom:
            window.view.resetTransform()
            window.view.center_on_node("b20_conv1")
        edits, refs = [], []
        for _ in range(max(runs * 3, 21)):
            edits.append(_timed(edit(label)))
            refs.append(_timed(analyse_only))
        assert window.scene.nodes["b41_relu2"].shape_text in ("32×32×32", "32×30×30")
        rows.append((f"param edit -> shapes + repaint ({label})", _median(edits), min(edits), max(edits),
                     _median(edits) / _median(refs), 0.050))
    rows.append(("  reference: shape inference alone after the same edit", _median(refs), min(refs), max(refs),
                 1.0, None))

    # 3. moving one card with the mouse: per mouse-move event, wires following, painted
    def move_times(moves: int = 120) -> list[float]:
        view = window.view
        viewport = view.viewport()
        node = window.scene.nodes["b20_add"] if "b20_add" in window.scene.nodes else window.scene.nodes["fc1"]
        start = view.mapFromScene(node.sceneBoundingRect().center() + QPointF(0, 10))

        def send(kind, pos, button, buttons) -> None:
            QApplication.sendEvent(viewport, QMouseEvent(kind, QPointF(pos), QPointF(viewport.mapToGlobal(pos)),
                                                         button, buttons, Qt.KeyboardModifier.NoModifier))

        send(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
        QApplication.processEvents()
        times = []
        for i in range(1, moves + 1):
            pos = start + type(start)(i % 40 * 3, i % 25 * 2)
            t0 = time.perf_counter()
            send(QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton)
            QApplication.processEvents()  # delivers the repaint the move scheduled
            times.append(time.perf_counter() - t0)
        send(QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton)
        QApplication.processEvents()
        return times

    window.view.resetTransform()
    window.view.center_on_node("b20_add")
    window.view.resetTransform()
    window.view.centerOn(window.scene.nodes["b20_add"])
    big = move_times()
    window.view.fit_graph()
    big_fit = move_times()
    window.files.open_path(ROOT / "resources" / "examples" / "spiral_mlp.lfproj", confirm=False)
    window.analysis.wait_for_data()
    window.view.resetTransform()
    window.view.centerOn(window.scene.nodes["fc1"])
    small = move_times()
    rows.append(("move one card, per mouse-move event (300 nodes, 100 % zoom)", _median(big), min(big), max(big),
                 _median(big) / _median(small), 0.005))
    rows.append(("move one card, per mouse-move event (300 nodes, whole graph in view)", _median(big_fit),
                 min(big_fit), max(big_fit), _median(big_fit) / _median(small), 0.005))
    rows.append(("  reference: the same in the 6-node spiral_mlp", _median(small), min(small), max(small), 1.0, None))
    window.undo_stack.setClean()
    window.close()
    return rows


def _print(rows: list[tuple]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}   median       min       max   vs ref   vs target")
    for name, median, low, high, ratio, target in rows:
        unit = lambda v: f"{v * 1000:7.1f} ms" if v < 10 else f"{v:7.2f} s "  # noqa: E731
        if target is None:
            verdict = "-"
        elif name.startswith("start-up"):
            verdict = f"{'OK' if ratio <= target else 'SLOW'} ({ratio:.2f}× ≤ {target}×)"
        else:
            verdict = f"{'OK' if median <= target else 'SLOW'} ({median / target:.2f}× of {target * 1000:g} ms)"
        print(f"{name.ljust(width)} {unit(median)} {unit(low)} {unit(high)} {ratio:7.2f}×  {verdict}")


def main() -> None:
    print(f"platform: {os.environ['QT_QPA_PLATFORM']}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    rows = bench_in_process()
    rows += bench_startup()
    _print(rows)


if __name__ == "__main__":
    main()
