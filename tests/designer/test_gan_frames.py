"""A GAN on the canvas and in the training plots: its two sub-networks framed and named, the
frames following the cards, and the Samples and Discriminator tabs filled by a real run."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRectF
from PySide6.QtWidgets import QApplication

from designer.canvas.node_item import HEIGHT, WIDTH
from tests.designer.conftest import drag, open_example
from tests.designer.test_training_helpers import example_copy, open_project, train_and_wait, training  # noqa: F401


def card(window, node_id: str) -> QRectF:
    item = window.scene.nodes[node_id]
    return QRectF(item.pos(), item.pos() + QPointF(WIDTH, HEIGHT))


def test_a_gan_gets_a_named_frame_around_each_network(qtbot, window):
    open_example(qtbot, window, "gan_digits")
    frames = window.scene.frames.frames
    assert set(frames) == {"generator", "discriminator"}
    generator, discriminator = frames["generator"], frames["discriminator"]
    assert generator.label.text() == "generator" and discriminator.label.text() == "discriminator"
    for node_id in ("noise", "g_hidden1", "g_image", "generator"):
        assert generator.rect.contains(card(window, node_id)), node_id
        assert not discriminator.rect.intersects(card(window, node_id)), node_id
    for node_id in ("image", "d_flatten", "discriminator"):
        assert discriminator.rect.contains(card(window, node_id)), node_id
    assert generator.zValue() < window.scene.nodes["noise"].zValue()  # behind the cards
    # a move (as the editor makes it, undoable) refits the frame around the card
    window.editor.move({"discriminator": (900.0, 520.0)})
    assert discriminator.rect.contains(card(window, "discriminator"))
    window.undo_stack.undo()
    assert not discriminator.rect.contains(QRectF(QPointF(900, 520), QPointF(900 + WIDTH, 520 + HEIGHT)))
    # an Output that is no longer a discriminator: not a GAN, no frames; undo brings them back
    window.editor.set_param("discriminator", "target", "data")
    QApplication.processEvents()
    assert window.scene.frames.frames == {}
    assert not [item for item in window.scene.items() if type(item).__name__ == "FrameItem"]
    window.undo_stack.undo()
    assert set(window.scene.frames.frames) == {"generator", "discriminator"}


def test_dragging_a_card_takes_its_frame_along_while_it_moves(qtbot, window):
    open_example(qtbot, window, "gan_digits")
    view = window.view
    frame = window.scene.frames.frames["generator"]
    before = QRectF(frame.rect)
    start = view.mapFromScene(card(window, "generator").center())
    drag(view.viewport(), start, start + QPoint(0, -120), steps=6)
    assert frame.rect.top() < before.top()  # the frame grew upwards with the card
    assert frame.rect.contains(card(window, "generator"))


def test_other_networks_have_no_frames(qtbot, window):
    open_example(qtbot, window, "spiral_mlp")
    assert window.scene.frames.frames == {}


def test_a_gan_run_fills_the_samples_and_discriminator_tabs(qtbot, window, training, tmp_path):
    digits = Path(__file__).resolve().parents[2] / "resources" / "sample_data" / "digits"
    path = example_copy(tmp_path, "gan_digits", data={"path": str(digits)}, training={"epochs": 2})
    open_project(qtbot, window, path)
    plots = training.plots
    result = train_and_wait(qtbot, training)
    assert result.status == "completed", result.reason
    live = training.session.live
    plots.redraw_all()
    snapshot = live.gan_samples
    assert snapshot.grid.shape == (6 * 10 + 2, 6 * 10 + 2) and snapshot.epoch == 2  # 8×8 digits
    samples, judge = plots.gan_samples, plots.discriminator
    assert plots.tabs.isTabVisible(plots.tabs.indexOf(samples))
    assert plots.tabs.isTabVisible(plots.tabs.indexOf(judge))
    assert samples.grid.updates >= 1 and samples.grid.image.image.shape[:2] == snapshot.grid.shape
    assert [len(c.xData) for c in judge.curves.curves] == [2, 2, 2, 2]
    assert list(judge.curves.curves[2].yData) == [row["train_d_fake"] for row in live.rows]
    assert len(samples.diversity.curves[1].xData) == 2
    # the loss plot shows each network's loss as its own curve
    assert set(plots.loss.loss.heads) == {"generator", "discriminator"}
    samples.save_png(tmp_path / "samples.png")
    assert (tmp_path / "samples.png").stat().st_size > 1000
    # another project's run: the GAN tabs go
    plots.clear()
    plots.redraw()
    assert not plots.tabs.isTabVisible(plots.tabs.indexOf(samples))
