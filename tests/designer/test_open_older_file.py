"""Opening a project saved by an older LayerForge says what was updated."""

from __future__ import annotations

import json

from tests.core.test_migrations import OLD, version_three  # noqa: F401


def test_the_status_bar_says_what_an_older_file_became(qtbot, window, version_three, tmp_path):
    path = tmp_path / "old.lfproj"
    path.write_text(json.dumps(OLD))
    assert window.files.open_path(path, confirm=False)
    message = window.statusBar().currentMessage()
    assert message.startswith("Updated from an older LayerForge: old.lfproj: training.lr is now called")
    assert window.project.training == {"learning_rate": 0.5}
