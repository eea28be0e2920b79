"""The shipped text example: it checks ready, learns, and ``--data`` maps its text column."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from core.cli import main
from core.project import Project

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "text_classifier.lfproj"
REVIEWS = ROOT / "resources" / "sample_data" / "reviews.csv"


def _rows() -> list[list[str]]:
    with open(REVIEWS, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([*map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_reviews_csv_is_what_its_script_writes():
    from tests.core.data.make_reviews import ROWS, reviews

    assert _rows() == [list(row) for row in reviews()]
    assert len(_rows()) == ROWS


def test_the_example_checks_ready(capsys):
    code, out, err = _run(capsys, "check", EXAMPLE)
    assert code == 0, err
    assert "ready to train" in out


@pytest.mark.slow
def test_the_example_learns_on_a_subset(tmp_path):
    from core.data import load
    from core.train.setup import prepare

    project = Project.load(EXAMPLE)
    subset = _write(tmp_path / "subset.csv", ["text", "label"], _rows()[:600])
    project.data = {**project.data, "path": str(subset)}
    dataset = load(project.data, project.directory)
    result = prepare(project, dataset, overrides={"epochs": 6, "device": "cpu"},
                     run_dir=tmp_path / "run").fit()
    assert result.best["val_accuracy"] > 0.6  # chance is 0.25 (four topics)


@pytest.mark.slow
@pytest.mark.parametrize("text", [None, "review"])
def test_data_with_another_text_column_name(tmp_path, capsys, text):
    rows = [[t, str(i % 5 + 1), label] for i, (t, label) in enumerate(_rows()[:400])]
    data = _write(tmp_path / "other.csv", ["review", "stars", "label"], rows)
    args = ["train", EXAMPLE, "--data", data, "--target", "label", "--epochs", "1", "--quiet",
            "--device", "cpu", "--run-dir", tmp_path / "run"]
    code, out, err = _run(capsys, *args, *(["--text", text] if text else []))
    assert code == 0, err
    assert "the project's text column 'text' is read from column 'review' of other.csv" in err
    run = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    nodes = {node["id"]: node for node in run["project"]["graph"]["nodes"]}
    assert nodes["text"]["params"]["columns"] == ["review"]


def test_data_without_or_with_several_text_columns(tmp_path, capsys):
    rows = _rows()[:100]
    none = _write(tmp_path / "none.csv", ["x", "label"], [[str(i), r[1]] for i, r in enumerate(rows)])
    code, _, err = _run(capsys, "check", EXAMPLE, "--data", none, "--target", "label")
    assert code == 2
    assert "none.csv has no text column" in err and "--text COLUMN" in err
    two = _write(tmp_path / "two.csv", ["review", "title", "label"],
                 [[r[0], r[0][::-1], r[1]] for r in rows])
    code, _, err = _run(capsys, "check", EXAMPLE, "--data", two, "--target", "label")
    assert code == 2
    assert "several text columns ('review', 'title')" in err
    code, out, err = _run(capsys, "check", EXAMPLE, "--data", two, "--target", "label",
                          "--text", "title")
    assert code == 0, err
    assert "read from column 'title'" in out
    code, _, err = _run(capsys, "check", EXAMPLE, "--data", two, "--text", "nope")
    assert code == 2 and "has no column 'nope'" in err
