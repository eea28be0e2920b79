"""Garbage collection in the GUI thread only (designer/gui_gc.py).

The crash it prevents: a collection started by another thread's allocation (or by the
wrapping of a widget list itself) freed Python-made widgets in reference cycles while the GUI
thread wrapped ``QApplication.topLevelWidgets()``: a segmentation fault (the CI run of the
whole suite crashed so in ``theme._mark_windows``). ``CHURN_SCRIPT`` without the collector
held crashed 4 runs of 4 within 20 s on the 2-core machine; it runs in a process of its own.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from designer import gui_gc

CHURN_SCRIPT = r"""
import gc, sys, threading, time
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
from designer import gui_gc
hold = gui_gc.collector().hold()

class Panel(QWidget):
    pass

stop = False
def churn():  # a worker thread whose allocations would start the collections
    while not stop:
        junk = [[i] for i in range(1000)]
threading.Thread(target=churn, daemon=True).start()
end = time.monotonic() + float(sys.argv[1])
rounds = 0
while time.monotonic() < end:
    for _ in range(30):
        panel = Panel()
        panel.me = panel  # a reference cycle: only a collection frees it
    del panel
    listed = QApplication.topLevelWidgets()
    del listed
    app.processEvents()  # the collector's timer: collections in this thread, between wrappings
    rounds += 1
print(rounds, len(QApplication.topLevelWidgets()), gc.isenabled())
"""


def test_widgets_in_cycles_are_freed_in_the_gui_thread_without_a_crash(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-X", "faulthandler", "-c", CHURN_SCRIPT, "8"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    rounds, alive, enabled = done.stdout.split()
    assert int(rounds) > 10 and enabled == "False"
    assert int(alive) < 30 * int(rounds) / 2  # the GUI thread's collections freed the panels


def test_the_collector_collects_what_is_due_and_gives_collection_back(qapp):
    collector = gui_gc.GuiThreadCollector()
    was = gc.isenabled()
    first = collector.hold()
    second = collector.hold()
    assert not gc.isenabled() and collector.timer.isActive()
    gc.collect()
    assert collector.collect_due() is None  # nothing is due right after a collection
    made = [[i] for i in range(gc.get_threshold()[0] + 10)]
    assert gc.get_count()[0] > gc.get_threshold()[0]
    assert collector.collect_due() in (0, 1, 2)
    assert gc.get_count()[0] < gc.get_threshold()[0]  # the young generation was collected
    first.release()
    first.release()  # a second release of the same hold changes nothing
    assert not gc.isenabled()  # the other holder still holds it
    second.release()
    assert gc.isenabled() == was and not collector.timer.isActive()
    del made


def test_an_open_window_holds_the_collector_and_closing_it_gives_it_back(qtbot):
    from designer.main_window import MainWindow

    before = gui_gc.collector().held
    window = MainWindow()
    window.autosave.timer.stop()
    assert gui_gc.collector().held and not gc.isenabled()
    window.undo_stack.setClean()
    window.close()
    assert gui_gc.collector().held == before
    window.deleteLater()
