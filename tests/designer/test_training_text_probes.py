"""The Embeddings and Attention tabs: what they draw from the text probes' snapshots, their
choosers, and a real run of a tiny text Transformer through the training worker."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from core.train.probes import AttentionSnapshot, EmbeddingMap, LayerAttention
from designer.training.live import LiveRun
from designer.training.plots.text import LABELLED, AttentionView, EmbeddingMapView
from tests.core.train.tiny import text_project
from tests.designer.test_training_helpers import open_project, train_and_wait, training  # noqa: F401


def word_map(count: int = 150, seed: int = 0, epoch: int = 3) -> EmbeddingMap:
    rng = np.random.default_rng(seed)
    words = [f"w{i:03d}" for i in range(count)]
    counts = np.arange(count, 0, -1, dtype=np.int64) * 10
    points = rng.normal(size=(count, 2)).astype(np.float32) * [3.0, 1.0]
    return EmbeddingMap("embedding_map", epoch, None, 40, "embed", "text", np.arange(2, count + 2),
                        words, counts, points, np.array([0.31, 0.12], np.float32), "frequency", 16)


def attention(tokens=("the", "box", "came", "late", "and", "red", "so"), heads: int = 4,
              layers=(("encoder", True), ("attn", False)), seed: int = 0) -> AttentionSnapshot:
    rng = np.random.default_rng(seed)
    t = len(tokens)
    found = []
    for node_id, masked in layers:
        raw = rng.random((heads, t, t + (0 if masked else 3)))
        weights = raw / raw.sum(-1, keepdims=True)
        share = weights[:, :, t:].sum(-1) if not masked else np.zeros((heads, t))
        found.append(LayerAttention(node_id, "TransformerEncoderLayer" if masked else "MultiheadAttention",
                                    weights[:, :, :t].astype(np.float32), share.astype(np.float32), masked))
    return AttentionSnapshot("attention", 2, None, 20, "validation", 5, list(tokens), np.arange(t), t + 3, t,
                             found)


def shown_view(qtbot, cls, live: LiveRun):
    view = cls()
    qtbot.addWidget(view)
    view.resize(1000, 640)
    view.show()
    qtbot.waitExposed(view)
    assert view.shown(live) == (getattr(live, "embedding_map" if cls is EmbeddingMapView else "attention")
                                is not None)
    return view


def test_the_word_map_draws_every_word_and_labels_the_most_frequent(qtbot):
    live = LiveRun()
    view = shown_view(qtbot, EmbeddingMapView, live)
    assert not view.shown(live) and not view.update_from(live)  # nothing until a snapshot
    snap = word_map()
    live.add_snapshot(snap)
    assert view.shown(live) and view.update_from(live)
    drawn = view.word_map
    x, y = drawn.points.getData()
    assert len(x) == 150
    assert np.allclose(x, snap.points[:, 0]) and np.allclose(y, snap.points[:, 1])
    assert [p.data() for p in drawn.points.points()[:3]] == ["w000", "w001", "w002"]  # tooltips
    labels = drawn.shown_labels()
    assert 10 <= len(labels) <= LABELLED
    assert labels == [w for w in snap.words[:LABELLED] if w in labels]  # the most frequent, in order
    assert labels[0] == "w000"  # the most frequent is always written
    for item in drawn.labels:  # each label sits on its word's point
        if item.isVisible():
            i = snap.words.index(item.textItem.toPlainText())
            assert (item.pos().x(), item.pos().y()) == pytest.approx(tuple(snap.points[i]), abs=1e-5)
    plot = drawn.plot
    assert plot.getAxis("bottom").labelText == "PC 1 (31.0 % of variance)"
    assert plot.getAxis("left").labelText == "PC 2 (12.0 % of variance)"
    assert "150 most frequent words of 'text'" in plot.titleLabel.text
    # the next snapshot moves the points; the words stay
    live.add_snapshot(word_map(seed=1, epoch=4))
    assert view.update_from(live) and drawn.updates == 2
    assert np.allclose(drawn.points.getData()[0], live.embedding_map.points[:, 0])
    assert not view.update_from(live)  # nothing new: nothing drawn


def test_a_few_words_are_all_labelled(qtbot):
    live = LiveRun()
    view = shown_view(qtbot, EmbeddingMapView, live)
    snap = word_map(count=5)
    snap.points = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0.5]], np.float32) * 10
    live.add_snapshot(snap)
    view.update_from(live)
    assert sorted(view.word_map.shown_labels()) == snap.words


def test_the_attention_map_shows_the_chosen_layer_and_head(qtbot):
    live = LiveRun()
    view = shown_view(qtbot, AttentionView, live)
    snap = attention()
    live.add_snapshot(snap)
    assert view.shown(live) and view.update_from(live)
    shown = view.map.image.image
    assert shown.shape == (7, 7)
    assert np.allclose(shown, snap.layers[0].weights.mean(0))  # the mean of the heads first
    assert [view.layer_box.itemText(i) for i in range(view.layer_box.count())] == ["encoder", "attn"]
    assert view.head_box.count() == 5 and view.head_box.currentText() == "Mean of the heads"
    for name in ("bottom", "left"):
        axis = view.map.plot.getAxis(name)
        assert axis.words == list(snap.tokens) and axis.shown_words() == list(snap.tokens)
    assert "padding steps are hidden" in view.note.text()
    view.head_box.setCurrentIndex(2)
    view.update_from(live)
    assert np.allclose(view.map.image.image, snap.layers[0].weights[1])
    assert "head 2 of 4" in view.map.plot.titleLabel.text
    view.layer_box.setCurrentText("attn")
    view.update_from(live)
    assert np.allclose(view.map.image.image, snap.layers[1].weights[1])
    assert "also attends to the 3 padding steps" in view.note.text()
    # the next snapshot keeps the choice
    live.add_snapshot(attention(seed=1))
    view.update_from(live)
    assert np.allclose(view.map.image.image, live.attention.layers[1].weights[1])


@pytest.mark.parametrize("cls", [EmbeddingMapView, AttentionView])
def test_the_tabs_take_the_height_the_dock_has(qtbot, cls):
    """A tab whose layout trades height for width (a word-wrapped label) is given its preferred
    height by the dock's scroll area, and its plot runs off the bottom of the dock."""
    view = cls()
    qtbot.addWidget(view)
    assert not view.layout().hasHeightForWidth()
    assert view.minimumSizeHint().height() < 150 and view.minimumSizeHint().width() < 500


