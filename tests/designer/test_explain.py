"""The Explain window and the errors-first Results gallery, driven like a person (offscreen).

The runs are real (tiny projects trained for an epoch); attributions are computed in the
window's worker thread, and the tests wait for them as a person would.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from designer.explain import ExplainDialog, open_explain_dialog
from tests.core.explain import projects

WAIT = 120_000


@pytest.fixture(scope="module")
def explain_runs(tmp_path_factory):
    """``{kind: (project path, run folder)}`` for a table, an image and a text project."""
    folder = tmp_path_factory.mktemp("explain-designer")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAYERFORGE_CACHE_DIR", str(folder / "cache"))
        runs = {}
        for kind, make in (("table", projects.table_project), ("image", projects.image_project),
                           ("text", projects.text_project), ("noise", projects.noise_image_project)):
            project = make(folder / kind)
            runs[kind] = (project, projects.train(project, folder / kind / "runs" / f"{kind}-run"))
        yield runs


def _open(qtbot, window, explain_runs, kind: str) -> ExplainDialog:
    project, run_dir = explain_runs[kind]
    assert window.files.open_path(project, confirm=False)
    action = next(a for a in window.menu("Train").actions() if a.objectName() == "actionExplain")
    action.trigger()
    qtbot.waitUntil(lambda: window.findChild(ExplainDialog) is not None, timeout=5000)
    dialog = window.findChild(ExplainDialog)
    assert dialog.runs.run_dir.resolve() == run_dir.resolve()  # the project's newest run
    qtbot.waitUntil(lambda: dialog.validation is not None, timeout=WAIT)
    return dialog


def _explain(qtbot, dialog, method: str, row: int = 0) -> None:
    dialog.method.setCurrentIndex(dialog.method.findData(method))
    dialog.samples.table.selectRow(row)
    dialog.explanation = None
    qtbot.mouseClick(dialog.explain_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.explanation is not None, timeout=WAIT)
    assert not dialog.message.is_error, dialog.message.plain


def test_a_table_sample_gets_a_bar_per_column_and_the_columns_a_ranking(qtbot, window, explain_runs):
    dialog = _open(qtbot, window, explain_runs, "table")
    assert dialog.samples.table.rowCount() == len(dialog.validation.samples) > 0
    gradcam = dialog.method.model().item(dialog.method.findData("grad_cam"))
    assert not gradcam.isEnabled() and "convolutional" in gradcam.toolTip()
    _explain(qtbot, dialog, "integrated_gradients", row=2)
    result = dialog.result
    assert result.stack.currentWidget() is result.table_page and result.bars.isVisible()
    assert sorted(result.bars.names) == ["a", "b", "city", "colour"]
    assert result.bars.bars is not None and np.abs(result.bars.values).sum() > 0
    assert dialog.samples.table.item(2, 0).text() in result.caption.text()
    assert "Red pushes towards" in result.legend.text()
    qtbot.mouseClick(dialog.rank_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.ranking is not None, timeout=WAIT)
    ranked = dialog.ranking_bars.names
    assert sorted(ranked) == ["a", "b", "city", "colour"]
    assert list(dialog.ranking.mean_abs) == sorted(dialog.ranking.mean_abs, reverse=True)
    assert ranked[0] == dialog.ranking.columns[0]  # the largest at the top
    dialog.done(0)


def test_an_image_gets_a_grad_cam_overlay_at_the_chosen_layer(qtbot, window, explain_runs):
    dialog = _open(qtbot, window, explain_runs, "image")
    dialog.method.setCurrentIndex(dialog.method.findData("grad_cam"))
    assert dialog.layer.isVisible() and dialog.layer.currentData() == "conv"
    # only convolutions: not the Identity before it, not the ReLU after it
    assert [dialog.layer.itemData(i) for i in range(dialog.layer.count())] == ["conv"]
    assert not dialog.tabs.isTabVisible(dialog.ranking_tab)  # no columns to rank
    _explain(qtbot, dialog, "grad_cam")
    assert dialog.explanation.layer == "conv"
    assert dialog.result.stack.currentWidget() is dialog.result.image and dialog.result.image.has_overlay
    assert "at layer conv" in dialog.result.caption.text()
    _explain(qtbot, dialog, "smoothgrad", row=1)
    assert not dialog.layer.isVisible() and dialog.explanation.layer is None
    dialog.done(0)


def test_words_are_coloured_and_a_dropped_csv_file_is_explained_too(qtbot, window, explain_runs, tmp_path):
    dialog = _open(qtbot, window, explain_runs, "text")
    _explain(qtbot, dialog, "integrated_gradients")
    html = dialog.result.text.toHtml()
    tokens = dialog.explanation.texts[0].tokens[0]
    assert tokens and all(token in html for token in tokens)
    assert "background-color:" in html
    assert dialog.result.bars.isVisible()  # the stars column beside the words
    new = projects.write_reviews(tmp_path / "new_reviews.csv", rows=5, seed=7)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(new))])
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    dialog.dropEvent(drop)
    qtbot.waitUntil(lambda: dialog.opened is not dialog.validation and dialog.opened is not None, timeout=WAIT)
    assert dialog.samples.table.rowCount() == 5 and "new_reviews.csv" in dialog.samples.source.text()
    _explain(qtbot, dialog, "saliency", row=4)
    assert dialog.explanation.ids == ["6"]
    qtbot.mouseClick(dialog.validation_button, Qt.MouseButton.LeftButton)
    assert dialog.samples.table.rowCount() == len(dialog.validation.samples)
    dialog.done(0)


def test_the_explain_list_shows_misclassified_samples_most_confident_first(qtbot, window, explain_runs):
    dialog = _open(qtbot, window, explain_runs, "noise")
    opened = dialog.validation
    wrong = opened.predictions.predicted != opened.samples.truth
    assert 1 < wrong.sum() < len(wrong)
    dialog.samples.errors_first.setChecked(True)
    table = dialog.samples.table
    assert table.rowCount() == int(wrong.sum())
    shown = [opened.predictions.confidence[i] for i in dialog.samples.order]
    assert shown == sorted(shown, reverse=True)
    dialog.done(0)


# ---------------------------------------------------------------------- the Results gallery
def _report(n: int = 12, k: int = 3, seed: int = 0):
    from core.train.metrics import classification_metrics, per_class_metrics
    from core.train.probes.report import FinalReport, SamplePredictions

    rng = np.random.default_rng(seed)
    truth = np.arange(n) % k
    probabilities = rng.dirichlet(np.ones(k), n).astype(np.float32)
    predicted = probabilities.argmax(1)
    confusion = np.bincount(truth * k + predicted, minlength=k * k).reshape(k, k)
    samples = SamplePredictions([f"img{i}.png" for i in range(n)], rng.random((n, 1, 8, 8), dtype=np.float32),
                                truth, predicted, probabilities)
    return FinalReport("final_report", "validation", "classification", ["a", "b", "c", "d"][:k],
                       classification_metrics(confusion), confusion, per_class_metrics(confusion), samples)


def _results(qtbot):
    from designer.training.plots.results import ResultsView

    view = ResultsView()
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def _click_cell(qtbot, view, true: int, predicted: int) -> None:
    """A real left click on the confusion matrix's cell (row = true class, column = predicted)."""
    scene_point = view.matrix_plot.vb.mapViewToScene(QPointF(predicted + 0.5, true + 0.5))
    pos = view.left.mapFromScene(scene_point)
    qtbot.mouseClick(view.left.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    QApplication.processEvents()


def test_misclassified_only_and_a_confusion_cell_filter_the_gallery(qtbot):
    view = _results(qtbot)
    report = _report()
    view.show_report(report)
    samples = report.samples
    assert view.gallery.count() == 12
    view.errors_only.setChecked(True)
    wrong = np.flatnonzero(samples.predicted != samples.true)
    confidence = samples.probabilities.max(1)
    expected = [samples.ids[i] for i in wrong[np.argsort(-confidence[wrong], kind="stable")]]
    assert [view.gallery.item(i).data(Qt.ItemDataRole.UserRole) for i in range(view.gallery.count())] == expected
    assert f"{len(wrong)} gallery samples misclassified" in view.filter_label.text()
    view.errors_only.setChecked(False)

    true, predicted = next((int(samples.true[i]), int(samples.predicted[i])) for i in wrong)
    _click_cell(qtbot, view, true, predicted)
    assert view.cell == (true, predicted) and view.show_all.isVisible()
    in_cell = [samples.ids[i] for i in range(12) if samples.true[i] == true and samples.predicted[i] == predicted]
    shown = [view.gallery.item(i).data(Qt.ItemDataRole.UserRole) for i in range(view.gallery.count())]
    assert sorted(shown) == sorted(in_cell) and len(shown) == report.confusion[true, predicted]
    qtbot.mouseClick(view.show_all, Qt.MouseButton.LeftButton)
    assert view.cell is None and view.gallery.count() == 12


def test_with_the_run_folder_every_validation_mistake_is_shown(qtbot, explain_runs):
    from core.explain import validation_samples
    from core.explain.samples import predict
    from core.train import load_trained_model

    _project, run_dir = explain_runs["noise"]
    trained = load_trained_model(run_dir)
    samples = validation_samples(trained)
    predictions = predict(trained, samples.x)
    wrong = {samples.ids[i] for i in np.flatnonzero(predictions.predicted != samples.truth)}
    assert len(wrong) > 2  # more than the report's own samples could show

    view = _results(qtbot)
    view.run_dir = run_dir
    report = _report(n=4, k=2)  # the report's few samples; the filter looks at all of them
    report.class_names = ["left", "right"]
    view.show_report(report)
    view.errors_only.setChecked(True)
    qtbot.waitUntil(lambda: view.all_samples is not None, timeout=WAIT)
    shown = {view.gallery.item(i).data(Qt.ItemDataRole.UserRole) for i in range(view.gallery.count())}
    assert shown == wrong
    assert "validation samples" in view.filter_label.text()


def test_regression_shows_the_largest_errors_first(qtbot):
    from core.train.probes.report import FinalReport, SamplePredictions

    truth = np.array([[1.0], [5.0], [2.0], [0.0]], np.float32)
    predicted = np.array([[1.5], [1.0], [2.0], [-3.0]], np.float32)
    samples = SamplePredictions(["2", "3", "4", "5"], np.zeros((4, 2), np.float32), truth, predicted)
    report = FinalReport("final_report", "validation", "regression", None, {"mae": 1.0}, None, None, samples,
                         truth, predicted)
    view = _results(qtbot)
    view.show_report(report)
    assert view.errors_only.text() == "Largest errors first"
    view.errors_only.setChecked(True)
    assert [view.samples.item(r, 0).text() for r in range(view.samples.rowCount())] == ["3", "5", "2", "4"]


def test_double_clicking_a_sample_opens_its_explanation(qtbot, window, explain_runs):
    """The Results tab of the installed training part asks the explain part through services."""
    from designer.services import TrainingApi

    project, run_dir = explain_runs["image"]
    assert window.files.open_path(project, confirm=False)
    view = window.services.provided(TrainingApi).plots.results
    view.run_dir = run_dir
    report = _report(n=4, k=2)
    view.show_report(report)
    first = view.gallery.item(0)
    view.gallery.itemDoubleClicked.emit(first)
    qtbot.waitUntil(lambda: window.findChild(ExplainDialog) is not None, timeout=5000)
    dialog = window.findChild(ExplainDialog)
    assert dialog.runs.run_dir.resolve() == run_dir.resolve()
    dialog.done(0)


def test_a_sample_id_given_to_the_window_is_selected_and_explained(qtbot, window, explain_runs):
    from core.explain import validation_samples
    from core.train import load_trained_model

    project, run_dir = explain_runs["table"]
    assert window.files.open_path(project, confirm=False)
    sample = validation_samples(load_trained_model(run_dir)).ids[3]
    dialog = open_explain_dialog(window.services, run_dir=run_dir, sample=sample)
    qtbot.waitUntil(lambda: dialog.explanation is not None, timeout=WAIT)
    assert dialog.explanation.ids == [sample]
    dialog.done(0)


def test_a_long_integrated_gradients_shows_progress_and_cancel_stops_it(qtbot, window, explain_runs):
    dialog = _open(qtbot, window, explain_runs, "image")
    dialog.method.setCurrentIndex(dialog.method.findData("integrated_gradients"))
    assert dialog.repeats.isVisible() and dialog.repeats_label.text() == "Steps:" and dialog.repeats.value() == 32
    dialog.repeats.setValue(5000)
    dialog.samples.table.selectRow(0)
    dialog.explanation = None
    qtbot.mouseClick(dialog.explain_button, Qt.MouseButton.LeftButton)
    task = dialog.task
    assert dialog.progress.isVisible() and dialog.progress.cancel_button.isEnabled()
    assert not dialog.explain_button.isEnabled()  # one computation at a time
    seen = []

    def on_progress(fraction, _message):
        seen.append(fraction)
        if 0 < fraction < 1 and dialog.progress.cancel_button.isEnabled():
            qtbot.mouseClick(dialog.progress.cancel_button, Qt.MouseButton.LeftButton)

    task.progress.connect(on_progress)
    qtbot.waitUntil(lambda: task.done, timeout=WAIT)
    QApplication.processEvents()
    assert any(0 < f < 1 for f in seen)  # progress inside the one sample's 5,000 steps
    assert dialog.explanation is None and "Cancelled." in dialog.message.plain
    assert not dialog.progress.isVisible() and dialog.explain_button.isEnabled()
    dialog.method.setCurrentIndex(dialog.method.findData("saliency"))
    assert not dialog.repeats.isVisible()
    dialog.method.setCurrentIndex(dialog.method.findData("smoothgrad"))
    assert dialog.repeats_label.text() == "Noisy copies:" and dialog.repeats.value() == 16
    dialog.done(0)


def test_a_dropped_image_is_explained_and_a_wrong_file_is_one_sentence(qtbot, window, explain_runs, tmp_path):
    from PIL import Image

    dialog = _open(qtbot, window, explain_runs, "image")
    picture = tmp_path / "new_square.png"
    pixels = np.zeros((8, 8, 3), np.uint8)
    pixels[2:6, 2:6] = 255
    Image.fromarray(pixels, "RGB").save(picture)
    _drop(dialog, picture)
    qtbot.waitUntil(lambda: dialog.opened is not dialog.validation and not dialog.busy, timeout=WAIT)
    assert dialog.samples.table.rowCount() == 1 and dialog.samples.source.text() == "new_square.png: 1 sample"
    _explain(qtbot, dialog, "integrated_gradients")
    assert dialog.explanation.ids == ["new_square.png"] and dialog.result.image.has_overlay
    table = tmp_path / "rows.csv"
    table.write_text("a,b\n1,2\n", encoding="utf-8")
    _drop(dialog, table)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.message.is_error, timeout=WAIT)
    assert dialog.message.plain.count(". ") == 0 and "rows.csv is not an image" in dialog.message.plain
    assert "choose an image file" in dialog.message.plain
    assert dialog.samples.table.rowCount() == 1  # the image is still there to explain
    dialog.done(0)


