"""The text example on a CSV file it has never seen, from the command line, end to end.

The file is made here: made-up news titles in three topics, written in cp1252 with Windows
line endings, with quotes, commas and a line break inside quoted cells, an empty text
cell, a numeric column no Input reads, and a class column called ``section``. ``check``,
``train --data --target``, ``predict`` on a file of raw text only, ``export`` to ONNX
and Python, and the exported ``predict.py`` in a fresh process without LayerForge must
each work, and agree.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.export.verify import run_clean

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "text_classifier.lfproj"
TOPICS = {
    "sport": ["striker", "goal", "league", "coach", "match", "derby", "trophy", "penalty", "keeper"],
    "markets": ["shares", "bond", "yields", "investors", "rally", "earnings", "dividend", "broker"],
    "science": ["telescope", "genome", "comet", "lab", "quantum", "fossil", "vaccine", "orbit"],
}
GLUE = ["after", "as", "the", "new", "a", "surprise", "late", "big", "in", "record", "over", "week"]


def _title(rng: random.Random, topic: str) -> str:
    words = rng.sample(TOPICS[topic], 3) + rng.sample(GLUE, 3)
    rng.shuffle(words)
    text = " ".join(words).capitalize()
    pick = rng.random()
    if pick < 0.15:  # quotes, a comma and letters outside ASCII (cp1252 bytes)
        text = f'"{text}", says {rng.choice(["the café owner", "a naïve fan", "Zoë"])}'
    elif pick < 0.25:
        text += ", again"
    elif pick < 0.3:
        text += "\nsecond line"  # a line break inside a quoted cell
    return text


def write_news(path: Path, rows: int, seed: int, label: bool = True) -> Path:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="cp1252") as handle:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow(["headline", "words"] + (["section"] if label else []))
        for i in range(rows):
            topic = rng.choice(sorted(TOPICS))
            text = "" if i == 3 else _title(rng, topic)
            out.writerow([text, len(text.split())] + ([topic] if label else []))
    return path


def _cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _probabilities(path: Path) -> tuple[list[str], np.ndarray]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = [k for k in rows[0] if k.startswith("prob_")]
    return [r["prediction"] for r in rows], np.array([[float(r[n]) for n in names] for r in rows])


def test_a_new_messy_csv_checks_trains_predicts_and_exports(tmp_path, capsys):
    news = write_news(tmp_path / "news.csv", 300, seed=0)
    assert b"\xe9" in news.read_bytes() and b"\r\n" in news.read_bytes()  # cp1252 'é', CRLF

    code, out, err = _cli(capsys, "check", EXAMPLE, "--data", news, "--target", "section")
    assert code == 0, err
    assert "ready to train" in out
    headline = next(line for line in out.splitlines() if line.strip().startswith("headline"))
    assert "text, word tokenizer, vocabulary" in headline and "tokens per text 50%" in headline
    assert "truncated" in headline
    assert "not UTF-8" in out and "Windows-1252" in out
    assert "1 empty cell (row 5) is all padding" in out
    assert "'text' is read from column 'headline' of news.csv" in out
    assert "column 'words' of the file is read by no Input: left out" in out

    run = tmp_path / "run"
    code, _out, err = _cli(capsys, "train", EXAMPLE, "--data", news, "--target", "section",
                           "--epochs", "3", "--device", "cpu", "--run-dir", run, "--quiet")
    assert code == 0, err

    # raw text only: no 'words' column, no class column; a quoted line break, an empty cell
    fresh = write_news(tmp_path / "fresh.csv", 30, seed=1)
    with open(fresh, newline="", encoding="cp1252") as source:
        rows = list(csv.reader(source))
    only_text = tmp_path / "only_text.csv"
    with open(only_text, "w", newline="", encoding="utf-8") as target:
        csv.writer(target).writerows([row[:1] for row in rows])
    code, _out, err = _cli(capsys, "predict", run, "--data", only_text, "--out", tmp_path / "lf.csv")
    assert code == 0, err
    predicted, from_run = _probabilities(tmp_path / "lf.csv")
    truth = [row[2] for row in rows[1:]]
    right = sum(p == t for p, t in zip(predicted, truth) if t)
    assert len(predicted) == 30 and right >= 24, (predicted, truth)  # chance is 10

    code, out, err = _cli(capsys, "export", run, "--format", "onnx,python", "--out", tmp_path / "exp")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("onnx: verified") and "attention_mask" in lines[0], lines
    assert lines[1].startswith("python: verified"), lines
    onnx_file = next((tmp_path / "exp").glob("*.onnx"))
    code, _out, err = _cli(capsys, "predict", onnx_file, "--data", only_text, "--out", tmp_path / "onnx.csv")
    assert code == 0, err
    np.testing.assert_allclose(_probabilities(tmp_path / "onnx.csv")[1], from_run, rtol=1e-5, atol=1e-6)

    folder = next(p for p in (tmp_path / "exp").iterdir() if p.is_dir())
    done = run_clean(folder / "predict.py", [str(only_text), "--out", str(tmp_path / "sa.csv")], folder)
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(_probabilities(tmp_path / "sa.csv")[1], from_run, rtol=1e-5, atol=1e-6)


def test_a_file_without_the_class_column_or_text_is_one_sentence(tmp_path, capsys):
    news = write_news(tmp_path / "news.csv", 60, seed=0)
    code, _out, err = _cli(capsys, "train", EXAMPLE, "--data", news, "--target", "topic",
                           "--epochs", "1", "--run-dir", tmp_path / "run")
    errors = [line for line in err.splitlines() if line.startswith("layerforge train:")]
    assert code == 2 and len(errors) == 1 and "no column 'topic'" in errors[0], err
    assert "Traceback" not in err
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("a,b,section\n" + "".join(f"{i},{i * 2},s{i % 2}\n" for i in range(40)),
                       encoding="utf-8")
    code, _out, err = _cli(capsys, "check", EXAMPLE, "--data", numbers, "--target", "section")
    assert code == 2 and "numbers.csv has no text column" in err, err
