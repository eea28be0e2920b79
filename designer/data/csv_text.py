"""Text columns in the CSV dialog: the Type choice "text", its one-line facts, its panel.

The column list's model and delegate (:mod:`designer.data.csv_models`) know the types
numeric and categorical; these subclasses add "text" (``data.text``: a column of free
text becomes token ids). Whether a column *is* text is core's decision
(:func:`core.data.text.looks_like_text`, through the profile's ``kind``), never the dialog's.
:class:`TextColumnChoices` gives the dialog the text column's panel
(:mod:`designer.data.text_panel`): ``data.text_options`` and their preview, tokenized in
the background (:func:`core.data.text_preview.preview_of_table`).
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox

from core.data.columns import TEXT
from core.errors import DataError
from designer.data.csv_models import FEATURE, ROLES, ChoiceDelegate, ColumnsModel
from designer.data.signals import emit
from designer.data.tasks import BackgroundTask
from designer.data.text_panel import TextColumnPanel
from designer.scrolling import scrolling

TYPES = ("numeric", "categorical", TEXT)


def text_summary(facts: dict[str, Any] | None) -> str:
    """``text: vocabulary 1,234; tokens 50% 7, 95% 12; max_length 12, 0.0% truncated``,
    from a schema column's ``text`` dict; just ``text`` without one."""
    if not facts:
        return TEXT
    line = (f"text: vocabulary {int(facts.get('vocab_size', 0)):,};"
            f" tokens 50% {facts.get('tokens_p50', 0)}, 95% {facts.get('tokens_p95', 0)}")
    if facts.get("max_length") is not None:
        line += (f"; max_length {facts['max_length']},"
                 f" {100 * float(facts.get('truncated_rate', 0.0)):.1f}% truncated")
    return line


class TextColumnsModel(ColumnsModel):
    """:class:`ColumnsModel` whose Type may also be "text"."""

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in (self.ROLE_COLUMN, self.TYPE_COLUMN):
            return False
        column = self.columns[index.row()]
        key = "role" if index.column() == self.ROLE_COLUMN else "type"
        if value not in (ROLES if key == "role" else TYPES) or getattr(column, key) == value:
            return False
        setattr(column, key, value)
        emit(self.dataChanged, self.index(index.row(), 0), self.index(index.row(), len(self.HEADERS) - 1))
        emit(self.edited, column.name, key, value)
        return True


class TextChoiceDelegate(ChoiceDelegate):
    """:class:`ChoiceDelegate` offering "text" in the Type combo."""

    def createEditor(self, parent, option, index):
        editor = super().createEditor(parent, option, index)
        if index.column() == ColumnsModel.TYPE_COLUMN and isinstance(editor, QComboBox):
            editor.clear()
            editor.addItems(TYPES)
        return editor


class TextColumnChoices:
    """The CSV dialog's text column panel: which column it shows, its background preview,
    and the ``data.text_options`` it writes. Mixed into :class:`CsvImportDialog`, whose
    ``columns_model``, ``columns_view``, ``profile``, ``initial`` and tasks it uses."""

    _preview_task: BackgroundTask | None = None  # tokenizing the shown column
    _preview_key: tuple | None = None  # (table read, column, tokenizer choices) last tokenized

    def _build_text_panel(self) -> None:
        self.text_panel = TextColumnPanel()
        self.text_panel.set_options(self._initial_text_options())
        self.text_panel.changed.connect(self._on_text_options_changed)
        self.text_area = scrolling(self.text_panel, sideways=False)
        self.text_area.hide()  # until a feature column is text
        self.columns_view.selectionModel().currentRowChanged.connect(
            lambda _now, _before: self._update_text_panel())

    def _initial_text_options(self):
        """``data.text_options`` of the spec the dialog opened with (the defaults when it has
        none, or a broken one: the check then says what is wrong)."""
        from core.data.text import TextOptions, text_options

        try:
            return text_options(self.initial.get("text_options"))
        except DataError:
            return TextOptions()

    def _text_options_spec(self) -> dict[str, Any]:
        """``{"text_options": {...}}`` for :meth:`spec`: what differs from the defaults while
        a feature column is text; without one, whatever the project had is kept."""
        if any(s.role == FEATURE and s.type == TEXT for s in self.columns_model.columns):
            options = self.text_panel.options_dict()
            return {"text_options": options} if options else {}
        if self.initial.get("text_options") is not None:
            return {"text_options": copy.deepcopy(self.initial["text_options"])}
        return {}

    def _text_checked(self, spec: dict[str, Any], facts: dict[str, dict]) -> None:
        """After a check: the max_length training chose (from its training rows) is the line."""
        checked = facts.get(self.text_panel.column or "")
        if checked and spec.get("text_options", {}) == self.text_panel.options_dict():
            self.text_panel.set_checked_auto(checked.get("max_length"))

    def _text_column(self) -> str | None:
        """The text column the panel shows: the one selected in the list, else the one shown
        before, else the first; None when no feature column is text."""
        texts = [s.name for s in self.columns_model.columns if s.role == FEATURE and s.type == TEXT]
        current = self.columns_view.currentIndex()
        if current.isValid() and current.row() < len(self.columns_model.columns):
            selected = self.columns_model.columns[current.row()].name
            if selected in texts:
                return selected
        if self.text_panel.column in texts:
            return self.text_panel.column
        return texts[0] if texts else None

    def _update_text_panel(self) -> None:
        """Show the text column's panel (or hide it) and tokenize the column again when it,
        or the tokenizer choices, changed since the last time."""
        name = self._text_column() if self.profile is not None else None
        self.text_area.setVisible(name is not None)
        if name is None:
            return
        self.text_panel.set_column(name)
        options, raw = self.text_panel.options(), self.profile.raw
        key = (raw.format, raw.n_rows, name, options.tokenizer, options.vocab_size, options.lowercase)
        if key == self._preview_key and self.text_panel.preview is not None:
            return
        self._preview_key = key
        if self._preview_task is not None:
            self._preview_task.cancel()
        from core.data.text_preview import preview_of_table

        task = BackgroundTask(lambda progress, cancel: preview_of_table(raw, name, options, progress, cancel),
                              "text-preview", self)
        task.finished.connect(lambda preview, t=task: self._on_text_preview(t, preview))
        task.failed.connect(lambda text, t=task: self._on_text_preview_failed(t, text))
        self._preview_task = task
        self._tasks.append(task)
        self.text_panel.show_busy()
        task.start()

    def _on_text_preview(self, task: BackgroundTask, preview) -> None:
        if task is self._preview_task and preview.column == self.text_panel.column:
            self.text_panel.set_preview(preview)

    def _on_text_preview_failed(self, task: BackgroundTask, text: str) -> None:
        if task is self._preview_task:
            self._preview_key = None  # a new choice tries again
            self.text_panel.show_problem(text)

    def _on_text_options_changed(self, what: str) -> None:
        if what == "tokenizer":
            self.text_panel.set_checked_auto(None)
            self._update_text_panel()
        self.schedule_check()
