"""Text columns of a CSV table: detection, ``data.text_options``, the trained tokenizer, facts.

A text column becomes ``max_length`` features holding token ids (floats, exact below
2**24): :data:`PAD_ID` (0) pads a short text, :data:`UNK_ID` (1) is a word the tokenizer
did not learn; layers that need a padding mask compute ``tokens != PAD_ID``. The
tokenizer (Hugging Face ``tokenizers``: a word-level, BPE or WordPiece model after NFKC
and optional lowercasing, split on whitespace and punctuation) is trained on the
training rows only and saved in preprocessing.json as its own JSON, never pickled.
Encoding (used by training, prediction and the standalone export alike) is
:mod:`core.data.encoder`'s.

**Detection.** A text column is *text* (not categories) when, over its filled cells,
the values hold on average at least :data:`TEXT_MIN_WORDS` words or
:data:`TEXT_MIN_CHARS` characters, at least :data:`TEXT_MIN_DISTINCT_RATIO` of the cells
are distinct, and it has at least :data:`TEXT_MIN_DISTINCT` distinct values.
``data.text`` forces columns to be text (numbers then are words).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from core.data.encoder import (MAX_TEXT_CHARS, PAD_ID, PAD_TOKEN, TEXT, UNK_ID, UNK_TOKEN, cap_text,
                               pad_tokens, tokenize)
from core.errors import DataError

__all__ = ["PAD_ID", "UNK_ID", "TEXT", "TOKENIZERS", "TextOptions", "text_options", "looks_like_text",
           "train_tokenizer", "auto_length", "fit_text_column", "TextFacts", "text_facts"]

TOKENIZERS = ("word", "bpe", "wordpiece")
DEFAULT_VOCAB_SIZE = 20_000
MAX_VOCAB_SIZE = 1_000_000  # ids stay far below 2**24, exact as float32
#: ``max_length: null``: the 95th percentile of the training texts' token counts, within these.
AUTO_LENGTH_PERCENTILE = 95
MIN_AUTO_LENGTH, MAX_AUTO_LENGTH = 4, 512
MAX_LENGTH = 4096
#: Detection thresholds (see the module docstring).
TEXT_MIN_WORDS = 3.0
TEXT_MIN_CHARS = 20.0
TEXT_MIN_DISTINCT_RATIO = 0.5
TEXT_MIN_DISTINCT = 10
_SAMPLE = 5000  # distinct values looked at to measure words and characters
_TRAIN_BATCH = 1000
OPTION_KEYS = ("tokenizer", "vocab_size", "lowercase", "max_length")


@dataclass
class TextOptions:
    """``data.text_options``: how text columns are tokenized (the same for every text column)."""

    tokenizer: str = "word"
    vocab_size: int = DEFAULT_VOCAB_SIZE
    lowercase: bool = True
    max_length: int | None = None


def text_options(value: Any) -> TextOptions:
    """Check ``data.text_options``; each problem is one sentence naming the key."""
    options = TextOptions()
    if value is None:
        return options
    if not isinstance(value, dict):
        raise DataError(f"data.text_options must be an object such as {{\"tokenizer\": \"word\","
                        f" \"vocab_size\": 20000}}, got {value!r}")
    for key in value:
        if key not in OPTION_KEYS:
            raise DataError(f"data.text_options has no option {key!r}: the options are"
                            f" {', '.join(OPTION_KEYS)}")
    tokenizer = value.get("tokenizer", "word")
    if tokenizer not in TOKENIZERS:
        raise DataError(f"data.text_options.tokenizer must be one of"
                        f" {', '.join(repr(t) for t in TOKENIZERS)}, got {tokenizer!r}")
    options.tokenizer = tokenizer
    vocab = value.get("vocab_size", DEFAULT_VOCAB_SIZE)
    if isinstance(vocab, bool) or not isinstance(vocab, int) or not 3 <= vocab <= MAX_VOCAB_SIZE:
        raise DataError(f"data.text_options.vocab_size must be a whole number from 3 to"
                        f" {MAX_VOCAB_SIZE:,} (the padding and unknown tokens included), got {vocab!r}")
    options.vocab_size = vocab
    lowercase = value.get("lowercase", True)
    if not isinstance(lowercase, bool):
        raise DataError(f"data.text_options.lowercase must be true or false, got {lowercase!r}")
    options.lowercase = lowercase
    length = value.get("max_length")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int)
                               or not 1 <= length <= MAX_LENGTH):
        raise DataError(f"data.text_options.max_length must be a whole number from 1 to {MAX_LENGTH}"
                        f" (tokens per text), or null for the 95th percentile of the training"
                        f" texts' lengths, got {length!r}")
    options.max_length = length
    return options


def text_shape(categories: Sequence[str], counts: np.ndarray) -> tuple[float, float]:
    """Mean words and mean characters per filled cell (from the first distinct values)."""
    sample = list(categories[:_SAMPLE])
    weights = np.asarray(counts[:len(sample)], np.float64)
    if not len(sample) or weights.sum() == 0:
        return 0.0, 0.0
    words = np.array([len(cap_text(c, 2000).split()) for c in sample], np.float64)
    chars = np.array([len(c) for c in sample], np.float64)
    return (float((words * weights).sum() / weights.sum()),
            float((chars * weights).sum() / weights.sum()))


def looks_like_text(categories: Sequence[str], counts: np.ndarray) -> tuple[bool, float]:
    """Whether a column of strings is free text (see the module docstring), and its mean words."""
    filled = int(np.sum(counts))
    distinct = len(categories)
    if filled == 0 or distinct < TEXT_MIN_DISTINCT or distinct < TEXT_MIN_DISTINCT_RATIO * filled:
        return False, 0.0
    words, chars = text_shape(categories, counts)
    return words >= TEXT_MIN_WORDS or chars >= TEXT_MIN_CHARS, words


# ---------------------------------------------------------------------- fitting
def new_tokenizer(options: TextOptions):
    """An untrained tokenizer and its trainer for ``options``."""
    try:
        from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    except ImportError:
        raise DataError("text columns need the tokenizers package: pip install tokenizers") from None
    special = [PAD_TOKEN, UNK_TOKEN]  # in this order: ids PAD_ID and UNK_ID
    common = dict(vocab_size=options.vocab_size, special_tokens=special, show_progress=False)
    if options.tokenizer == "word":
        tokenizer = Tokenizer(models.WordLevel(unk_token=UNK_TOKEN))
        trainer = trainers.WordLevelTrainer(**common)
    elif options.tokenizer == "bpe":
        tokenizer = Tokenizer(models.BPE(unk_token=UNK_TOKEN))
        trainer = trainers.BpeTrainer(**common)
    else:
        tokenizer = Tokenizer(models.WordPiece(unk_token=UNK_TOKEN))
        trainer = trainers.WordPieceTrainer(**common)
    steps = [normalizers.NFKC()] + ([normalizers.Lowercase()] if options.lowercase else [])
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    return tokenizer, trainer


def _batches(categories: Sequence[str], codes: np.ndarray) -> Iterator[list[str]]:
    for start in range(0, len(codes), _TRAIN_BATCH):
        yield [cap_text(categories[c]) for c in codes[start:start + _TRAIN_BATCH].tolist()]


@dataclass
class FittedText:
    """A text column's fitted encoding (the ``preprocessing.json`` entry) and the token ids
    of every distinct text of the table it was fitted on (so they are not tokenized twice)."""

    column: dict[str, Any]
    tokens: np.ndarray  # float32 (categories + 1, max_length); the last row is all padding
    lengths: np.ndarray  # int64 (categories + 1,) full token counts; 0 for the missing row
    auto_length: bool
    warnings: list[str]


@dataclass
class TrainedTokenizer:
    """A tokenizer trained on a column's training rows and the token counts it gives."""

    tokenizer: Any
    ids: np.ndarray  # int32: every token id of each distinct text, one text after the other
    lengths: np.ndarray  # int64 (categories + 1,) full token counts; 0 for the missing row
    train_codes: np.ndarray  # the filled training rows' codes
    warnings: list[str]


