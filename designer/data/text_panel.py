"""The CSV dialog's panel for a text column: ``data.text_options`` beside what they do.

Tokenizer, vocabulary size and lower-casing change how the text is split (the dialog
then computes a new :class:`core.data.text_preview.TextPreview` in the background);
max length only moves the line on the length histogram and the share of texts cut,
both recomputed from the preview at once. The panel holds no truth of its own: the
dialog reads :meth:`TextColumnPanel.options_dict` into the ``data`` section it returns.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QSpinBox, QWidget)

from core.data.text import (AUTO_LENGTH_PERCENTILE, DEFAULT_VOCAB_SIZE, MAX_LENGTH, MAX_VOCAB_SIZE,
                            TextOptions)
from designer.data.text_lengths import TextLengthChart
from designer.style import Colors

TOKENIZER_NAMES = {"word": "words", "bpe": "BPE (sub-words)", "wordpiece": "WordPiece (sub-words)"}
SEPARATOR = " · "
CUT = "✂"


def options_dict(options: TextOptions) -> dict:
    """``data.text_options`` as the project file writes it: only what differs from the defaults."""
    default = TextOptions()
    return {key: getattr(options, key) for key in ("tokenizer", "vocab_size", "lowercase", "max_length")
            if getattr(options, key) != getattr(default, key)}


def tokens_html(row, max_length: int) -> str:
    """One preview row: its tokens joined by a visible separator; an unknown piece shows the
    text it came from in the warning colour with a "?"; pieces past ``max_length`` are dimmed
    after a ✂ (the model never sees them)."""
    parts = []
    for index, (token, word, unknown) in enumerate(zip(row.tokens, row.words, row.unknown)):
        if index == max_length:
            parts.append(f"<span style='color:{Colors.error}'>{CUT}</span>")
        if unknown:
            cell = f"<span style='color:{Colors.warning}'>{html.escape(word or token)}?</span>"
        else:
            cell = html.escape(token)
        if index >= max_length:
            cell = f"<span style='color:{Colors.text_dim}'>{cell}</span>"
        parts.append(cell)
    dim = f"<span style='color:{Colors.text_dim}'>{SEPARATOR}</span>"
    line = dim.join(parts)
    if row.count > len(row.tokens):
        if len(row.tokens) <= max_length < row.count:
            line += f" <span style='color:{Colors.error}'>{CUT}</span>"
        line += f" <span style='color:{Colors.text_dim}'>… +{row.count - len(row.tokens)} more</span>"
    return (f"<span style='color:{Colors.text_dim}'>row {row.row} ({row.count} tokens):</span>"
            f" {line}")


class TextColumnPanel(QGroupBox):
    """Tokenizer choices, the length histogram and the first rows' tokens of one text column."""

    #: "tokenizer" (the text must be split again) or "length" (only max_length changed).
    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Text column", parent)
        self.setObjectName("textColumnPanel")
        self.column: str | None = None
        self.preview = None  # the last TextPreview shown
        self.checked_auto: int | None = None  # max_length training chose (from the last check)
        self.tokenizer = QComboBox()
        for key, name in TOKENIZER_NAMES.items():
            self.tokenizer.addItem(name, key)
        self.tokenizer.setToolTip("How a text is split: whole words, or sub-word pieces learnt from"
                                  " the column (fewer unknown words, longer sequences)")
        self.vocab_size = QSpinBox()
        self.vocab_size.setRange(3, MAX_VOCAB_SIZE)
        self.vocab_size.setSingleStep(1000)
        self.vocab_size.setGroupSeparatorShown(True)
        self.vocab_size.setKeyboardTracking(False)  # one change when the typing is done
        self.vocab_size.setToolTip("The most tokens learnt (the padding and unknown tokens"
                                   " included); rarer words become the unknown token")
        self.lowercase = QCheckBox("Lower-case")
        self.lowercase.setToolTip("Read 'Great' and 'great' as the same word")
        self.max_length = QSpinBox()
        self.max_length.setRange(0, MAX_LENGTH)
        self.max_length.setSpecialValueText(f"auto ({AUTO_LENGTH_PERCENTILE}th percentile)")
        self.max_length.setSuffix(" tokens")
        self.max_length.setToolTip("Tokens per text the network sees: longer texts are cut,"
                                   " shorter ones padded. Click the histogram to choose")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.chart = TextLengthChart()
        self.tokens = QLabel()
        self.tokens.setObjectName("textTokens")
        self.tokens.setWordWrap(True)
        self.tokens.setTextFormat(Qt.TextFormat.RichText)
        self.tokens.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tokens.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.legend = QLabel(f"<span style='color:{Colors.text_dim}'>{SEPARATOR.strip()} between"
                             f" tokens · <span style='color:{Colors.warning}'>word?</span> not in"
                             f" the vocabulary (the unknown token) · {CUT} cut at max length</span>")
        self.legend.setWordWrap(True)
        split_row = QHBoxLayout()
        split_row.addWidget(self.tokenizer, 1)
        split_row.addWidget(self.lowercase)
        form = QFormLayout()
        form.addRow("Tokenizer", split_row)
        form.addRow("Vocabulary", self.vocab_size)
        form.addRow("Max length", self.max_length)
        grid = QGridLayout(self)
        grid.addLayout(form, 0, 0)
        grid.addWidget(self.chart, 0, 1)
        grid.addWidget(self.facts, 1, 0, 1, 2)
        grid.addWidget(self.tokens, 2, 0, 1, 2)
        grid.addWidget(self.legend, 3, 0, 1, 2)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        self.set_options(TextOptions())
        self.tokenizer.activated.connect(lambda _i: self.changed.emit("tokenizer"))
        self.vocab_size.valueChanged.connect(lambda _v: self.changed.emit("tokenizer"))
        self.lowercase.toggled.connect(lambda _c: self.changed.emit("tokenizer"))
        self.max_length.valueChanged.connect(self._on_length_changed)
        self.chart.length_clicked.connect(self.max_length.setValue)

    # ------------------------------------------------------------------ options
    def set_options(self, options: TextOptions) -> None:
        for widget in (self.tokenizer, self.vocab_size, self.lowercase, self.max_length):
            widget.blockSignals(True)
        self.tokenizer.setCurrentIndex(max(0, self.tokenizer.findData(options.tokenizer)))
        self.vocab_size.setValue(options.vocab_size)
        self.lowercase.setChecked(options.lowercase)
        self.max_length.setValue(options.max_length or 0)
        for widget in (self.tokenizer, self.vocab_size, self.lowercase, self.max_length):
            widget.blockSignals(False)

    def options(self) -> TextOptions:
        return TextOptions(self.tokenizer.currentData(), self.vocab_size.value(),
                           self.lowercase.isChecked(), self.max_length.value() or None)

    def options_dict(self) -> dict:
        return options_dict(self.options())

    def effective_length(self) -> int | None:
        """The max_length training uses: the chosen one, else the automatic one (from the
        last check when there is one, else from the preview)."""
        if self.max_length.value():
            return self.max_length.value()
        if self.checked_auto is not None:
            return self.checked_auto
        return self.preview.auto_length if self.preview is not None else None

    def _on_length_changed(self, _value: int) -> None:
        self._show_length()
        self.changed.emit("length")

    # ------------------------------------------------------------------ showing
    def set_column(self, name: str) -> None:
        if name != self.column:
            self.column, self.preview, self.checked_auto = name, None, None
            self.setTitle(f"Text column {name!r}")
            self.chart.set_histogram(None)
            self.chart.set_max_length(None)

    def show_busy(self) -> None:
        self.facts.setText(f"<span style='color:{Colors.text_dim}'>Tokenizing {self.column!r}…</span>")

    def show_problem(self, text: str) -> None:
        self.preview = None
        self.chart.set_histogram(None)
        self.tokens.setText("")
        self.facts.setText(f"<span style='color:{Colors.error}'>⚠ {html.escape(text)}</span>")

    def set_preview(self, preview) -> None:
        self.preview = preview
        self.chart.set_histogram(preview.histogram())
        self._show_length()

    def set_checked_auto(self, length: int | None) -> None:
        """The max_length the last check (the real loader, training rows only) chose."""
        self.checked_auto = length
        self._show_length()

    def _show_length(self) -> None:
        preview, length = self.preview, self.effective_length()
        if preview is None or length is None:
            return
        rate = preview.truncation_rate(length)
        self.chart.set_max_length(length, rate)
        auto = "" if self.max_length.value() else " (auto)"
        self.facts.setText(
            f"Vocabulary {preview.vocab_size:,} tokens, learnt here from all {preview.texts:,} texts"
            f" (training learns from its training rows only). Tokens per text: 50%"
            f" {preview.percentile(50)}, 95% {preview.percentile(95)}, longest"
            f" {int(preview.lengths.max()) if preview.texts else 0}. Max length {length}{auto}:"
            f" {preview.truncated(length):,} texts ({100 * rate:.1f}%) are cut.")
        self.tokens.setText("<br>".join(tokens_html(row, length) for row in preview.rows)
                            or f"<span style='color:{Colors.text_dim}'>no filled rows</span>")
