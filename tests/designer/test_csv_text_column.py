"""The CSV dialog's text column panel, driven like a person: tokens, lengths, max length, options."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from designer.data import CsvImportDialog
from designer.style import Colors

WORDS = "the a good bad movie film plot actor great awful boring fun story ending music".split()


@pytest.fixture
def reviews(tmp_path) -> Path:
    """A code (numbers), a review (sentences of 4 to 24 words) and a label."""
    rng = np.random.default_rng(1)
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "review", "label"])
        for i in range(120):
            sentence = " ".join(rng.choice(WORDS, size=int(rng.integers(4, 25))))
            writer.writerow([int(rng.integers(100, 999)), sentence.capitalize(), "pos" if i % 2 else "neg"])
    return path


def first_review(path: Path) -> str:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1][1]


def open_dialog(qtbot, path, **kwargs) -> CsvImportDialog:
    dialog = CsvImportDialog(path, base_dir=path.parent, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def wait_preview(qtbot, dialog, **options) -> None:
    """Until the panel shows a preview made with ``options`` (and the check is done)."""
    def ready() -> bool:
        preview = dialog.text_panel.preview
        return (preview is not None and dialog.ok_button.isEnabled()
                and all(getattr(preview.options, k) == v for k, v in options.items()))
    qtbot.waitUntil(ready, timeout=20000)


def type_into(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def select_row(qtbot, dialog, row: int) -> None:
    view = dialog.columns_view
    index = dialog.columns_model.index(row, 0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def test_the_text_column_shows_its_tokens_lengths_and_vocabulary(qtbot, reviews):
    dialog = open_dialog(qtbot, reviews)
    wait_preview(qtbot, dialog)
    panel = dialog.text_panel
    assert dialog.text_area.isVisible() and panel.title() == "Text column 'review'"
    preview = panel.preview
    assert preview.rows[0].row == 2
    assert preview.rows[0].tokens == first_review(reviews).lower().split()  # as the tokenizer splits it
    shown = panel.tokens.text()
    assert shown.startswith(f"<span style='color:{Colors.text_dim}'>row 2 (")
    assert " · " in panel.tokens.text() and "row 6 (" in shown
    assert f"Vocabulary {2 + len(WORDS)} tokens" in panel.facts.text()  # 15 words, padding, unknown
    assert sum(panel.chart.histogram.counts) == 120
    assert panel.max_length.value() == 0  # auto: the line is where training puts it
    assert f"max_length {panel.chart.max_length}," in dialog.columns_model.columns[1].summary
    assert "text_options" not in dialog.spec()


def test_max_length_writes_text_options_and_moves_the_line(qtbot, reviews):
    dialog = open_dialog(qtbot, reviews)
    wait_preview(qtbot, dialog)
    panel, chart = dialog.text_panel, dialog.text_panel.chart
    auto_x = chart.line_x()
    type_into(qtbot, panel.max_length, "6")
    assert dialog.spec()["text_options"] == {"max_length": 6}
    short_x = chart.line_x()
    assert short_x < auto_x
    assert chart.truncated_rate == pytest.approx(panel.preview.truncation_rate(6)) and chart.truncated_rate > 0.5
    assert "Max length 6:" in panel.facts.text()
    assert Colors.error in panel.tokens.text()  # the ✂ where the first rows are cut
    type_into(qtbot, panel.max_length, "14")
    assert chart.line_x() > short_x and dialog.spec()["text_options"] == {"max_length": 14}
    # a click on the histogram chooses the length under the pointer
    target = chart.x_of(10)
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(round(target), chart.height() // 2))
    chosen = panel.max_length.value()
    assert chosen == chart.length_at(round(target)) and abs(chosen - 9) <= 1
    assert dialog.spec()["text_options"] == {"max_length": chosen}
    assert abs(chart.line_x() - target) < chart.width() / 20
    qtbot.waitUntil(lambda: f"max_length {chosen}," in dialog.columns_model.columns[1].summary, timeout=20000)
    # back to auto: nothing to write
    type_into(qtbot, panel.max_length, "0")
    assert "text_options" not in dialog.spec()


def test_tokenizer_vocabulary_and_lower_casing_tokenize_again(qtbot, reviews):
    dialog = open_dialog(qtbot, reviews)
    wait_preview(qtbot, dialog)
    panel = dialog.text_panel
    qtbot.mouseClick(panel.lowercase, Qt.MouseButton.LeftButton)
    wait_preview(qtbot, dialog, lowercase=False)
    assert panel.preview.rows[0].tokens == first_review(reviews).split()  # "Good" stays "Good"
    assert dialog.spec()["text_options"] == {"lowercase": False}
    type_into(qtbot, panel.vocab_size, "8")
    wait_preview(qtbot, dialog, vocab_size=8)
    assert dialog.spec()["text_options"] == {"vocab_size": 8, "lowercase": False}
    assert panel.preview.vocab_size == 8 and any(any(r.unknown) for r in panel.preview.rows)
    assert Colors.warning in panel.tokens.text()  # unknown words are marked
    panel.tokenizer.setFocus()
    qtbot.keyClicks(panel.tokenizer, "W")  # WordPiece
    wait_preview(qtbot, dialog, tokenizer="wordpiece")
    assert dialog.spec()["text_options"] == {"tokenizer": "wordpiece", "vocab_size": 8, "lowercase": False}
    reopened = open_dialog(qtbot, reviews, spec=dialog.spec())
    wait_preview(qtbot, reopened, tokenizer="wordpiece")
    assert reopened.text_panel.options() == panel.options()
    assert reopened.spec()["text_options"] == dialog.spec()["text_options"]


def test_the_selected_text_column_is_shown_and_no_text_hides_the_panel(qtbot, reviews):
    dialog = open_dialog(qtbot, reviews)
    wait_preview(qtbot, dialog)
    model = dialog.columns_model
    assert model.setData(model.index(0, model.TYPE_COLUMN), "text")  # code, as words
    select_row(qtbot, dialog, 0)
    qtbot.waitUntil(lambda: dialog.text_panel.preview is not None
                    and dialog.text_panel.preview.column == "code", timeout=20000)
    assert dialog.text_panel.title() == "Text column 'code'"
    assert dialog.text_panel.preview.rows[0].tokens[0].isdigit()
    select_row(qtbot, dialog, 1)
    qtbot.waitUntil(lambda: dialog.text_panel.preview is not None
                    and dialog.text_panel.preview.column == "review", timeout=20000)
    for row in (0, 1):
        assert model.setData(model.index(row, model.TYPE_COLUMN), "categorical")
    QApplication.processEvents()
    assert not dialog.text_area.isVisible()


def _accept_when_checked(qtbot, seen: list) -> None:
    """Press OK on the CSV dialog once its check is done (the dialog runs modally)."""
    from PySide6.QtCore import QTimer

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, CsvImportDialog) and dialog.ok_button.isEnabled():
            seen.append({s.name: s for s in dialog.columns_model.columns})
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        else:
            QTimer.singleShot(50, poll)
    QTimer.singleShot(50, poll)


def test_a_column_no_input_reads_starts_ignored(qtbot, reviews, monkeypatch):
    """A text network whose Input reads ``review``: the file's number column ``code`` would
    become features no layer reads, so it starts ignored, with the reason; without Inputs
    that name columns it stays a feature."""
    from PySide6.QtWidgets import QFileDialog

    from core.graph import Graph, Node
    from core.project import Project
    from designer.data import import_csv

    project = Project(path=reviews.parent / "p.lfproj")
    project.graph.add_node(Node("text", "Input", {"columns": ["review"]}))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(reviews), "Tables"))
    seen: list = []
    _accept_when_checked(qtbot, seen)
    data = import_csv(None, project)
    assert data["ignore"] == ["code"] and data["target"] == "label"
    assert seen[0]["code"].role == "ignore" and "read by no Input" in seen[0]["code"].summary
    assert seen[0]["review"].role == "feature"

    project.graph.set_param("text", "columns", None)  # the Input reads the whole row
    seen.clear()
    _accept_when_checked(qtbot, seen)
    data = import_csv(None, project)
    assert "ignore" not in data and seen[0]["code"].role == "feature"
    assert Graph().columns_read() is None