def train_tokenizer(name: str, categories: Sequence[str], codes: np.ndarray,
                    train_rows: np.ndarray, options: TextOptions, file: str) -> TrainedTokenizer:
    """Train the column's tokenizer on its training rows (``codes[train_rows]``, -1 missing)
    and count every distinct text's tokens; raises :class:`DataError` when the training
    rows hold no word. Fitting (:func:`fit_text_column`) and the import dialog's preview
    (:mod:`core.data.text_preview`) share it, so both see the same tokens."""
    train_codes = codes[train_rows]
    train_codes = train_codes[train_codes >= 0]
    if len(train_codes) == 0:
        raise DataError(f"{file} text column {name!r} is empty in every training row: fill it, or"
                        " leave the column out (data.ignore)")
    tokenizer, trainer = new_tokenizer(options)
    tokenizer.train_from_iterator(_batches(categories, train_codes), trainer=trainer,
                                  length=len(train_codes))
    ids, lengths = tokenize(tokenizer, list(categories))
    lengths = np.append(lengths, 0)
    in_training = np.zeros(len(lengths), bool)
    in_training[train_codes] = True
    seen = np.bincount(ids[np.repeat(in_training, lengths)], minlength=tokenizer.get_vocab_size())
    seen[PAD_ID] = 0
    used = np.flatnonzero(seen)
    if len(used) == 0:
        raise DataError(f"{file} text column {name!r} holds no word in its training rows (only"
                        " spaces or punctuation the tokenizer drops): fill it, or leave the column"
                        " out (data.ignore)")
    warnings = []
    if len(used) == 1:
        word = tokenizer.id_to_token(int(used[0]))
        warnings.append(f"text column {name!r} has a vocabulary of one word ({word!r}) in its"
                        " training rows: its tokens cannot tell the rows apart; check the column,"
                        " or leave it out (data.ignore)")
    return TrainedTokenizer(tokenizer, ids, lengths, train_codes, warnings)


