"""Preferences ▸ TensorBoard folder / MLflow tracking: stored, and a run trained in the window
is then logged to both with the real libraries."""

from __future__ import annotations

from PySide6.QtCore import Qt

from designer import settings
from designer.preferences import show_preferences
from tests.designer.test_training_helpers import example_copy, open_project, training, wait_finished  # noqa: F401


def test_a_run_trained_in_the_window_is_logged_where_the_preferences_say(qtbot, window, training, tmp_path):
    dialog = show_preferences(window)
    qtbot.waitExposed(dialog)
    for box, text in ((dialog.tensorboard, str(tmp_path / "tb")), (dialog.mlflow, str(tmp_path / "mlruns"))):
        box.setFocus()
        qtbot.keyClicks(box, text)
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert settings.tracking() == {"tensorboard": str(tmp_path / "tb"), "mlflow": str(tmp_path / "mlruns")}
    assert dialog.tracking_note.text() == ""  # both libraries are installed here
    dialog.close()
    path = example_copy(tmp_path, "perceptron", training={"epochs": 3})
    open_project(qtbot, window, path)
    qtbot.mouseClick(training.panel.train_button, Qt.MouseButton.LeftButton)
    result = wait_finished(qtbot, training)
    assert result.status == "completed", result.reason
    assert list((tmp_path / "tb" / result.run_dir.name).glob("events.out.tfevents.*"))
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=str(tmp_path / "mlruns"))
    (run,) = client.search_runs([client.get_experiment_by_name("Perceptron").experiment_id])
    assert run.info.run_name == result.run_dir.name
    assert len(client.get_metric_history(run.info.run_id, "train_loss")) == 3
