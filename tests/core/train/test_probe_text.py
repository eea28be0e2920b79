"""The text probes: the word map (PCA of an Embedding's rows of the most frequent words) and the
attention weights of one sample, checked against counts and attention computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.data.encoder import PAD_ID, UNK_ID, text_tokenizer
from core.train import prepare
from core.train.probes import AttentionProbe, EmbeddingMapProbe, probes_for
from core.train.probes.embedding_map import BY_FREQUENCY, pca_2d
from tests.core.train.tiny import dataset, project, text_project


def _fit(proj, tmp_path, *probes):
    data = dataset(proj)
    trainer = prepare(proj, data, run_dir=tmp_path / "run", callbacks=list(probes))
    trainer.fit()
    return trainer


def _column(trainer) -> dict:
    (column,) = [c for c in trainer.dataset.preprocessing["table"]["columns"] if c["type"] == "text"]
    return column


# ---------------------------------------------------------------------- the word map
def test_pca_of_rows_known_by_construction():
    rng = np.random.default_rng(0)
    a, b = np.eye(6)[0], np.eye(6)[3]  # the directions of most and second-most variance
    # uncorrelated coordinates with spreads 5 and 2 (orthogonal centred columns)
    m = rng.normal(size=(50, 2))
    q, _r = np.linalg.qr(m - m.mean(0))
    coords = q * np.sqrt(50) * [5.0, 2.0]
    rows = coords[:, :1] * a + coords[:, 1:] * b + 0.01 * rng.normal(size=(50, 6)) + 7.0
    points, explained = pca_2d(rows)
    centred = coords - coords.mean(0)
    for axis in range(2):  # the coordinates come back, each up to its sign
        assert abs(np.corrcoef(points[:, axis], centred[:, axis])[0, 1]) > 0.999
    assert explained.sum() == pytest.approx(1.0, abs=1e-3) and explained[0] > explained[1] > 0.1
    # the variance shares are those of numpy's SVD of the centred rows
    s = np.linalg.svd(rows - rows.mean(0), compute_uv=False)
    assert explained == pytest.approx(s[:2] ** 2 / np.sum(s ** 2))
    # rows made equal land on one point
    rows[7] = rows[3]
    points, _ = pca_2d(rows)
    assert np.allclose(points[7], points[3], atol=1e-9)


def test_pca_axes_keep_their_sign():
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(30, 5)) * [4, 2, 1, 0.5, 0.1]
    first, _ = pca_2d(rows)
    # the point farthest out on each axis is on its positive side
    for axis in range(2):
        assert first[np.argmax(np.abs(first[:, axis])), axis] > 0
    # the same words mirrored (all vectors negated) or nudged: the picture does not flip
    again, _ = pca_2d(-rows, previous=first)
    assert np.allclose(again, first, atol=1e-9)
    nudged, _ = pca_2d(rows + 0.01 * rng.normal(size=rows.shape), previous=first)
    assert np.all(np.sum(nudged * first, 0) > 0) and np.allclose(nudged, first, atol=0.1)
    # the word farthest out moves to the middle and one at the other end moves out: alone, the
    # rule "farthest point positive" would mirror the picture; after ``first`` it does not
    moved = rows.copy()
    centre = rows.mean(0)
    moved[np.argmax(first[:, 0])] = centre
    low = np.argmin(first[:, 0])
    moved[low] = centre + 2.5 * (rows[low] - centre)
    alone, _ = pca_2d(moved)
    after, _ = pca_2d(moved, previous=first)
    assert alone[:, 0] @ first[:, 0] < 0 < after[:, 0] @ first[:, 0]
    assert np.allclose(np.abs(after), np.abs(alone))


@pytest.mark.parametrize("tokenizer", ["word", "bpe"])
def test_the_map_shows_the_most_frequent_words_of_the_training_split(tmp_path, tokenizer):
    got = []
    probe = EmbeddingMapProbe(got.append, words=12, every_batches=4, every_seconds=None)
    trainer = _fit(text_project(tmp_path, "bag", tokenizer=tokenizer), tmp_path, probe)
    assert got and all(s.kind == "embedding_map" for s in got)
    snap = got[-1]
    # by hand: every token id of the training split, padding and unknown left out
    ids = trainer.dataset.train.x.astype(np.int64).reshape(-1)
    counts = np.bincount(ids, minlength=trainer.info.vocab_size)
    counts[[PAD_ID, UNK_ID]] = 0
    expected = sorted(np.flatnonzero(counts), key=lambda i: (-counts[i], i))[:12]
    assert snap.ranking == BY_FREQUENCY and snap.ids.tolist() == expected
    assert snap.counts.tolist() == counts[expected].tolist()
    tokenizer_ = text_tokenizer(_column(trainer))
    assert snap.words == [tokenizer_.id_to_token(int(i)) for i in expected]
    assert snap.node_id == "embed" and snap.column == "text" and snap.dim == 8
    assert snap.points.shape == (12, 2) and snap.points.dtype == np.float32
    assert got[0].ids is snap.ids and got[0].words is snap.words  # chosen once, shared


def test_the_points_are_the_rows_on_their_principal_components(tmp_path):
    got = []
    probe = EmbeddingMapProbe(got.append, words=10, every_seconds=None)
    trainer = _fit(text_project(tmp_path, "bag"), tmp_path, probe)
    table = trainer.module.embed.embedding.weight
    snap = probe.compute(trainer, 9, None, trainer.step)
    rows = table.detach().cpu().numpy()[snap.ids].astype(np.float64)
    centred = rows - rows.mean(0)
    _u, s, vt = np.linalg.svd(centred, full_matrices=False)
    by_hand = centred @ vt[:2].T
    for axis in range(2):
        assert np.allclose(np.abs(snap.points[:, axis]), np.abs(by_hand[:, axis]), atol=1e-4)
        sign = np.sign(by_hand[:, axis] @ snap.points[:, axis])
        assert np.allclose(snap.points[:, axis], sign * by_hand[:, axis], atol=1e-4)
    assert snap.explained == pytest.approx(s[:2] ** 2 / np.sum(s ** 2), rel=1e-4)
    # two words given the same vector land on the same point
    with torch.no_grad():
        table[int(snap.ids[4])] = table[int(snap.ids[1])]
    same = probe.compute(trainer, 9, None, trainer.step)
    assert np.allclose(same.points[4], same.points[1], atol=1e-5)
    assert not np.allclose(same.points[4], same.points[2], atol=1e-3)
    # every vector negated (a mirror image for the SVD): the picture stays as it was
    with torch.no_grad():
        table.neg_()
    mirrored = probe.compute(trainer, 9, None, trainer.step)
    assert np.allclose(mirrored.points, same.points, atol=1e-5)


def test_the_map_needs_text_and_an_embedding(tmp_path):
    points = dataset(project(tmp_path))
    assert not EmbeddingMapProbe.applies(points.info)
    assert "embedding_map" not in [spec.name for spec in probes_for(points.info)]
    text = dataset(text_project(tmp_path, "bag"))
    assert "embedding_map" in [spec.name for spec in probes_for(text.info)]


# ---------------------------------------------------------------------- attention
def _by_hand(attention: torch.nn.MultiheadAttention, x: torch.Tensor, padding: torch.Tensor | None):
    """(H, L, L) softmax(q k^T / sqrt(d)) of one sequence ``x`` (L, E), padding keys hidden."""
    e, h = attention.embed_dim, attention.num_heads
    w, b = attention.in_proj_weight, attention.in_proj_bias
    q, k = x @ w[:e].T + b[:e], x @ w[e:2 * e].T + b[e:2 * e]
    d = e // h
    q, k = q.reshape(-1, h, d).transpose(0, 1), k.reshape(-1, h, d).transpose(0, 1)
    scores = q @ k.transpose(1, 2) / d ** 0.5
    if padding is not None:
        scores = scores.masked_fill(padding[None, None, :], float("-inf"))
    return torch.softmax(scores, -1)


def _sample(trainer, snap) -> np.ndarray:
    split = trainer.dataset.validation if snap.split == "validation" else trainer.dataset.train
    return np.asarray(split.x[snap.sample], np.float32)


def test_a_masked_layers_rows_sum_to_one_over_the_words(tmp_path):
    got = []
    probe = AttentionProbe(got.append, every_batches=5, every_seconds=None)
    trainer = _fit(text_project(tmp_path, "transformer"), tmp_path, probe)
    assert got and all(s.kind == "attention" for s in got)
    snap = got[-1]
    ids = _sample(trainer, snap).astype(np.int64)
    real = np.flatnonzero(ids != PAD_ID)
    assert len(real) < len(ids)  # the sample has padding, and it is cut off
    assert snap.length == len(ids) and snap.real_tokens == len(real)
    assert snap.positions.tolist() == real.tolist()
    tokenizer = text_tokenizer(_column(trainer))
    assert snap.tokens == [tokenizer.id_to_token(int(i)) for i in ids[real]]
    (layer,) = snap.layers
    assert layer.node_id == "encoder" and layer.layer_type == "TransformerEncoderLayer"
    assert layer.masked and layer.heads == 2
    assert layer.weights.shape == (2, len(real), len(real)) and layer.weights.dtype == np.float32
    assert np.allclose(layer.weights.sum(-1), 1.0, atol=1e-5)
    assert np.all(layer.padding_share == 0)
    # by hand from the layer's weights: its input is the embedding (post-norm: not normalised)
    encoder = trainer.module.encoder
    with torch.no_grad():
        x = trainer.module.embed(torch.from_numpy(ids[None].astype(np.float32)))[0]
        expected = _by_hand(encoder.self_attn, x, torch.from_numpy(ids == PAD_ID))
    assert np.allclose(layer.weights, expected[:, real][:, :, real].numpy(), atol=1e-5)
    assert torch.backends.mha.get_fastpath_enabled()  # switched back on after each pass


def test_an_unmasked_layer_shows_the_words_and_says_how_much_went_to_padding(tmp_path):
    got = []
    probe = AttentionProbe(got.append, every_seconds=None)
    trainer = _fit(text_project(tmp_path, "attention"), tmp_path, probe)
    snap = got[-1]
    ids = _sample(trainer, snap).astype(np.int64)
    real = ids != PAD_ID
    (layer,) = snap.layers
    assert layer.layer_type == "MultiheadAttention" and not layer.masked
    assert layer.weights.shape == (2, int(real.sum()), int(real.sum()))  # padded steps excluded
    assert layer.padding_share.shape == (2, int(real.sum())) and np.all(layer.padding_share > 0)
    assert np.allclose(layer.weights.sum(-1) + layer.padding_share, 1.0, atol=1e-5)
    with torch.no_grad():
        x = trainer.module.embed(torch.from_numpy(ids[None].astype(np.float32)))[0]
        expected = _by_hand(trainer.module.attn.attention, x, None)
    assert np.allclose(layer.weights, expected[:, real][:, :, real].numpy(), atol=1e-5)
    assert np.allclose(layer.padding_share, expected[:, real][:, :, ~real].sum(-1).numpy(), atol=1e-5)


def test_the_sample_is_fixed_and_of_typical_length(tmp_path):
    got = []
    probe = AttentionProbe(got.append, every_batches=3, every_seconds=None)
    _fit(text_project(tmp_path, "transformer"), tmp_path, probe)
    assert len(got) > 2
    assert len({(s.split, s.sample) for s in got}) == 1 and got[0].split == "validation"
    assert 1 <= got[0].real_tokens <= 10
    assert not np.allclose(got[0].layers[0].weights, got[-1].layers[0].weights)  # it learnt


def test_attention_needs_attention_layers(tmp_path):
    got = []
    probe = AttentionProbe(got.append, every_batches=2, every_seconds=None)
    _fit(text_project(tmp_path, "bag"), tmp_path, probe)
    assert got == [] and not probe.enabled
    points = dataset(project(tmp_path))
    assert not AttentionProbe.applies(points.info)
