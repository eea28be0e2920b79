"""Attributions reach people named by the CSV's columns; tokens line up with their words."""

from __future__ import annotations

import numpy as np

from core.data.encoder import PAD_ID
from core.explain import column_ranking, explain, file_samples, validation_samples
from core.explain.compute import columns_of
from core.train import load_trained_model


def test_one_hot_features_are_summed_into_their_column():
    columns, values = columns_of(["a", "colour", "colour", "colour", "b"],
                                 np.array([[1.0, 0.5, -0.25, 2.0, 3.0]]))
    assert columns == ["a", "colour", "b"]
    np.testing.assert_allclose(values, [[1.0, 2.25, 3.0]])


def test_a_table_run_is_explained_per_csv_column(table_run):
    trained = load_trained_model(table_run)
    assert any("=" in name for name in trained.info.feature_names)  # colour is one-hot
    samples = validation_samples(trained).take(range(5))
    result = explain(trained, samples, "integrated_gradients")
    assert result.columns == ["a", "b", "colour", "city"]
    colour = [i for i, c in enumerate(trained.info.feature_columns) if c == "colour"]
    assert len(colour) == 3
    np.testing.assert_allclose(result.column_values[:, 2], result.values[:, colour].sum(1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.column_values.sum(1), result.values.sum(1), rtol=1e-4, atol=1e-5)


def test_the_ranking_lists_every_column_largest_first(table_run):
    trained = load_trained_model(table_run)
    ranking = column_ranking(trained, validation_samples(trained))
    assert sorted(ranking.columns) == ["a", "b", "city", "colour"]
    assert list(ranking.mean_abs) == sorted(ranking.mean_abs, reverse=True)
    assert ranking.split == "validation" and ranking.samples > 0


def test_one_value_per_word_and_padding_left_out(text_run):
    trained = load_trained_model(text_run)
    samples = validation_samples(trained).take(range(6))
    result = explain(trained, samples, "saliency")
    (text,) = result.texts
    token_features = [i for i, c in enumerate(trained.info.feature_columns) if c == "review"]
    for row in range(len(samples)):
        ids = samples.encoded[row, token_features]
        words = int((ids != PAD_ID).sum())
        assert len(text.tokens[row]) == len(text.values[row]) == words > 0
        assert all(token in samples_words() for token in text.tokens[row])


def samples_words() -> set[str]:
    from tests.core.explain.projects import WORDS

    return set(WORDS) | {"[UNK]"}


def test_a_new_csv_file_is_explained_too(text_run, tmp_path):
    from tests.core.explain.projects import write_reviews

    trained = load_trained_model(text_run)
    samples = file_samples(trained, write_reviews(tmp_path / "new.csv", rows=4, seed=3))
    result = explain(trained, samples, "integrated_gradients")
    assert result.ids == ["2", "3", "4", "5"]  # spreadsheet rows under the header
    assert len(result.texts[0].tokens) == 4
