"""The live plots receive the run's data, the decision boundary and feature maps update, the
confusion matrix and the gallery appear after training, and plots/metrics can be saved."""

from __future__ import annotations

import csv

import numpy as np
from PySide6.QtWidgets import QApplication

from tests.designer.test_training_helpers import (example_copy, open_project, spiral, train_and_wait,  # noqa: F401
                                                  training)


def curve_length(item) -> int:
    """Points given to a curve (``getData`` would give those in view after clipping)."""
    return 0 if item.xData is None else len(item.xData)


def test_spiral_run_fills_every_plot(qtbot, window, training, spiral, tmp_path):
    plots = training.plots
    result = train_and_wait(qtbot, training)
    assert result.status == "completed"
    live = training.session.live
    plots.redraw_all()
    # loss per batch and per epoch, the metric, activations, gradient norms
    overview = plots.overview
    assert curve_length(plots.loss.loss.raw) == len(live.batch_x) > 0
    assert curve_length(overview.loss.smooth) == len(live.batch_x)
    assert curve_length(overview.loss.val) == len(live.rows) == 3
    assert curve_length(overview.metric_curves.val) == 3
    assert overview.metric_curves.shown_metric(live) == "accuracy"
    assert curve_length(overview.band.median) == len(live.layers["relu1"].x) > 0
    assert curve_length(overview.grads.curves[0]) == len(live.norm_x) > 0
    assert [c.name() for c in plots.norms.grads.curves] == ["fc1", "fc2", "output"]
    assert plots.loss.metric_plots.keys() == {"accuracy", "precision", "recall", "f1"}
    assert curve_length(plots.loss.lr.line) > 0
    assert set(plots.activations.dead.curves) == {"relu1", "relu2"}  # ReLU-like layers only
    assert plots.activations.table.rowCount() == len(live.layers) == 5
    # the decision boundary under the data points, redrawn as training went on
    boundary = plots.boundary.boundary
    assert boundary.updates >= 1
    image = boundary.image.image
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert len(boundary.points.data) == 320  # the training points (400 minus the validation split)
    assert overview.side.currentWidget() is overview.boundary_layout
    # after training: the confusion matrix and per-class metrics, shown by themselves
    assert plots.tabs.currentWidget() is plots.results
    matrix = plots.results.matrix.matrix
    assert matrix is not None and matrix.shape == (2, 2) and matrix.sum() == 80
    assert plots.results.per_class.rowCount() == 2
    assert plots.results.samples.rowCount() > 0  # 2-D points: a table of sample predictions
    assert "Accuracy" in plots.results.summary.text()


def test_boundary_image_changes_while_training(qtbot, window, training, tmp_path):
    path = example_copy(tmp_path, "spiral_mlp", data={"samples": 2000}, training={"epochs": 6})
    open_project(qtbot, window, path)
    plots = training.plots
    plots.tabs.setCurrentWidget(plots.boundary)
    images = []

    def grab() -> None:
        plots.redraw()  # what the timer does (a fast run ends before many of its ticks)
        image = plots.boundary.boundary.image.image
        if image is not None and (not images or not np.array_equal(images[-1], image)):
            images.append(image.copy())

    training.session.progressed.connect(lambda _item: grab())
    train_and_wait(qtbot, training)
    assert len(images) >= 3  # several different pictures arrived during the run


def test_cnn_feature_maps_and_gallery(qtbot, window, training, tmp_path):
    path = example_copy(tmp_path, "lenet_shapes", data={"samples": 300}, training={"epochs": 2})
    open_project(qtbot, window, path)
    plots = training.plots
    plots.feature_maps.set_sample_count(60)
    plots.feature_maps.sample_box.setValue(5)  # the sample chooser: kept for the run
    result = train_and_wait(qtbot, training)
    assert result.status == "completed"
    assert training.session.live.activations.sample_index == 5
    plots.redraw_all()
    views = plots.feature_maps
    assert plots.tabs.isTabVisible(plots.tabs.indexOf(views))
    assert not plots.tabs.isTabVisible(plots.tabs.indexOf(plots.boundary))  # images are not 2-D points
    layers = [views.layer_box.itemText(i) for i in range(views.layer_box.count())]
    assert layers[:2] == ["conv1", "relu1"]
    assert views.maps.maps.image is not None and views.maps.maps.image.ndim == 3
    assert views.maps.input.image.shape == (28, 28, 3)
    assert views.sample_box.maximum() == 59  # the probe batch: the 60 validation images
    assert views.sample_box.value() == 5
    gallery = plots.results.gallery
    assert plots.results.gallery_stack.currentWidget() is gallery
    assert gallery.count() == 32
    assert not gallery.item(0).icon().isNull()
    assert plots.results.matrix.matrix.shape == (3, 3)


def test_save_plot_png_and_metrics_csv(qtbot, window, training, spiral, tmp_path):
    train_and_wait(qtbot, training)
    plots = training.plots
    for view in plots.views:
        index = plots.tabs.indexOf(view)
        if plots.tabs.isTabVisible(index):
            plots.tabs.setCurrentIndex(index)
            QApplication.processEvents()
            target = tmp_path / f"{index}.png"
            plots.save_image(target)
            assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", view.title
    plots.save_csv(tmp_path / "metrics.csv")
    with open(tmp_path / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert {"train_loss", "val_loss", "val_accuracy", "learning_rate"} <= set(rows[0])


def test_log_scale_switch_redraws_the_loss(qtbot, window, training, spiral):
    train_and_wait(qtbot, training)
    plots = training.plots
    plots.tabs.setCurrentWidget(plots.loss)
    assert plots.loss.loss_plot.getAxis("left").logMode
    plots.log_box.click()
    assert not plots.loss.loss_plot.getAxis("left").logMode
    assert curve_length(plots.loss.loss.raw) == len(training.session.live.batch_x)


def test_no_attribute_hides_a_qt_method(qtbot, window, training):
    """An attribute named like a Qt virtual (``metric``) makes Qt call it and crash rendering."""
    from PySide6.QtCore import Signal
    from PySide6.QtWidgets import QWidget

    qt_names = {n for n in dir(QWidget) if not isinstance(getattr(QWidget, n), Signal)}
    widgets = [training.panel, training.panel.form, training.plots, training.history, *training.plots.views]
    for widget in widgets:
        clashes = set(vars(widget)) & qt_names
        assert not clashes, f"{type(widget).__name__}: {clashes}"
        widget.grab()  # renders without crashing
    from PySide6.QtCore import QObject

    object_names = {n for n in dir(QObject) if not isinstance(getattr(QObject, n), Signal)}
    for obj in (training, training.session, training.device_finder):
        assert not set(vars(obj)) & object_names, type(obj).__name__
