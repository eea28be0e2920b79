"""The text column preview of the CSV dialog, computed in core: tokens, lengths, truncation."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.encoder import text_codes
from core.data.text import TextOptions, fit_text_column
from core.data.text_preview import HISTOGRAM_BINS, PREVIEW_TOKENS, preview_of_table, text_preview
from core.errors import DataError

WORDS = "the a good bad movie film plot actor great awful boring fun story ending music".split()


def column(texts):
    codes, categories = text_codes(texts)
    return categories, codes


def sentences(rows: int = 200, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 15)))) for _ in range(rows)]


def test_the_first_rows_are_split_as_the_tokenizer_splits_them():
    texts = ["The Movie was GREAT", "", "a boring plot, a fun ending"] + sentences(50)
    categories, codes = column(texts)
    preview = text_preview("review", categories, codes, TextOptions())
    first, second = preview.rows[:2]
    assert first.row == 2 and first.tokens == ["the", "movie", "was", "great"]
    assert first.words == ["The", "Movie", "was", "GREAT"]  # the characters each token came from
    assert second.row == 4  # the empty cell (row 3) is no preview row
    assert second.tokens == ["a", "boring", "plot", ",", "a", "fun", "ending"]
    assert not any(first.unknown) and first.count == 4
    assert preview.empty == 1 and preview.texts == len(texts) - 1
    assert len(preview.rows) == 5


def test_lower_casing_and_subword_tokenizers_change_the_tokens():
    categories, codes = column(["The Movie was GREAT"] + sentences(80))
    kept = text_preview("review", categories, codes, TextOptions(lowercase=False)).rows[0]
    assert kept.tokens == ["The", "Movie", "was", "GREAT"]
    pieces = text_preview("review", categories, codes, TextOptions(tokenizer="wordpiece", vocab_size=40)).rows[0]
    assert len(pieces.tokens) > 4 and any(t.startswith("##") for t in pieces.tokens)
    assert "".join(pieces.words) == "TheMoviewasGREAT"  # the pieces cover the words exactly


def test_a_small_vocabulary_marks_the_words_it_lacks_as_unknown():
    texts = ["zebra crossing the movie"] + ["the movie was good"] * 20 + sentences(40)
    categories, codes = column(texts)
    preview = text_preview("review", categories, codes, TextOptions(vocab_size=8))
    assert preview.vocab_size == 8
    row = preview.rows[0]
    assert row.unknown[:2] == [True, True] and row.tokens[:2] == ["[UNK]", "[UNK]"]
    assert row.words[:2] == ["zebra", "crossing"]  # what the person wrote, for the preview
    assert row.unknown[2:] == [False, False]


def test_lengths_histogram_and_truncation_count_every_filled_cell():
    texts = [" ".join(["word"] * n) for n in (1, 2, 2, 3, 3, 3, 10)] + ["NA"]
    categories, codes = column(texts)
    preview = text_preview("review", categories, codes, TextOptions(max_length=2))
    assert preview.lengths.tolist() == [1, 2, 2, 3, 3, 3, 10]
    assert preview.max_length == 2
    assert preview.truncated() == 4 and preview.truncation_rate() == pytest.approx(4 / 7)
    assert preview.truncated(3) == 1 and preview.truncated(10) == 0
    histogram = preview.histogram()
    assert sum(histogram.counts) == 7
    assert histogram.edges[:5] == [0, 1, 2, 3, 4]  # one bar per token count
    assert histogram.counts[:4] == [0, 1, 2, 3] and histogram.counts[-1] == 1
    assert not histogram.clipped and histogram.longest == 10


def test_one_huge_text_shares_the_last_bar_instead_of_squashing_the_rest():
    texts = sentences(300) + [" ".join(["word"] * 5000)]
    categories, codes = column(texts)
    histogram = text_preview("review", categories, codes, TextOptions()).histogram()
    assert histogram.clipped and histogram.longest == 5000
    assert len(histogram.counts) <= HISTOGRAM_BINS and histogram.edges[-1] < 100
    assert histogram.counts[-1] >= 1 and sum(histogram.counts) == 301


def test_the_preview_agrees_with_what_training_fits_on_the_same_rows():
    texts = sentences(300, seed=3)
    categories, codes = column(texts)
    for options in (TextOptions(), TextOptions(tokenizer="bpe", vocab_size=60)):
        preview = text_preview("review", categories, codes, options)
        fitted = fit_text_column("review", categories, codes, np.arange(len(codes)), options, "f.csv")
        assert preview.vocab_size == fitted.column["vocab_size"]
        assert preview.auto_length == fitted.column["max_length"]
        assert preview.lengths.tolist() == fitted.lengths[codes].tolist()


def test_a_long_row_shows_its_first_tokens_and_counts_them_all():
    categories, codes = column([" ".join(WORDS * 10)] + sentences(20))
    row = text_preview("review", categories, codes, TextOptions()).rows[0]
    assert len(row.tokens) == PREVIEW_TOKENS and row.count == len(WORDS) * 10


def test_an_empty_column_is_one_sentence():
    categories, codes = column(["", "NA", "  "])
    with pytest.raises(DataError, match="^data.csv text column 'review' is empty in every"):
        text_preview("review", categories, codes, TextOptions(), file="data.csv")


def test_a_column_read_as_numbers_is_read_again_as_text(tmp_path):
    from core.data.csv_profile import profile_csv

    path = tmp_path / "codes.csv"
    path.write_text("code,label\n" + "".join(f"{100 + i % 7},{'ab'[i % 2]}\n" for i in range(30)))
    profile = profile_csv(path)
    assert "code" not in profile.raw.text
    preview = preview_of_table(profile.raw, "code", TextOptions())
    assert preview.rows[0].row == 2 and preview.rows[0].tokens == ["100"]
    assert preview.vocab_size == 2 + 7 and preview.texts == 30
