"""A GAN in the dialogs and the training form: Generate Samples says what the run is and offers
a conditional GAN's classes, Predict refuses a GAN's run, the form shows the GAN's own
settings instead of the loss, metrics and early stopping."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from designer.export import GenerateDialog, PredictDialog
from tests.core.test_cgan import _prepare, cgan_project
from tests.designer.conftest import open_example
from tests.designer.test_export_dialogs import open_from_menu
from tests.designer.test_training_helpers import installed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cgan-project")
    project = cgan_project(folder, epochs=2)
    result = _prepare(project, folder / "runs" / "cgan-run").fit()
    assert result.status == "completed", result.reason
    return project.path, folder / "runs" / "cgan-run"


def test_generate_offers_the_classes_of_a_conditional_gan(qtbot, window, cgan_run):
    project, run = cgan_run
    assert window.files.open_path(project, confirm=False)
    dialog = open_from_menu(qtbot, window, "Generate Samples…", GenerateDialog)
    assert dialog.runs.run_dir == run
    assert "a conditional GAN" in dialog.about.text() and "variational" not in dialog.about.text()
    assert dialog.label.isVisible()
    assert [dialog.label.itemText(i) for i in range(dialog.label.count())] == [
        "Every class in turn", *[str(d) for d in range(10)]]
    dialog.count.setValue(6)
    dialog.label.setCurrentIndex(dialog.label.findText("7"))
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.generated is not None, timeout=60000)
    assert dialog.generated.labels.tolist() == [7] * 6
    first = dialog.generated
    dialog.label.setCurrentIndex(0)  # every class in turn: a column per class
    dialog.count.setValue(20)
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.generated is not first, timeout=60000)
    assert dialog.generated.labels.tolist() == [*range(10), *range(10)]
    assert dialog.grid.shape == (2 * 10 + 2, 10 * 10 + 2)  # 8x8 digits, 2 pixels apart
    dialog.close()


def test_predict_refuses_a_gan_run_with_one_sentence(qtbot, window, cgan_run):
    project, run = cgan_run
    assert window.files.open_path(project, confirm=False)
    dialog = open_from_menu(qtbot, window, "Predict…", PredictDialog)
    assert dialog.runs.run_dir == run
    assert dialog.message.is_error and dialog.message.plain == (
        f"{run.name} is a GAN, which makes new samples instead of predicting: draw them with"
        " layerforge generate (Export ▸ Generate Samples… in the app)")
    assert not dialog.csv_button.isEnabled() and not dialog.folder_button.isEnabled()
    dialog.close()


def test_the_training_form_shows_a_gans_own_settings(qtbot, window):
    controller = installed(window)
    open_example(qtbot, window, "gan_digits")
    QApplication.processEvents()
    form = controller.panel.form
    gan = form.rows["adversarial"]
    assert gan.shown and all(not form.rows[k].shown for k in ("loss", "metrics", "monitor", "early_stopping"))
    assert form.rows["learning_rate"].label.text().startswith("Generator learning rate")
    assert form.rows["betas"].editor.value() == [0.5, 0.999]  # a GAN's default
    editor = gan.editor
    assert not editor.same_rate.isChecked() and editor.rate.value() == pytest.approx(0.0002)
    editor.steps.setValue(2)  # as the person's edit ends
    project = window.project
    assert project.training["adversarial"] == {"discriminator_learning_rate": 0.0002,
                                               "discriminator_steps": 2, "label_smoothing": 0.1}
    qtbot.mouseClick(editor.same_rate, Qt.MouseButton.LeftButton)
    assert "discriminator_learning_rate" not in project.training["adversarial"]
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert project.training["adversarial"] == {"discriminator_learning_rate": 0.0002, "label_smoothing": 0.1}
    QApplication.processEvents()
    assert editor.steps.value() == 1 and editor.rate.isEnabled()
    # another network: the GAN section goes, the loss comes back
    open_example(qtbot, window, "spiral_mlp")
    QApplication.processEvents()
    assert not form.rows["adversarial"].shown and form.rows["loss"].shown
    assert form.rows["learning_rate"].label.text().startswith("Learning rate")