def _drop(dialog, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    dialog.dropEvent(QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                                Qt.KeyboardModifier.NoModifier))


def test_double_clicking_a_misclassified_gallery_sample_explains_that_sample(qtbot, window, explain_runs):
    """A real double-click on a thumbnail of the errors-first gallery: the Explain window opens
    on the run and explains exactly that validation sample."""
    from PySide6.QtTest import QTest

    from designer.services import ExplainApi

    project, run_dir = explain_runs["noise"]
    assert window.files.open_path(project, confirm=False)
    view = _results(qtbot)
    view.explain_requested.connect(lambda run, sample: window.services.provided(ExplainApi)(run_dir=run,
                                                                                            sample=sample))
    view.run_dir = run_dir
    view.show_report(_report(n=4, k=2))
    view.errors_only.setChecked(True)
    qtbot.waitUntil(lambda: view.all_samples is not None, timeout=WAIT)
    assert view.gallery.count() > 1
    item = view.gallery.item(1)
    sample = item.data(Qt.ItemDataRole.UserRole)
    where = view.gallery.visualItemRect(item).center()
    QTest.mouseClick(view.gallery.viewport(), Qt.MouseButton.LeftButton, pos=where)  # as a person's
    QTest.mouseDClick(view.gallery.viewport(), Qt.MouseButton.LeftButton, pos=where)  # first press
    qtbot.waitUntil(lambda: window.findChild(ExplainDialog) is not None, timeout=5000)
    dialog = window.findChild(ExplainDialog)
    qtbot.waitUntil(lambda: dialog.explanation is not None, timeout=WAIT)
    assert dialog.runs.run_dir.resolve() == run_dir.resolve()
    assert dialog.explanation.ids == [sample]
    truth = dialog.validation.samples.truth[dialog.validation.samples.ids.index(sample)]
    assert dialog.explanation.predictions[0] != ["left", "right"][int(truth)]  # a mistake indeed
    dialog.done(0)
