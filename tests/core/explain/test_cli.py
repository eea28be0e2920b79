"""``layerforge explain``: the files it writes, and one sentence for each mistake."""

from __future__ import annotations

import csv

import pytest
from PIL import Image

from core.cli import main as cli


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_a_table_run_writes_a_csv_and_a_bar_chart_per_sample(table_run, tmp_path, capsys):
    data = table_run.parent / "table.csv"
    out = tmp_path / "why"
    assert cli(["explain", str(table_run), "--data", str(data), "--method", "ig", "--rows", "3",
                "--out", str(out)]) == 0
    rows = _rows(out / "attributions.csv")
    assert rows[0] == ["sample", "predicted", "confidence", "explained", "a", "b", "colour", "city"]
    assert [r[0] for r in rows[1:]] == ["2", "3", "4"]
    pngs = sorted(out.glob("*.png"))
    assert [p.name for p in pngs] == ["001_2.png", "002_3.png", "003_4.png"]
    with Image.open(pngs[0]) as image:
        assert image.width > 300
    assert "3 samples of table.csv explained with Integrated gradients" in capsys.readouterr().out


def test_an_image_run_writes_heat_maps_for_grad_cam(image_run, tmp_path):
    out = tmp_path / "cam"
    assert cli(["explain", str(image_run), "--method", "gradcam", "--layer", "conv", "--rows", "2",
                "--out", str(out)]) == 0
    header = _rows(out / "attributions.csv")[0]
    assert header[4:8] == ["total", "abs_total", "peak_row", "peak_col"]
    assert len(list(out.glob("*.png"))) == 2


def test_a_text_run_writes_coloured_words(text_run, tmp_path):
    out = tmp_path / "words"
    assert cli(["explain", str(text_run), "--method", "smoothgrad", "--rows", "2", "--out", str(out)]) == 0
    rows = _rows(out / "attributions.csv")
    assert "stars" in rows[0] and "review[0]" in rows[0] and "review_tokens" in rows[0]
    page = (out / "tokens.html").read_text(encoding="utf-8")
    assert page.count("<span style='background-color:") >= 2
    assert len(list(out.glob("*.png"))) == 2


def _gan_run(run_dir, folder):
    """A copy of a run folder whose run.json holds the GAN example's network."""
    import json
    import shutil

    from tests.conftest import EXAMPLES

    shutil.copytree(run_dir, folder)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run["project"] = json.loads((EXAMPLES / "gan_digits.lfproj").read_text(encoding="utf-8"))
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    return folder


@pytest.mark.parametrize("arguments, sentence", [
    (["{missing}", "--method", "ig"], "is not a folder: give the folder of a training run"),
    (["{table}", "--method", "lime"], "unknown attribution method 'lime'"),
    (["{table}", "--method", "gradcam"], "Grad-CAM needs a convolutional network"),
    (["{image}", "--method", "gradcam", "--layer", "output"], "no convolution layer 'output' for Grad-CAM"),
    (["{image}", "--method", "gradcam", "--layer", "act"], "no convolution layer 'act'"),
    (["{gan}", "--method", "ig"], "is a GAN, which makes new samples instead of predicting"),
    (["{table}", "--method", "ig", "--layer", "hidden"], "--layer is for gradcam only"),
    (["{table}", "--data", "{missing}"], "does not exist"),
    (["{table}", "--method", "saliency", "--steps", "8"], "--steps is for ig and smoothgrad"),
])
def test_mistakes_are_one_line_and_exit_code_2(table_run, image_run, tmp_path, capsys, arguments, sentence):
    names = {"table": table_run, "image": image_run, "missing": tmp_path / "nowhere",
             "gan": _gan_run(image_run, tmp_path / "gan-run")}
    argv = ["explain"] + [a.format(**names) for a in arguments] + ["--out", str(tmp_path / "out")]
    assert cli(argv) == 2
    err = capsys.readouterr().err
    assert sentence in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_bad_row_count_is_a_usage_error(table_run, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli(["explain", str(table_run), "--rows", "0", "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2
    assert "--rows must be at least 1, got 0" in capsys.readouterr().err


def test_a_bad_step_count_is_a_usage_error(table_run, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli(["explain", str(table_run), "--steps", "9000", "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2
    assert "--steps must be at least 1 and at most 5,000, got 9000" in capsys.readouterr().err


def test_steps_reach_integrated_gradients(table_run, tmp_path):
    """One step is a crude integral and many a fine one: the attributions must differ."""
    values = {}
    for steps in ("1", "64"):
        out = tmp_path / f"steps{steps}"
        assert cli(["explain", str(table_run), "--method", "ig", "--steps", steps, "--rows", "2",
                    "--out", str(out)]) == 0
        values[steps] = [row[4:] for row in _rows(out / "attributions.csv")[1:]]
    assert values["1"] != values["64"]


def test_an_existing_folder_is_kept_without_overwrite(table_run, tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    assert cli(["explain", str(table_run), "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "keep"


def test_without_captum_the_command_says_how_to_install_it(table_run, tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_captum(name, *args, **kwargs):
        if name == "captum" or name.startswith("captum."):
            raise ImportError("No module named 'captum'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_captum)
    assert cli(["explain", str(table_run), "--rows", "1", "--out", str(tmp_path / "o")]) == 2
    assert "pip install 'captum>=0.8'" in capsys.readouterr().err


@pytest.mark.parametrize("run, name, sentence", [
    ("image", "rows.csv", "rows.csv is not an image, and this run's network takes images: choose an image file"),
    ("table", "photo.png", "photo.png is an image, and this run's network reads table rows: choose a CSV file"),
])
def test_the_wrong_kind_of_file_is_one_sentence(table_run, image_run, tmp_path, capsys, run, name, sentence):
    data = tmp_path / name
    data.write_bytes(b"a,b\n1,2\n" if name.endswith(".csv") else b"\x89PNG\r\n\x1a\n")
    run_dir = {"table": table_run, "image": image_run}[run]
    assert cli(["explain", str(run_dir), "--data", str(data), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert sentence in err and len(err.strip().splitlines()) == 1