def auto_length(counts: np.ndarray) -> int:
    """``max_length: null``: the :data:`AUTO_LENGTH_PERCENTILE` th percentile of the training
    texts' token ``counts``, within :data:`MIN_AUTO_LENGTH` and :data:`MAX_AUTO_LENGTH`."""
    if len(counts) == 0:
        return MIN_AUTO_LENGTH
    length = math.ceil(float(np.percentile(counts, AUTO_LENGTH_PERCENTILE)))
    return min(max(length, MIN_AUTO_LENGTH), MAX_AUTO_LENGTH)


def fit_text_column(name: str, categories: Sequence[str], codes: np.ndarray,
                    train_rows: np.ndarray, options: TextOptions, file: str) -> FittedText:
    """Train the column's tokenizer on its training rows (``codes[train_rows]``, -1 missing)
    and choose ``max_length``; raises :class:`DataError` when the training rows hold no word."""
    trained = train_tokenizer(name, categories, codes, train_rows, options, file)
    tokenizer, lengths = trained.tokenizer, trained.lengths
    auto = options.max_length is None
    length = auto_length(lengths[trained.train_codes]) if auto else options.max_length
    column = {"name": name, "type": TEXT, "fill": None, "max_length": int(length),
              "tokenizer": options.tokenizer, "lowercase": options.lowercase,
              "vocab_size": int(tokenizer.get_vocab_size()), "max_chars": MAX_TEXT_CHARS,
              "pad_id": PAD_ID, "unk_id": UNK_ID,
              "tokenizer_json": json.loads(tokenizer.to_str())}
    tokens = pad_tokens(trained.ids, lengths, int(length))
    return FittedText(column, tokens, lengths, auto, trained.warnings)


