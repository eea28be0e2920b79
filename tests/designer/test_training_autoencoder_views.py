"""The Reconstructions, Latent space and VAE samples tabs: what they draw from the autoencoder
probes' snapshots, and real runs (a VAE on shapes, a table autoencoder) through the window."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QApplication

from core.train.probes import LatentSpace, Reconstructions, VaeSamples
from designer.training.live import LiveRun
from designer.training.plots.reconstruction import LatentSpaceView, ReconstructionsView, VaeSamplesView
from tests.designer.test_training_helpers import example_copy, open_project, train_and_wait, training  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def shown_view(qtbot, cls):
    view = cls()
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def scatter(labels, names=("circle", "square"), points=None, epoch=1) -> LatentSpace:
    labels = None if labels is None else np.asarray(labels, np.int64)
    count = 6 if labels is None else len(labels)
    points = np.arange(count * 2, dtype=np.float32).reshape(count, 2) if points is None else points
    return LatentSpace("latent_space", epoch, None, 10, "bottleneck", False, 16, points, labels,
                       list(names) if labels is not None else [], np.array([0.5, 0.25], np.float32))


def test_the_latent_scatter_has_one_colour_and_legend_entry_per_class(qtbot):
    live = LiveRun()
    view = shown_view(qtbot, LatentSpaceView)
    assert not view.shown(live) and not view.update_from(live)
    snap = scatter([0, 1, 1, 0, 1])
    live.add_snapshot(snap)
    assert view.shown(live) and view.update_from(live)
    groups = view.scatter.groups
    assert [len(g.getData()[0]) for g in groups] == [2, 3]
    assert np.allclose(groups[1].getData()[0], snap.points[[1, 2, 4], 0])
    assert [label.text for _sample, label in view.scatter.legend.items] == ["circle", "square"]
    colors = {g.opts["brush"].color().name() for g in groups}
    assert len(colors) == 2
    plot = view.scatter.plot
    assert plot.getAxis("bottom").labelText.startswith("principal component 1 (50%")
    assert "Validation codes (bottleneck, 16 numbers)" in plot.titleLabel.text
    assert not view.update_from(live)  # nothing new
    live.add_snapshot(scatter(None))  # another run without classes: one group, no legend
    view.reset()
    assert view.update_from(live)
    assert len(view.scatter.groups) == 1 and not view.scatter.legend.items
    assert not view.scatter.legend.isVisible()


def test_the_reconstructions_tab_shows_pictures_or_bars_as_the_data_is(qtbot):
    live = LiveRun()
    view = shown_view(qtbot, ReconstructionsView)
    grid = (np.arange(40 * 60) % 256).astype(np.uint8).reshape(40, 60)
    empty = np.zeros((0, 1, 4, 4), np.float32)
    live.add_snapshot(Reconstructions("reconstructions", 1, 5, 5, "output", "validation", True, empty, empty,
                                      grid, 8, np.array([0.5, 0.25], np.float32)))
    assert view.update_from(live)
    assert view.pairs_plot.isVisible() and not view.errors_plot.isVisible()
    assert np.array_equal(view.pairs.image.image[..., 0], grid)
    assert "error 0.375" in view.pairs_plot.titleLabel.text and "batch 5" in view.pairs_plot.titleLabel.text
    live.add_snapshot(Reconstructions("reconstructions", 2, None, 9, "output", "validation", False,
                                      np.zeros((0, 3)), np.zeros((0, 3)), feature_names=["a", "b", "c"],
                                      feature_errors=np.array([0.1, 0.4, 0.2], np.float32), rows=30))
    assert view.update_from(live)
    assert view.errors_plot.isVisible() and not view.pairs_plot.isVisible()
    assert np.allclose(view.errors.bars.opts["width"], [0.1, 0.4, 0.2])
    assert view.errors.names == ["a", "b", "c"]
    assert "30 validation rows" in view.errors_plot.titleLabel.text


def test_the_vae_samples_tab_draws_the_prior_grid_and_the_walk(qtbot):
    live = LiveRun()
    view = shown_view(qtbot, VaeSamplesView)
    assert not view.shown(live)
    prior = np.full((20, 20), 7, np.uint8)
    walk = np.stack([np.full((30, 30), 200, np.uint8)] * 3, -1)  # RGB
    live.add_snapshot(VaeSamples("vae_samples", 4, None, 80, "z", 2, np.zeros((4, 1, 8, 8), np.float32),
                                 prior, 2, walk, 3, 2.5))
    assert view.shown(live) and view.update_from(live)
    assert np.array_equal(view.prior.image.image[..., 1], prior)  # grey drawn as RGB
    assert np.array_equal(view.walk.image.image, walk)
    assert "epoch 4 (end)" in view.prior.plot.titleLabel.text
    assert "Latent walk ±2.5: code 1 across, 2 down" in view.walk.plot.titleLabel.text
    assert (view.prior.updates, view.walk.updates) == (1, 1)
    live.add_snapshot(VaeSamples("vae_samples", 5, None, 90, "z", 1, np.zeros((4, 1, 8, 8), np.float32),
                                 prior, 2, np.zeros((1, 1), np.uint8), 0, 2.5))  # a 1-number code: no walk
    assert view.update_from(live)
    assert (view.prior.updates, view.walk.updates) == (2, 1)


def test_a_vae_run_fills_the_three_tabs(qtbot, window, training, tmp_path):
    digits = ROOT / "resources" / "sample_data" / "digits"
    path = example_copy(tmp_path, "vae_digits", data={"path": str(digits)}, training={"epochs": 2})
    open_project(qtbot, window, path)
    plots = training.plots
    result = train_and_wait(qtbot, training)
    assert result.status == "completed"
    live = training.session.live
    plots.redraw_all()
    for view in (plots.reconstructions, plots.latent_space, plots.vae_samples):
        assert plots.tabs.isTabVisible(plots.tabs.indexOf(view))
    assert not plots.tabs.isTabVisible(plots.tabs.indexOf(plots.gan_samples))
    rec = live.reconstructions
    assert rec.is_image and rec.epoch == 2 and rec.inputs.shape == rec.outputs.shape == (16, 1, 8, 8)
    assert np.array_equal(plots.reconstructions.pairs.image.image[..., 0], rec.grid)
    latent = live.latent_space
    drawn = sum(len(g.getData()[0]) for g in plots.latent_space.scatter.groups)
    assert drawn == len(latent.points) == 359  # every validation sample (20% of 1,797)
    assert len(plots.latent_space.scatter.groups) == 10  # the ten digits
    samples = live.vae_samples
    assert np.array_equal(plots.vae_samples.prior.image.image[..., 0], samples.prior_grid)
    assert np.array_equal(plots.vae_samples.walk.image.image[..., 0], samples.walk_grid)
    plots.tabs.setCurrentWidget(plots.vae_samples)
    image = plots.grab().toImage()
    assert image.width() > 0 and image.pixelColor(image.width() // 4, image.height() // 2).isValid()


def test_a_table_autoencoder_run_shows_the_error_of_each_feature(qtbot, window, training, tmp_path):
    project = json.loads((ROOT / "resources" / "examples" / "autoencoder.lfproj").read_text(encoding="utf-8"))
    nodes = [("input", "Input", {}), ("enc", "Linear", {"out_features": 8}), ("relu", "ReLU", {}),
             ("bottleneck", "Linear", {"out_features": 2}), ("dec", "Linear", {"out_features": 8}),
             ("output", "Output", {})]
    project["graph"] = {"nodes": [{"id": i, "type": t, "params": p, "pos": [k * 170, 0]}
                                  for k, (i, t, p) in enumerate(nodes)],
                        "edges": [{"source": a[0], "target": b[0]} for a, b in zip(nodes, nodes[1:])]}
    project["data"] = {"kind": "csv", "path": str(ROOT / "resources" / "sample_data" / "flowers.csv"),
                       "task": "reconstruction"}
    project["training"] = {**project.get("training", {}), "epochs": 3, "batch_size": 16}
    path = tmp_path / "flowers_ae.lfproj"
    path.write_text(json.dumps(project), encoding="utf-8")
    open_project(qtbot, window, path)
    plots = training.plots
    assert train_and_wait(qtbot, training).status == "completed"
    QApplication.processEvents()
    live = training.session.live
    plots.tabs.setCurrentWidget(plots.reconstructions)
    plots.redraw_all()
    rec = live.reconstructions
    assert not rec.is_image and rec.epoch == 3
    assert rec.feature_names[:4] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    view = plots.reconstructions
    assert view.errors_plot.isVisible() and not view.pairs_plot.isVisible()
    assert np.allclose(view.errors.bars.opts["width"], rec.feature_errors)
    assert view.errors.names == rec.feature_names
    ticks = plots.reconstructions.errors_plot.getAxis("left")._tickLevels[0]
    assert [name for _pos, name in ticks] == rec.feature_names
    latent = live.latent_space
    assert latent.code_id == "bottleneck" and latent.code_size == 2 and latent.labels is None
    assert not plots.tabs.isTabVisible(plots.tabs.indexOf(plots.vae_samples))  # tables, no Sample


def test_the_overview_metric_plot_says_when_a_run_has_no_metric(qtbot):
    from designer.training.plots.curves import NO_METRIC
    from designer.training.plots.views import OverviewView

    view = shown_view(qtbot, OverviewView)
    plot = view.metric_curves.plot
    live = LiveRun()
    live.start(batches_per_epoch=2, epochs=3, task="reconstruction")
    view.update_from(live)
    assert NO_METRIC not in plot.titleLabel.text  # no rows yet: nothing to say
    live.add_epoch({"epoch": 1, "train_loss": 0.5, "val_loss": 0.6, "val_loss_sample": 0.1}, best_epoch=1)
    view.update_from(live)
    assert NO_METRIC in plot.titleLabel.text
    drawn, _ = view.metric_curves.val.getData()
    assert drawn is None or len(drawn) == 0
    # a run with a metric titles it and draws it
    live = LiveRun()
    live.start(batches_per_epoch=2, epochs=3, task="reconstruction")
    live.add_epoch({"epoch": 1, "train_loss": 0.5, "val_loss": 0.6, "train_mae": 0.3, "val_mae": 0.2},
                   best_epoch=1)
    view.update_from(live)
    assert NO_METRIC not in plot.titleLabel.text and len(view.metric_curves.val.xData) == 1
