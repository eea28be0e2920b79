"""Autosave while dirty, and restoring it after the process was killed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from PySide6.QtWidgets import QMessageBox

from designer.main_window import MainWindow
from designer.recovery import offer_recovery, pending_recoveries, recovery_dir
from tests.conftest import EXAMPLES, ROOT
from tests.designer.conftest import press_button_text, when_modal

# A designer session in another process: open a copy of an example, edit it, let the
# autosave timer write the recovery copy, then die without closing anything.
CRASHING_SESSION = textwrap.dedent("""
    import os, signal, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from designer.main_window import MainWindow
    window = MainWindow()
    window.autosave.timer.setInterval(50)
    window.show()
    window.files.open_path(sys.argv[1], confirm=False)
    window.editor.set_param("fc1", "out_features", 17)
    window.editor.rename("relu2", "last_relu")

    def die():
        if window.autosave.project_file.exists():
            print("autosaved", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    timer = QTimer(interval=20)
    timer.timeout.connect(die)
    timer.start()
    QTimer.singleShot(10000, app.quit)
    app.exec()
""")


def test_work_left_by_a_killed_session_is_offered_and_restored(qtbot, tmp_path, _isolated_settings):
    project_file = tmp_path / "mine.lfproj"
    project_file.write_text((EXAMPLES / "spiral_mlp.lfproj").read_text(encoding="utf-8"), encoding="utf-8")
    original = project_file.read_text(encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LAYERFORGE_SETTINGS_DIR=str(_isolated_settings))
    done = subprocess.run([sys.executable, "-c", CRASHING_SESSION, str(project_file)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert "autosaved" in done.stdout, done.stderr
    assert done.returncode == -9  # killed: no chance to clean up
    assert project_file.read_text(encoding="utf-8") == original  # the project file is untouched

    window = MainWindow()
    window.autosave.timer.stop()
    window.show()
    try:
        assert len(pending_recoveries(window.autosave.session)) == 1
        prompts = when_modal(qtbot, lambda box: press_button_text(box, "Restore"))
        assert offer_recovery(window)
        assert isinstance(prompts[0], QMessageBox) and "Spiral MLP" in prompts[0].text()
        project = window.project
        assert project.path == project_file
        assert project.graph.nodes["fc1"].params["out_features"] == 17
        assert "last_relu" in project.graph
        assert window.windowTitle() == "mine.lfproj* — LayerForge"
        assert pending_recoveries(window.autosave.session) == []  # the old copy is gone
        window.files.save()
        assert json.loads(project_file.read_text())["graph"]["nodes"][1]["params"]["out_features"] == 17
        assert not window.autosave.project_file.exists()  # saved: nothing left to recover
    finally:
        window.undo_stack.setClean()
        window.close()


def test_autosave_writes_only_while_dirty_and_a_live_window_is_not_offered(window, qtbot, tmp_path):
    project_file = tmp_path / "net.lfproj"
    project_file.write_text((EXAMPLES / "perceptron.lfproj").read_text(encoding="utf-8"), encoding="utf-8")
    window.files.open_path(project_file)
    assert not window.autosave.save_now()
    window.editor.add_layer("ReLU", (0, 200))
    assert window.autosave.save_now()
    copy = window.autosave.project_file
    assert copy.parent == recovery_dir() and copy != project_file
    assert "relu1" in copy.read_text(encoding="utf-8")
    meta = json.loads(window.autosave.meta_file.read_text(encoding="utf-8"))
    assert meta["original_path"] == str(project_file)
    # another window of the same (living) process must not offer this window's work
    assert pending_recoveries() == []
    window.undo_stack.undo()  # clean again
    window.autosave.save_now()
    assert not copy.exists()


def test_discarding_a_recovery_deletes_it(qtbot, tmp_path):
    # a recovery left behind without a lock (as after a crash)
    folder = recovery_dir()
    (folder / "dead1.lfproj").write_text((EXAMPLES / "perceptron.lfproj").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    (folder / "dead1.json").write_text(json.dumps({"name": "Perceptron", "original_path": None,
                                                   "directory": str(tmp_path), "saved_at": 1.0}))
    window = MainWindow()
    window.show()
    try:
        when_modal(qtbot, lambda box: press_button_text(box, "Discard"))
        assert not offer_recovery(window)
        assert not (folder / "dead1.lfproj").exists() and not (folder / "dead1.json").exists()
        assert window.project.name == "Untitled"
    finally:
        window.close()
