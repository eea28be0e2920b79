"""``layerforge predict``: CSV files and image folders, from a run folder or an exported model."""

from __future__ import annotations

import csv
import json
import re
import shutil

import numpy as np
import pytest

from core.cli import main as cli
from core.data import encode_inputs


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def export(run, fmt, out, capsys):
    code = cli(["export", str(run), "--format", fmt, "--out", str(out)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0, lines
    return out


def predict(model, data, out, capsys):
    code = cli(["predict", str(model), "--data", str(data), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert re.search(rf"^[\d,]+ predictions? written to {re.escape(str(out))}$", captured.out, re.M), captured.out
    return read_csv(out)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_predict_on_the_training_csv_agrees_with_onnx_runtime_on_every_row(table_runs, task, tmp_path, capsys):
    import onnxruntime as ort

    run = table_runs[task]
    data = run.parent / "table.csv"
    onnx_path = export(run, "onnx", tmp_path / "model.onnx", capsys)
    rows = predict(run, data, tmp_path / "predictions.csv", capsys)

    pre = json.loads((run / "preprocessing.json").read_text())
    encoded = encode_inputs(pre, data)  # the encoded, unscaled features: the ONNX model's input
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"input": encoded.x})[0]

    header, body = rows[0], rows[1:]
    assert len(body) == 160 == len(expected)
    assert [r[0] for r in body] == [str(n) for n in range(2, 162)]  # spreadsheet row numbers
    if task == "classification":
        assert header == ["row", "prediction", "prob_cat", "prob_dog", "prob_fox"]
        probs = np.array([[float(v) for v in r[2:]] for r in body])
        np.testing.assert_allclose(probs, expected, atol=1e-6)
        assert [r[1] for r in body] == [pre["class_names"][i] for i in expected.argmax(axis=1)]
    else:
        assert header == ["row", "prediction"]
        values = np.array([float(r[1]) for r in body])
        np.testing.assert_allclose(values, expected[:, 0], rtol=1e-5)
        assert values.mean() > 1000  # in the target's own units (prices), not standardised

    # the ONNX file on its own (its metadata carries the preprocessing) predicts the same
    again = predict(onnx_path, data, tmp_path / "from_onnx.csv", capsys)
    assert again[0] == header and [r[0] for r in again] == [r[0] for r in rows]
    np.testing.assert_allclose(np.array([[float(v) for v in r[-1:]] for r in again[1:]]),
                               np.array([[float(v) for v in r[-1:]] for r in body]), rtol=1e-5, atol=1e-6)


def test_exported_folders_and_weights_predict_like_the_run(table_runs, tmp_path, capsys):
    run = table_runs["classification"]
    data = run.parent / "table.csv"
    export(run, "python,safetensors", tmp_path, capsys)
    reference = predict(run, data, tmp_path / "run.csv", capsys)
    assert predict(tmp_path / "table_classification_pytorch", data, tmp_path / "py.csv", capsys) == reference
    assert predict(tmp_path / "table_classification.safetensors", data, tmp_path / "st.csv", capsys) == reference


def test_extra_columns_are_ignored_and_a_missing_one_is_named(table_runs, tmp_path, capsys):
    run = table_runs["classification"]
    rows = read_csv(run.parent / "table.csv")
    reference = predict(run, run.parent / "table.csv", tmp_path / "ref.csv", capsys)
    # columns in another order, one more column, the target gone
    order = [4, 3, 2, 1, 0, 5]
    with open(tmp_path / "shuffled.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        for i, row in enumerate(rows):
            writer.writerow([row[j] for j in order] + (["extra"] if i == 0 else ["1"]))
    assert predict(run, tmp_path / "shuffled.csv", tmp_path / "p.csv", capsys) == reference

    with open(tmp_path / "no_colour.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([[c for j, c in enumerate(row) if j != 3] for row in rows])
    code = cli(["predict", str(run), "--data", str(tmp_path / "no_colour.csv"), "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "no column 'colour'" in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "x.csv").exists()


def test_image_folder_predictions_name_each_file(image_run, tmp_path, capsys):
    images = image_run.parent / "images"
    export(image_run, "onnx", tmp_path / "m.onnx", capsys)
    rows = predict(image_run, images, tmp_path / "p.csv", capsys)
    assert rows[0] == ["file", "prediction", "prob_circle", "prob_square", "prob_triangle"]
    files = [r[0] for r in rows[1:]]
    assert len(files) == 22 and "circle/circle_000.png" in files and "square/square_001.jpg" in files
    for row in rows[1:]:
        probs = [float(v) for v in row[2:]]
        assert abs(sum(probs) - 1) < 1e-5
        assert row[1] == ["circle", "square", "triangle"][int(np.argmax(probs))]
    # one image on its own, and the ONNX model on the same folder
    single = predict(image_run, images / "circle" / "circle_000.png", tmp_path / "one.csv", capsys)
    assert single[1][0] == "circle_000.png"
    from_onnx = predict(tmp_path / "m.onnx", images, tmp_path / "o.csv", capsys)
    assert [r[:2] for r in from_onnx] == [r[:2] for r in rows]


def test_builtin_points_predict_from_a_csv_with_x_and_y(spiral_run, tmp_path, capsys):
    (tmp_path / "points.csv").write_text("x,y,comment\n0.1,0.2,a\n-0.5,0.4,b\n0.9,-0.7,c\n")
    rows = predict(spiral_run, tmp_path / "points.csv", tmp_path / "p.csv", capsys)
    assert [r[0] for r in rows[1:]] == ["2", "3", "4"]
    assert rows[0][:2] == ["row", "prediction"] and all(h.startswith("prob_") for h in rows[0][2:])


@pytest.mark.parametrize("what", ["missing", "text_file", "plain_folder", "pt2"])
def test_a_model_predict_cannot_open_is_one_line(spiral_run, tmp_path, capsys, what):
    (tmp_path / "points.csv").write_text("x,y\n0,0\n")
    model = {"missing": tmp_path / "nowhere", "text_file": tmp_path / "notes.txt",
             "plain_folder": tmp_path / "folder", "pt2": tmp_path / "model.pt2"}[what]
    if what == "text_file":
        model.write_text("hello")
    elif what == "plain_folder":
        model.mkdir()
    elif what == "pt2":
        model.write_bytes(b"PK")
    code = cli(["predict", str(model), "--data", str(tmp_path / "points.csv"), "--out", str(tmp_path / "p.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and str(model.name) in err[0], err


def test_predict_on_a_copied_run_folder_needs_no_training_data(spiral_run, tmp_path, capsys):
    """A run folder moved elsewhere still predicts: everything it needs is in the folder."""
    copy = shutil.copytree(spiral_run, tmp_path / "moved")
    (tmp_path / "points.csv").write_text("x,y\n0.3,0.3\n")
    rows = predict(copy, tmp_path / "points.csv", tmp_path / "p.csv", capsys)
    assert len(rows) == 2


def test_predict_never_writes_over_its_input_and_over_a_file_only_with_overwrite(spiral_run, tmp_path, capsys):
    data = tmp_path / "points.csv"
    data.write_text("x,y\n0.1,0.2\n")
    for extra in ([], ["--overwrite"]):
        code = cli(["predict", str(spiral_run), "--data", str(data), "--out", str(tmp_path / "." / "points.csv"),
                    *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and "the data" in err[0] and "never replaced" in err[0], err
        assert data.read_text() == "x,y\n0.1,0.2\n"
    out = tmp_path / "old.csv"
    out.write_text("yesterday's predictions")
    code = cli(["predict", str(spiral_run), "--data", str(data), "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "already exists" in err[0] and "--overwrite" in err[0], err
    assert out.read_text() == "yesterday's predictions"
    assert cli(["predict", str(spiral_run), "--data", str(data), "--out", str(out), "--overwrite"]) == 0
    assert read_csv(out)[0][:2] == ["row", "prediction"]


def test_predict_onto_a_full_disk_is_one_line_and_leaves_no_partial_file(spiral_run, tmp_path, capsys, monkeypatch):
    import errno
    import os

    (tmp_path / "points.csv").write_text("x,y\n0.1,0.2\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    code = cli(["predict", str(spiral_run), "--data", str(tmp_path / "points.csv"), "--out", str(out_dir / "p.csv")])
    err = [line for line in capsys.readouterr().err.strip().splitlines() if not line.startswith("note: ")]
    assert code == 2 and len(err) == 1, err
    assert err[0] == (f"layerforge predict: could not write {out_dir / 'p.csv'}: no space left on device"
                      " (errno 28): free space or choose another folder")
    assert list(out_dir.iterdir()) == []


EDITS = {  # a hand edit of the run's preprocessing.json -> the words of its sentence
    "a list": (lambda pre: [], "it is a JSON list, not an object"),
    "no kind": (lambda pre: {k: v for k, v in pre.items() if k != "kind"}, "its 'kind' is None"),
    "columns as text": (lambda pre: {**pre, "table": {**pre["table"], "columns": "a,b"}},
                        "its table's 'columns' is 'a,b', not a list"),
    "a column's type": (lambda pre: {**pre, "table": {**pre["table"], "columns": [
        {**pre["table"]["columns"][0], "type": "number"}, *pre["table"]["columns"][1:]]}},
                        "its table's column 'a' has the type 'number'"),
    "a fill value": (lambda pre: {**pre, "table": {**pre["table"], "columns": [
        {**pre["table"]["columns"][0], "fill": "zz"}, *pre["table"]["columns"][1:]]}},
                     "its table's column 'a' has the fill value 'zz', not a number"),
    "a column removed": (lambda pre: {**pre, "table": {**pre["table"], "columns": pre["table"]["columns"][1:]}},
                         "its table's columns make"),
    "a scale of 0": (lambda pre: {**pre, "input_scaling": {**pre["input_scaling"],
                                                          "scale": [0.0] * len(pre["input_scaling"]["scale"])}},
                     "its 'input_scaling' has a 'scale' of 0"),
    "a class removed": (lambda pre: {**pre, "class_names": pre["class_names"][:-1]},
                        "has 2 names, but the model gives 3 values per sample"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_hand_edited_preprocessing_json_is_one_sentence_naming_the_field(table_runs, tmp_path, capsys, edit):
    run = shutil.copytree(table_runs["classification"], tmp_path / "run")
    change, words = EDITS[edit]
    pre = json.loads((run / "preprocessing.json").read_text())
    assert pre["class_names"] == ["cat", "dog", "fox"]  # what the edits assume
    (run / "preprocessing.json").write_text(json.dumps(change(pre)))
    code = cli(["predict", str(run), "--data", str(table_runs["classification"].parent / "table.csv"),
                "--out", str(tmp_path / "p.csv")])
    err = capsys.readouterr().err
    assert code == 2 and words in err, err
    assert "is not what LayerForge writes" in err and "Traceback" not in err
    assert not (tmp_path / "p.csv").exists()


def test_explain_and_export_say_the_same_sentence_of_a_hand_edited_preprocessing(table_runs, tmp_path, capsys):
    run = shutil.copytree(table_runs["classification"], tmp_path / "run")
    (run / "preprocessing.json").write_text(json.dumps({"kind": "table", "table": {"columns": "x"}}))
    data = table_runs["classification"].parent / "table.csv"
    for args in (["explain", str(run), "--data", str(data), "--out", str(tmp_path / "why")],
                 ["export", str(run), "--format", "onnx", "--out", str(tmp_path / "m.onnx")]):
        code = cli(args)
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert f"the preprocessing in {run / 'preprocessing.json'} is not what LayerForge writes" in err
        assert "its 'input_shape' is None" in err and "Traceback" not in err
