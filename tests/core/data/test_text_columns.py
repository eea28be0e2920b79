"""CSV columns of sentences become token ids: detection, options, the tokenizer, prediction."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from core.data import encode_inputs, load
from core.data.columns import TEXT
from core.data.encoder import MAX_TEXT_CHARS, PAD_ID, UNK_ID
from core.data.scaling import apply_input_scaling
from core.errors import DataError
from tests.core.data.conftest import csv_spec
from tests.core.data.text_corpus import BAD, GOOD, sentences as _sentences, table as _table, text_project



def _review_columns(dataset) -> np.ndarray:
    return np.array([c == "review" for c in dataset.info.feature_columns])


# ---------------------------------------------------------------------- detection
def test_a_column_of_sentences_is_detected_as_text_beside_numbers_and_categories(write_csv):
    texts, labels = _sentences(120)
    rng = np.random.default_rng(1)
    stars = [str(v) for v in rng.integers(1, 6, 120)]
    colour = list(rng.choice(["red", "blue", "green"], 120))
    path = write_csv("mixed.csv", _table(texts, labels, {"stars": stars, "colour": colour}))
    dataset = load(csv_spec(path, target="label"))
    info = dataset.info
    length = info.feature_columns.count("review")
    assert length >= 4
    assert info.feature_names[:length] == [f"review[{i}]" for i in range(length)]
    assert info.feature_columns == ["review"] * length + ["stars", "colour", "colour", "colour"]
    assert info.input_shape == (length + 4,)
    assert info.vocab_size == 2 + len(GOOD) + len(BAD)  # [PAD], [UNK] and every word
    kinds = {c["name"]: c["type"] for c in dataset.schema["columns"]}
    assert kinds == {"review": TEXT, "stars": "numeric", "colour": "categorical", "label": "categorical"}
    tokens = dataset.train.x[:, :length]
    assert np.array_equal(tokens, np.round(tokens)) and tokens.min() >= 0
    assert tokens.max() < info.vocab_size
    column = next(c for c in dataset.preprocessing["table"]["columns"] if c["name"] == "review")
    assert column["type"] == "text" and column["max_length"] == length


def test_short_labels_and_ids_stay_categories_or_are_left_out(write_csv):
    rows = ["city,code,label"] + [f"{['Paris', 'Rome', 'Oslo'][i % 3]},u{i},{i % 2}" for i in range(80)]
    dataset = load(csv_spec(write_csv("plain.csv", "\n".join(rows)), target="label"))
    kinds = {c["name"]: c["type"] for c in dataset.schema["columns"]}
    assert kinds["city"] == "categorical"
    assert "'code' left out" in " ".join(dataset.notes)
    assert dataset.info.vocab_size == 0


def test_a_column_forced_to_text_works_even_when_it_holds_numbers(write_csv):
    rng = np.random.default_rng(2)
    rows = ["digits,label"] + [f"{rng.integers(0, 5)},{i % 2}" for i in range(60)]
    dataset = load(csv_spec(write_csv("numbers.csv", "\n".join(rows)), target="label",
                            text=["digits"], text_options={"max_length": 3}))
    assert dataset.info.feature_columns == ["digits"] * 3
    assert dataset.info.vocab_size == 2 + 5  # the numbers 0..4 are words
    assert set(np.unique(dataset.train.x[:, 0])) <= set(range(2, 7))
    assert (dataset.train.x[:, 1:] == PAD_ID).all()  # one word per cell, then padding


def test_forcing_a_column_to_text_and_categories_at_once_is_one_sentence(write_csv):
    path = write_csv("t.csv", _table(*_sentences(20)))
    with pytest.raises(DataError, match=r"^column 'review' is listed in both data.text and"
                                        r" data.categorical: keep it in one$"):
        load(csv_spec(path, target="label", text=["review"], categorical=["review"]))
    with pytest.raises(DataError, match="has no column 'reviw' \\(data.text\\): did you mean 'review'"):
        load(csv_spec(path, target="label", text=["reviw"]))


# ---------------------------------------------------------------------- encoding
def test_token_features_are_not_scaled_but_numbers_are(write_csv):
    texts, labels = _sentences(100)
    stars = [str(v) for v in np.random.default_rng(3).integers(1, 6, 100)]
    for scale in ("standard", "minmax"):
        dataset = load(csv_spec(write_csv("s.csv", _table(texts, labels, {"stars": stars})),
                                target="label", scale=scale))
        scaling = dataset.preprocessing["input_scaling"]
        tokens = _review_columns(dataset)
        assert np.all(np.array(scaling["mean"])[tokens] == 0.0)
        assert np.all(np.array(scaling["scale"])[tokens] == 1.0)
        assert scaling["scale"][-1] != 1.0  # the stars column is scaled
        x = dataset.train.x[:, tokens]
        assert np.array_equal(x, np.round(x)) and x.max() >= 2  # still whole token ids


def test_padding_is_zero_and_texts_are_right_padded(write_csv):
    texts = ["one two three", "four five", *[f"word{i} filler text here" for i in range(20)]]
    labels = [str(i % 2) for i in range(len(texts))]
    path = write_csv("pad.csv", _table(texts, labels))
    dataset = load(csv_spec(path, target="label", text=["review"], split={"validation": 0.0},
                            text_options={"max_length": 5}))
    by_row = {int(r): x for r, x in zip(dataset.train.ids, dataset.train.x)}
    first, second = by_row[2], by_row[3]
    assert (first[:3] > UNK_ID).all() and (first[3:] == PAD_ID).all()
    assert (second[:2] > UNK_ID).all() and (second[2:] == PAD_ID).all()


def test_the_tokenizer_learns_from_the_training_rows_only(write_csv):
    texts, labels = _sentences(200)
    dataset = load(csv_spec(write_csv("a.csv", _table(texts, labels)), target="label",
                            split={"validation": 0.25, "seed": 1}))
    val_rows = [int(r) - 2 for r in dataset.validation.ids]
    texts = list(texts)
    for k, row in enumerate(val_rows[:3]):  # a word only a validation row holds
        texts[row] = f"zebra{k} " + texts[row]
    again = load(csv_spec(write_csv("b.csv", _table(texts, labels)), target="label",
                          split={"validation": 0.25, "seed": 1}))
    assert list(again.validation.ids) == list(dataset.validation.ids)
    vocab = again.preprocessing["table"]["columns"][0]["tokenizer_json"]["model"]["vocab"]
    assert not any(word.startswith("zebra") for word in vocab)
    assert again.info.vocab_size == dataset.info.vocab_size
    assert (again.validation.x[:3, 0] == UNK_ID).all()  # the unknown word comes first


@pytest.mark.parametrize("tokenizer", ["word", "bpe", "wordpiece"])
def test_each_tokenizer_encodes_and_predicts_exactly_as_training_did(write_csv, tokenizer):
    texts, labels = _sentences(150)
    texts[7] = "Ünïcödé ｆｕｌｌｗｉｄｔｈ GREAT, great!"  # NFKC and lowercasing
    path = write_csv("t.csv", _table(texts, labels))
    dataset = load(csv_spec(path, target="label",
                            text_options={"tokenizer": tokenizer, "vocab_size": 60}))
    pre = json.loads(json.dumps(dataset.preprocessing))  # as preprocessing.json holds it
    column = pre["table"]["columns"][0]
    assert column["tokenizer"] == tokenizer and isinstance(column["tokenizer_json"], dict)
    assert column["tokenizer_json"]["model"]["type"] == {"word": "WordLevel", "bpe": "BPE",
                                                          "wordpiece": "WordPiece"}[tokenizer]
    assert 3 <= dataset.info.vocab_size <= max(60, dataset.info.vocab_size)
    encoded = encode_inputs(pre, path)
    x = apply_input_scaling(pre, encoded.x)
    for split in (dataset.train, dataset.validation):
        rows = [int(i) - 2 for i in split.ids]
        assert np.array_equal(x[rows], split.x)
    from core.data import encoder  # the standalone export's own encoder agrees too

    own = encoder.encode_text(column, texts)
    assert np.array_equal(own, encoded.x[:, :column["max_length"]])


def test_preprocessing_holds_the_tokenizer_as_json_that_tokenizers_reads(write_csv):
    from tokenizers import Tokenizer

    texts, labels = _sentences(60)
    dataset = load(csv_spec(write_csv("t.csv", _table(texts, labels)), target="label"))
    text = json.dumps(dataset.preprocessing)  # plain JSON: no pickle, no bytes
    column = json.loads(text)["table"]["columns"][0]
    tokenizer = Tokenizer.from_str(json.dumps(column["tokenizer_json"]))
    assert tokenizer.token_to_id("[PAD]") == PAD_ID and tokenizer.token_to_id("[UNK]") == UNK_ID
    assert tokenizer.get_vocab_size() == column["vocab_size"] == dataset.info.vocab_size


# ---------------------------------------------------------------------- the max length
def test_max_length_null_is_the_95th_percentile_of_the_training_lengths(write_csv):
    texts = [" ".join(["word"] * (10 if i < 95 else 40)) + f" w{i}" for i in range(100)]
    labels = [str(i % 2) for i in range(100)]
    dataset = load(csv_spec(write_csv("t.csv", _table(texts, labels)), target="label",
                            split={"validation": 0.0}))
    p95 = int(np.ceil(np.percentile([11] * 95 + [41] * 5, 95)))  # 12.5 -> 13
    assert dataset.info.feature_columns.count("review") == p95 == 13
    short = ["a b", "c d"] * 10
    dataset = load(csv_spec(write_csv("s.csv", _table([f"{t} x{i}" for i, t in enumerate(short)],
                                                      [str(i % 2) for i in range(20)])),
                            target="label", text=["review"]))
    assert dataset.info.feature_columns.count("review") == 4  # at least 4


def test_long_texts_are_truncated_with_a_note_and_check_shows_the_lengths(write_csv):
    texts, labels = _sentences(100, low=3, high=9)
    texts[0] = " ".join(["good"] * 50)
    dataset = load(csv_spec(write_csv("t.csv", _table(texts, labels)), target="label",
                            text_options={"max_length": 6}))
    notes = " ".join(dataset.notes)
    assert "texts" in notes and "are longer than 6 tokens and were cut to the first 6" in notes
    row = next(c for c in dataset.schema["columns"] if c["name"] == "review")
    facts = row["text"]
    assert facts["max_length"] == 6 and facts["tokens_max"] == 50
    assert facts["truncated"] == sum(len(t.split()) > 6 for t in texts)
    assert facts["tokens_p50"] <= facts["tokens_p95"] <= facts["tokens_max"]
    assert "vocabulary 22" in row["summary"] and "truncated" in row["summary"]
    from core.cli.check import format_schema

    lines = "\n".join(format_schema(dataset))
    assert "review" in lines and "tokens per text 50%" in lines and "max 50" in lines


# ---------------------------------------------------------------------- bad input
def test_empty_text_cells_are_all_padding_and_counted_in_the_notes(write_csv):
    texts, labels = _sentences(60)
    texts[3] = texts[10] = ""
    dataset = load(csv_spec(write_csv("t.csv", _table(texts, labels)), target="label",
                            split={"validation": 0.0}))
    by_row = {int(r): x for r, x in zip(dataset.train.ids, dataset.train.x)}
    assert (by_row[5] == PAD_ID).all() and (by_row[12] == PAD_ID).all()
    assert "text column 'review': 2 empty cells (rows 5, 12) are all padding (token 0)" in dataset.notes
    assert not any("filled with" in note for note in dataset.notes)


def test_a_one_word_vocabulary_is_a_warning(write_csv):
    texts = [" ".join(["spam"] * (1 + i % 5)) for i in range(40)]
    labels = [str(i % 2) for i in range(40)]
    dataset = load(csv_spec(write_csv("t.csv", _table(texts, labels)), target="label", text=["review"]))
    (warning,) = dataset.info.warnings
    assert warning.startswith("text column 'review' has a vocabulary of one word ('spam')")
    assert warning in dataset.notes


def test_a_text_column_without_words_in_training_is_one_sentence(write_csv):
    texts = ["!!!  ...", "?? ,,"] * 10  # punctuation only is kept as tokens ...
    labels = [str(i % 2) for i in range(20)]
    load(csv_spec(write_csv("p.csv", _table(texts, labels)), target="label", text=["review"]))
    rows = ["review,label"] + [f",{i % 2}" for i in range(20)]  # ... an empty column is refused
    with pytest.raises(DataError, match=r"^e.csv column 'review' \(data.text\) is empty in every"
                                        r" row: fill it, or remove it from data.text$"):
        load(csv_spec(write_csv("e.csv", "\n".join(rows)), target="label", text=["review"]))


def test_a_long_cell_is_cut_before_tokenizing(write_csv):
    texts, labels = _sentences(40)
    texts[4] = "good " * 22_000  # 110,000 characters, under the reader's 128 kB a cell
    path = write_csv("long.csv", _table(texts, labels))
    dataset = load(csv_spec(path, target="label", text_options={"max_length": 8}))
    expected = (f"text column 'review': 1 cell longer than {MAX_TEXT_CHARS:,} characters (row 6)"
                f" was cut to the first {MAX_TEXT_CHARS:,} characters before tokenizing")
    assert expected in dataset.notes
    row = next(c for c in dataset.schema["columns"] if c["name"] == "review")
    assert row["text"]["tokens_max"] == MAX_TEXT_CHARS // 5  # "good " is 5 characters, 1 token
    notes: list[str] = []
    encode_inputs(dataset.preprocessing, path, notes)
    assert expected in notes


def test_a_20_mb_cell_is_one_sentence_or_cut_never_a_memory_blowup(write_csv):
    from core.data import encoder

    texts, labels = _sentences(40)
    dataset = load(csv_spec(write_csv("ok.csv", _table(texts, labels)), target="label"))
    texts[4] = "good " * 4_000_000  # 20 MB in one cell
    path = write_csv("huge.csv", _table(texts, labels))
    with pytest.raises(DataError, match=r"^huge.csv row 6 holds a value longer than 128 kB"):
        load(csv_spec(path, target="label"))  # LayerForge's reader refuses cells over 128 kB
    with pytest.raises(DataError, match=r"^huge.csv row 6 holds a value longer than 128 kB"):
        encode_inputs(dataset.preprocessing, path)
    column = dataset.preprocessing["table"]["columns"][0]  # the standalone encoder (pandas reads it)
    tokens = encoder.encode_text(column, [texts[4], texts[5]])
    assert tokens.shape == (2, column["max_length"]) and (tokens[0] > UNK_ID).all()
    ids, lengths = encoder.tokenize(encoder.text_tokenizer(column), [texts[4]])
    assert lengths.tolist() == [MAX_TEXT_CHARS // 5]


def test_non_utf8_text_is_read_with_the_readers_own_note(write_csv):
    texts, labels = _sentences(40)
    texts[2] = "café crème brûlée good"
    path = write_csv("latin.csv", _table(texts, labels), encoding="cp1252")
    dataset = load(csv_spec(path, target="label"))
    vocab = dataset.preprocessing["table"]["columns"][0]["tokenizer_json"]["model"]["vocab"]
    assert "café" in vocab and "brûlée" in vocab


@pytest.mark.parametrize("options, words", [
    ({"tokenizer": "chars"},
     "data.text_options.tokenizer must be one of 'word', 'bpe', 'wordpiece', got 'chars'"),
    ({"vocab_size": 2}, "data.text_options.vocab_size must be a whole number from 3 to 1,000,000"),
    ({"vocab_size": True}, "data.text_options.vocab_size must be a whole number"),
    ({"lowercase": "yes"}, "data.text_options.lowercase must be true or false, got 'yes'"),
    ({"max_length": 0}, "data.text_options.max_length must be a whole number from 1 to 4096"),
    ({"max_length": 2.5}, "data.text_options.max_length must be a whole number from 1 to 4096"),
    ({"max_len": 8}, "data.text_options has no option 'max_len': the options are tokenizer,"
                     " vocab_size, lowercase, max_length"),
    ("word", "data.text_options must be an object"),
])
def test_each_text_option_is_checked_with_a_sentence(write_csv, options, words):
    path = write_csv("t.csv", _table(*_sentences(20)))
    with pytest.raises(DataError) as err:
        load(csv_spec(path, target="label", text_options=options))
    assert str(err.value).startswith(words)


def test_lowercase_false_keeps_cases_apart(write_csv):
    texts = [("Good good GOOD" if i % 2 else "bad Bad") + f" w{i}" for i in range(40)]
    labels = [str(i % 2) for i in range(40)]
    path = write_csv("t.csv", _table(texts, labels))
    lower = load(csv_spec(path, target="label", text=["review"]))
    cased = load(csv_spec(path, target="label", text=["review"], text_options={"lowercase": False}))
    assert cased.info.vocab_size == lower.info.vocab_size + 3  # Good, GOOD and Bad


# ---------------------------------------------------------------------- training
def test_a_tiny_text_classifier_trains_better_than_chance(tmp_path):
    from core.cli import main as cli

    path = text_project(tmp_path, rows=400, epochs=3)
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli(["train", str(path), "--run-dir", str(tmp_path / "run"), "--quiet"])
    assert code == 0
    pre = json.loads((tmp_path / "run" / "preprocessing.json").read_text(encoding="utf-8"))
    assert pre["table"]["columns"][0]["type"] == "text"
    import csv

    with open(tmp_path / "run" / "metrics.csv", newline="", encoding="utf-8") as handle:
        last = list(csv.DictReader(handle))[-1]
    assert float(last["val_accuracy"]) > 0.8  # chance is 0.5
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli(["predict", str(tmp_path / "run"), "--data", str(tmp_path / "reviews.csv"),
                    "--out", str(tmp_path / "p.csv")]) == 0
    with open(tmp_path / "p.csv", newline="", encoding="utf-8") as handle:
        predicted = [row["prediction"] for row in csv.DictReader(handle)]
    _texts, labels = _sentences(400, seed=4)
    assert np.mean(np.array(predicted) == np.array(labels)) > 0.8


def test_check_prints_the_text_columns_vocabulary_lengths_and_truncation(tmp_path, capsys):
    from core.cli import main as cli

    path = text_project(tmp_path, rows=120, max_length=6)
    assert cli(["check", str(path)]) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.strip().startswith("review"))
    assert "feature" in line and "text" in line and "vocabulary 22" in line
    assert "tokens per text 50%" in line and "95%" in line and "max 11" in line
    assert "max_length 6" in line and "% truncated" in line
    assert "note: text column 'review':" in out and "were cut to the first 6" in out