# ---------------------------------------------------------------------- facts
@dataclass
class TextFacts:
    """What ``layerforge check`` and the notes say about one text column's encoded rows."""

    name: str
    vocab_size: int
    max_length: int
    tokenizer: str
    texts: int  # filled cells
    empty: int
    empty_rows: list[int]
    truncated: int
    p50: int
    p95: int
    longest: int
    capped: int  # cells cut to MAX_TEXT_CHARS characters
    capped_rows: list[int]
    auto_length: bool = False

    @property
    def truncated_rate(self) -> float:
        return self.truncated / self.texts if self.texts else 0.0

    def summary(self) -> str:
        """One line for the schema's ``summary``."""
        return (f"text, {self.tokenizer} tokenizer, vocabulary {self.vocab_size:,};"
                f" tokens per text 50% {self.p50}, 95% {self.p95}, max {self.longest};"
                f" max_length {self.max_length}, {100 * self.truncated_rate:.1f}% truncated")

    def to_dict(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "max_length": self.max_length,
                "tokenizer": self.tokenizer, "texts": self.texts, "empty": self.empty,
                "tokens_p50": self.p50, "tokens_p95": self.p95, "tokens_max": self.longest,
                "truncated": self.truncated, "truncated_rate": self.truncated_rate,
                "capped": self.capped}

    def notes(self, shown, fitted: bool = True) -> list[str]:
        """Sentences for the dataset notes; ``shown(rows, total)`` words a list of rows.
        ``fitted``: say how the tokenizer was fitted too (not when predicting)."""
        name, lines = self.name, []
        how = (f"the {AUTO_LENGTH_PERCENTILE}th percentile of the training texts' lengths; set"
               " data.text_options.max_length to change it" if self.auto_length
               else "data.text_options.max_length")
        if fitted:
            lines.append(f"text column {name!r}: {self.tokenizer} tokenizer with a vocabulary of"
                         f" {self.vocab_size:,} tokens learnt from the training rows,"
                         f" {self.max_length} tokens per text ({how})")
        if self.truncated:
            are = "is" if self.truncated == 1 else "are"
            lines.append(f"text column {name!r}: {self.truncated:,} of {self.texts:,} texts"
                         f" ({100 * self.truncated_rate:.1f}%) {are} longer than {self.max_length}"
                         f" tokens and {'was' if self.truncated == 1 else 'were'} cut to the first"
                         f" {self.max_length}")
        if self.empty:
            cells, are = ("cell", "is") if self.empty == 1 else ("cells", "are")
            lines.append(f"text column {name!r}: {self.empty:,} empty {cells}"
                         f" ({shown(self.empty_rows, self.empty)}) {are} all padding (token {PAD_ID})")
        if self.capped:
            cells, were = ("cell", "was") if self.capped == 1 else ("cells", "were")
            lines.append(f"text column {name!r}: {self.capped:,} {cells} longer than"
                         f" {MAX_TEXT_CHARS:,} characters ({shown(self.capped_rows, self.capped)})"
                         f" {were} cut to the first {MAX_TEXT_CHARS:,} characters before tokenizing")
        return lines


def text_facts(column: dict[str, Any], categories: Sequence[str], codes: np.ndarray,
               lengths: np.ndarray, rows: np.ndarray, row_number, auto_length: bool = False,
               shown: int = 5) -> TextFacts:
    """Token counts, truncation, empty and over-long cells of a text column over ``rows``.

    ``lengths`` are the full token counts per category (then the missing row), ``codes``
    the column's per-row codes (-1 missing); ``row_number`` turns row indices into the
    numbers a person sees."""
    row_codes = codes[rows]
    filled = row_codes >= 0
    counts = lengths[row_codes[filled]]
    empty_at = rows[~filled]
    length = int(column["max_length"])
    over = np.array([len(c) > MAX_TEXT_CHARS for c in categories] + [False], bool)
    capped_at = rows[filled][over[row_codes[filled]]] if over.any() else rows[:0]
    p50, p95, longest = ((int(np.percentile(counts, 50)), int(np.ceil(np.percentile(counts, 95))),
                          int(counts.max())) if len(counts) else (0, 0, 0))
    return TextFacts(
        name=column["name"], vocab_size=int(column["vocab_size"]), max_length=length,
        tokenizer=str(column.get("tokenizer", "word")), texts=int(filled.sum()),
        empty=int(len(empty_at)), empty_rows=[int(r) for r in row_number(empty_at[:shown])],
        truncated=int((counts > length).sum()), p50=p50, p95=p95, longest=longest,
        capped=int(len(capped_at)), capped_rows=[int(r) for r in row_number(capped_at[:shown])],
        auto_length=auto_length)
