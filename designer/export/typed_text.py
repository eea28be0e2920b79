"""The Predict window's "Type sentences" box: raw sentences in, one per line, no file needed.

Shown only for a run that reads text. Whether typed sentences can go to the run is core's
decision (:func:`core.export.predict_text.typed_text_problem`, read from the run's
preprocessing.json off the GUI thread); a run that also reads other columns gets the
reason in one sentence, and the CSV path above stays the way to predict.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from designer.style import Colors

PLACEHOLDER = ("One sentence per line, e.g.\nThe blade stays sharp and the handle is comfortable\n"
               "A gripping story with a weak ending")


def read_run_text(run_dir, _progress, _cancel):
    """The worker's job: the run's text column and why typed sentences cannot go to it."""
    from core.export.predict_text import read_text_input

    return read_text_input(run_dir)


class TypedTextBox(QGroupBox):
    """A multi-line box of sentences and a Predict button, for runs whose input is text."""

    predict_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Type sentences", parent)
        self.setObjectName("typedText")
        self.column: str | None = None
        self.problem: str | None = None
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("typedSentences")
        self.editor.setPlaceholderText(PLACEHOLDER)
        self.editor.setTabChangesFocus(True)
        lines = QFontMetrics(self.editor.font()).lineSpacing()
        self.editor.setFixedHeight(5 * lines + 12)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.predict_button = QPushButton("Predict")
        self.predict_button.setToolTip("Predict a class for each line typed above (blank lines are skipped)")
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.predict_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addLayout(row)
        self.predict_button.clicked.connect(self.predict_requested)
        self.set_run(None, None)

    def set_run(self, column: str | None, problem: str | None) -> None:
        """What the chosen run reads: its text column (None: hide the box) and why typed
        sentences cannot go to it (None when they can)."""
        self.column, self.problem = column, problem
        self.setVisible(column is not None)
        self.editor.setEnabled(column is not None and problem is None)
        if problem:
            sentence = html.escape(problem[0].upper() + problem[1:], quote=False)
            self.note.setText(f"<span style='color:{Colors.warning}'>{sentence}.</span>")
        elif column:
            name = html.escape(repr(column), quote=False)
            self.note.setText(f"<span style='color:{Colors.text_dim}'>Each line is one value of the"
                              f" text column {name}; the model's own tokenizer splits it.</span>")
        self.set_ready(True)

    @property
    def usable(self) -> bool:
        return self.column is not None and self.problem is None

    def set_ready(self, ready: bool) -> None:
        self.predict_button.setEnabled(ready and self.usable)

    def sentences(self) -> list[str]:
        from core.export.predict_text import typed_lines

        return typed_lines(self.editor.toPlainText())
