"""Predictions for typed sentences: the same numbers as a CSV of those sentences gives."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest

from core.errors import ExportError
from core.export.predict import predict_file
from core.export.predict_text import (predict_texts, read_text_input, text_input, typed_lines,
                                      typed_text_problem)
from tests.core.export import projects

pytestmark = pytest.mark.slow

SENTENCES = ["The blade stays sharp and the handle is comfortable",
             "A gripping story with a weak ending",
             "The hose survived the winter, no rust at all",
             "Bluetooth pairing keeps dropping on my laptop"]


@pytest.fixture(scope="module")
def text_run(tmp_path_factory, session_env):
    """The shipped text example trained for an epoch on its reviews (a real tokenizer)."""
    root = tmp_path_factory.mktemp("text")
    return projects.train(projects.small_example("text_classifier", root), root / "run")


def write_texts(path, texts, header="text"):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([header])
        writer.writerows([t] for t in texts)
    return path


def test_typed_sentences_predict_exactly_like_a_csv_of_them(text_run, tmp_path):
    typed = predict_texts(text_run, SENTENCES)
    from_file = predict_file(text_run, write_texts(tmp_path / "raw.csv", SENTENCES))
    np.testing.assert_array_equal(typed.outputs, from_file.outputs)
    assert typed.header[0] == "text" and from_file.header[0] == "row"
    assert typed.header[1:] == from_file.header[1:] == ["prediction", "prob_books", "prob_electronics",
                                                        "prob_garden", "prob_kitchen"]
    assert [r[0] for r in typed.rows] == SENTENCES and typed.ids == SENTENCES
    assert [r[1:] for r in typed.rows] == [r[1:] for r in from_file.rows]


def test_a_saved_table_of_typed_predictions_reads_back_as_raw_text(text_run, tmp_path):
    typed = predict_texts(text_run, SENTENCES[:2])
    again = predict_file(text_run, typed.write_csv(tmp_path / "typed.csv"))
    assert [r[1:] for r in again.rows] == [r[1:] for r in typed.rows]


def test_a_sentence_longer_than_max_length_is_named_by_its_line(text_run):
    pre = json.loads((text_run / "preprocessing.json").read_text(encoding="utf-8"))
    length = pre["table"]["columns"][0]["max_length"]
    long = " ".join(["great"] * (length + 5))
    notes: list[str] = []
    table = predict_texts(text_run, [SENTENCES[0], long], notes=notes)
    assert len(table.rows) == 2
    assert any(f"1 of 2 texts (50.0%) is longer than {length} tokens" in n for n in notes), notes


def test_blank_lines_are_skipped_and_no_sentence_is_one_sentence(text_run):
    assert typed_lines("  first line \n\n   \nsecond\r\nthird\n") == ["first line", "second", "third"]
    assert typed_lines(" \n \n") == []
    with pytest.raises(ExportError, match="^type at least one sentence"):
        predict_texts(text_run, [])


def test_a_run_that_also_reads_other_columns_takes_no_typed_sentences(text_run, tmp_path):
    mixed = tmp_path / "mixed"
    shutil.copytree(text_run, mixed)
    path = mixed / "preprocessing.json"
    pre = json.loads(path.read_text(encoding="utf-8"))
    pre["table"]["columns"].append({"name": "stars", "type": "numeric", "fill": 3.0})
    pre["input_shape"] = [pre["input_shape"][0] + 1]  # as a run on both columns would say
    path.write_text(json.dumps(pre), encoding="utf-8")
    column, problem = read_text_input(mixed)
    assert column == "text"
    assert problem.startswith("this model also reads 'stars' besides the text column 'text'")
    with pytest.raises(ExportError, match="^This model also reads 'stars'"):
        predict_texts(mixed, SENTENCES)
    assert read_text_input(text_run) == ("text", None)


def test_which_models_take_typed_sentences():
    text = {"name": "review", "type": "text", "max_length": 8}
    assert typed_text_problem({"kind": "table", "table": {"columns": [text]}}) is None
    assert text_input({"kind": "table", "table": {"columns": [text]}}) == (text, [])
    assert "reads no text column" in typed_text_problem({"kind": "image"})
    assert "reads no text column" in typed_text_problem(
        {"kind": "table", "table": {"columns": [{"name": "a", "type": "numeric"}]}})
    assert "windows of consecutive rows" in typed_text_problem({"kind": "sequence", "table": {"columns": [text]}})
    two = {"kind": "table", "table": {"columns": [text, dict(text, name="title")]}}
    assert "also reads 'title'" in typed_text_problem(two)


def test_the_command_line_takes_typed_sentences_and_prints_their_predictions(text_run, tmp_path, capsys):
    from core.cli import main as cli

    assert cli(["predict", str(text_run), "--text", SENTENCES[0], "--text", SENTENCES[2]]) == 0
    out = capsys.readouterr().out
    printed = list(csv.reader(out.splitlines()))
    typed = predict_texts(text_run, [SENTENCES[0], SENTENCES[2]])
    assert printed == [typed.header, *typed.rows]  # the comma in the second sentence is quoted
    assert not (tmp_path / "predictions.csv").exists()
    assert cli(["predict", str(text_run), "--text", SENTENCES[1], "--out", str(tmp_path / "p.csv")]) == 0
    assert "1 prediction written to" in capsys.readouterr().out
    assert list(csv.reader(open(tmp_path / "p.csv", encoding="utf-8")))[1][0] == SENTENCES[1]
    with pytest.raises(SystemExit):  # --data or --text, not both
        cli(["predict", str(text_run), "--text", "x", "--data", str(tmp_path / "p.csv")])
    capsys.readouterr()


def test_typed_sentences_for_a_model_without_text_are_one_sentence(table_runs, capsys):
    from core.cli import main as cli

    assert cli(["predict", str(table_runs["classification"]), "--text", "hello"]) == 2
    err = capsys.readouterr().err
    assert "reads no text column" in err and "Traceback" not in err