def test_long_texts_write_every_other_word(qtbot):
    live = LiveRun()
    view = shown_view(qtbot, AttentionView, live)
    view.resize(700, 420)
    tokens = [f"word{i}" for i in range(64)]
    live.add_snapshot(attention(tokens=tokens, layers=(("encoder", True),)))
    view.update_from(live)
    QApplication.processEvents()
    assert view.map.image.image.shape == (64, 64)
    for name in ("left", "bottom"):  # a label a text line apart: every n-th word
        written = view.map.plot.getAxis(name).shown_words()
        step = tokens.index(written[1])
        assert step >= 2 and written == tokens[::step]
    view.grab()  # draws without errors


def test_a_text_run_fills_the_embeddings_and_attention_tabs(qtbot, window, training, tmp_path):
    proj = text_project(tmp_path, "transformer", epochs=3)
    open_project(qtbot, window, proj.path)
    plots = training.plots
    result = train_and_wait(qtbot, training)
    assert result.status == "completed"
    live = training.session.live
    assert live.embedding_map is not None and live.attention is not None
    plots.redraw_all()
    for view in (plots.embedding_map, plots.attention):
        assert plots.tabs.isTabVisible(plots.tabs.indexOf(view))
    x, _y = plots.embedding_map.word_map.points.getData()
    snap = live.embedding_map
    assert len(x) == len(snap.words) == len(snap.ids) > 10
    assert plots.embedding_map.word_map.shown_labels()[0] == snap.words[0]
    tokens = live.attention.tokens
    assert plots.attention.map.image.image.shape == (len(tokens), len(tokens))
    assert plots.attention.map.plot.getAxis("bottom").words == tokens
    assert np.allclose(live.attention.layers[0].weights.sum(-1), 1, atol=1e-5)
