"""What a text column becomes, shown before training: tokens, vocabulary, lengths, truncation.

The CSV import dialog lets a person choose ``data.text_options`` (tokenizer, vocabulary
size, lower-casing, ``max_length``) while looking at the result. :func:`text_preview`
trains the column's tokenizer with :func:`core.data.text.train_tokenizer` (the very code
training uses) on **every** filled row of the file, since the training split is not
known here; training learns from its training rows only, so its vocabulary can be a
little smaller. Everything returned is plain data (lists, numpy arrays); no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from core.data.encoder import UNK_ID, cap_text
from core.data.text import TextOptions, auto_length, train_tokenizer

#: Rows whose tokens are shown, and the most tokens shown of each.
PREVIEW_ROWS = 5
PREVIEW_TOKENS = 60
#: Bars of the length histogram (at most).
HISTOGRAM_BINS = 30


@dataclass
class PreviewRow:
    """One row of the file as the tokenizer splits it (its first :data:`PREVIEW_TOKENS`)."""

    row: int  # as a spreadsheet numbers it
    text: str
    tokens: list[str]  # the tokenizer's pieces ("[UNK]" for an unknown one)
    words: list[str]  # the characters of the text each token came from
    unknown: list[bool]  # a piece the vocabulary lacks: the model sees token UNK_ID
    count: int  # all tokens of the text (may exceed len(tokens))


@dataclass
class LengthHistogram:
    """Token counts per text in bars: bar ``i`` counts texts with ``edges[i] <= tokens <
    edges[i + 1]``; with ``clipped`` the last bar also holds every longer text."""

    edges: list[int]
    counts: list[int]
    clipped: bool
    longest: int


@dataclass
class TextPreview:
    """A text column's tokens under some :class:`~core.data.text.TextOptions`."""

    column: str
    options: TextOptions
    vocab_size: int  # tokens learnt, the padding and unknown tokens included
    lengths: np.ndarray  # int64 token count of every filled cell, file order
    auto_length: int  # what ``max_length: null`` chooses over these rows
    rows: list[PreviewRow] = field(default_factory=list)
    empty: int = 0  # missing cells (all padding)

    @property
    def texts(self) -> int:
        return int(len(self.lengths))

    @property
    def max_length(self) -> int:
        """The chosen ``max_length``, or the automatic one."""
        return self.options.max_length or self.auto_length

    def truncated(self, max_length: int | None = None) -> int:
        """Texts longer than ``max_length`` (default: :attr:`max_length`), cut in training."""
        limit = max_length or self.max_length
        return int((self.lengths > limit).sum())

    def truncation_rate(self, max_length: int | None = None) -> float:
        return self.truncated(max_length) / self.texts if self.texts else 0.0

    def percentile(self, q: float) -> int:
        return int(math.ceil(float(np.percentile(self.lengths, q)))) if self.texts else 0

    def histogram(self, bins: int = HISTOGRAM_BINS) -> LengthHistogram:
        """The token counts in at most ``bins`` bars of whole-token width. Texts far longer
        than most (beyond 1.5 × the 99th percentile) share the last bar, so one huge cell
        does not squash the rest into a single bar."""
        longest = int(self.lengths.max()) if self.texts else 0
        top = min(longest, max(math.ceil(1.5 * self.percentile(99)), self.auto_length + 1, 8))
        width = max(1, math.ceil((top + 1) / bins))
        count = math.ceil((top + 1) / width)
        counts = np.bincount(np.minimum(self.lengths, top) // width, minlength=count)[:count]
        return LengthHistogram([i * width for i in range(count + 1)], [int(c) for c in counts],
                               longest > top, longest)


def text_preview(name: str, categories: Sequence[str], codes: np.ndarray, options: TextOptions,
                 row_number: Callable[[np.ndarray], np.ndarray] = lambda i: i + 2,
                 file: str = "the file", rows: int = PREVIEW_ROWS) -> TextPreview:
    """Train ``options``' tokenizer on every filled cell of a text column (``codes`` index
    ``categories``, -1 missing) and describe the result; the first ``rows`` filled rows
    are split into tokens. Raises :class:`~core.errors.DataError` when the column holds no
    word. ``row_number`` turns row indices into the numbers a person sees."""
    codes = np.asarray(codes)
    trained = train_tokenizer(name, categories, codes, np.arange(len(codes)), options, file)
    filled = np.flatnonzero(codes >= 0)
    lengths = trained.lengths[codes[filled]]
    preview = TextPreview(name, options, int(trained.tokenizer.get_vocab_size()), lengths,
                          auto_length(lengths), empty=int(len(codes) - len(filled)))
    first = filled[:rows]
    texts = [cap_text(categories[c]) for c in codes[first].tolist()]
    encodings = trained.tokenizer.encode_batch(texts, add_special_tokens=False) if texts else []
    for index, text, encoding in zip(first.tolist(), texts, encodings):
        shown = slice(0, PREVIEW_TOKENS)
        preview.rows.append(PreviewRow(
            row=int(row_number(np.int64(index))), text=text, tokens=list(encoding.tokens[shown]),
            words=[text[a:b] for a, b in encoding.offsets[shown]],
            unknown=[i == UNK_ID for i in encoding.ids[shown]], count=len(encoding.ids)))
    return preview


def preview_of_table(raw, name: str, options: TextOptions, progress=None,
                     cancel=None) -> TextPreview:
    """:func:`text_preview` of column ``name`` of a read table (:class:`core.data.csv_read.RawTable`,
    e.g. the import dialog's profile). A column read as numbers is read again as text."""
    from core.data.csv_read import read_table

    if name not in raw.text:
        raw = read_table(raw.path, raw.format, [name], progress=progress, cancel=cancel,
                         span=(0.0, 0.5))
    if cancel is not None and cancel():
        from core.data import Cancelled

        raise Cancelled()
    if progress is not None:
        progress(0.5, f"tokenizing column {name!r}")
    text = raw.text[name]
    return text_preview(name, text.categories, text.codes, options, raw.row_number, raw.name)
