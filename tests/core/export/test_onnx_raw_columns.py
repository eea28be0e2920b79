"""The raw-columns ONNX model (``NAME.raw.onnx``, CSV table runs): one input per CSV column,
the categorical encoding and missing-value filling as ONNX ops, and the same predictions
as ``layerforge predict`` on a messy file (missing cells, null markers, unseen categories,
padded text, infinities, long decimals)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from core.cli import main as cli
from core.data import encoder
from core.export import onnx_preprocess
from core.export.verify import difference
from tests.core.export import projects


def export(run, out, capsys):
    code = cli(["export", str(run), "--format", "onnx", "--out", str(out)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0, lines
    return lines


def messy_table(path, rows: int = 60):
    """The training file's columns with every kind of mess a person's file has."""
    projects.write_table(path, rows=rows, seed=7)
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")  # id,a,b,colour,city,note,label,price
        cells[1] = {1: "", 2: "inf", 3: "NA", 4: "10.123456789012"}.get(i % 9, cells[1])
        cells[2] = {5: "?", 6: " -0.25 ", 7: "-inf"}.get(i % 8, cells[2])
        cells[3] = {1: "purple", 2: "", 3: " red ", 4: "NA", 5: "Red", 6: "n/a"}.get(i % 7, cells[3])
        cells[4] = {1: "city99", 2: "", 3: "\tcity07 ", 4: "null"}.get(i % 6, cells[4])
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def raw_predictions(model_path, csv_path):
    """What docs/export.md shows: read every cell as text, numbers to float32, run."""
    import onnxruntime as ort
    import pandas as pd

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)  # every cell as text
    feeds = {}
    for column in json.loads(meta["layerforge.raw_inputs"]):
        cells = frame[column["name"]]
        if column["type"] == "float32":  # a missing or non-numeric cell becomes NaN
            feeds[column["name"]] = pd.to_numeric(cells.str.strip(), errors="coerce").to_numpy(np.float32)
        else:  # text as it is: blanks and NA are missing
            feeds[column["name"]] = cells.to_numpy(object)
    return session.run(None, feeds)[0]


def test_a_table_export_writes_the_raw_columns_model_beside_the_encoded_one(table_runs, tmp_path, capsys):
    import onnx

    run = table_runs["classification"]
    export(run, tmp_path / "m.onnx", capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "m.raw.onnx"]
    encoded = onnx.load(str(tmp_path / "m.onnx"))
    assert [i.name for i in encoded.graph.input] == ["input"]  # the encoded model is as it was
    raw = onnx.load(str(tmp_path / "m.raw.onnx"))
    onnx.checker.check_model(raw, full_check=True)
    pre = json.loads((run / "preprocessing.json").read_text())
    columns = pre["table"]["columns"]
    assert [i.name for i in raw.graph.input] == [c["name"] for c in columns] == ["a", "b", "colour", "city"]
    types = [i.type.tensor_type.elem_type for i in raw.graph.input]
    assert types == [onnx.TensorProto.FLOAT] * 2 + [onnx.TensorProto.STRING] * 2
    for entry in raw.graph.input:
        (dim,) = entry.type.tensor_type.shape.dim
        assert dim.dim_param and not dim.HasField("dim_value")  # (N,), any batch
    assert [o.name for o in raw.graph.output] == ["probabilities"]
    assert {o.domain for o in raw.opset_import} >= {""}
    assert {n.op_type for n in raw.graph.node} >= {"RegexFullMatch", "IsNaN", "Where", "Concat"}
    assert not any(n.domain not in ("", "ai.onnx") for n in raw.graph.node if n.op_type == "RegexFullMatch")
    meta = {p.key: p.value for p in raw.metadata_props}
    assert json.loads(meta[onnx_preprocess.RAW_INPUTS_KEY]) == [
        {"name": "a", "type": "float32"}, {"name": "b", "type": "float32"},
        {"name": "colour", "type": "string"}, {"name": "city", "type": "string"}]
    assert json.loads(meta["layerforge.preprocessing"]) == pre
    assert json.loads(meta["class_names"]) == ["cat", "dog", "fox"]


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_raw_model_predicts_what_layerforge_predict_does_on_a_messy_file(table_runs, task, tmp_path,
                                                                             capsys):
    run = table_runs[task]
    export(run, tmp_path / "m.onnx", capsys)
    data = messy_table(tmp_path / "messy.csv")
    assert cli(["predict", str(run), "--data", str(data), "--out", str(tmp_path / "p.csv")]) == 0
    notes = capsys.readouterr().err
    assert "missing or infinite cells filled" in notes
    with open(tmp_path / "p.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    first = 2 if task == "classification" else 1
    expected = np.array([[float(v) for v in r[first:]] for r in rows[1:]], np.float32)
    actual = raw_predictions(tmp_path / "m.raw.onnx", data)
    assert actual.shape == expected.shape == (60, 3 if task == "classification" else 1)
    gap = difference(expected, actual)
    assert gap.relative <= 1e-4, gap
    if task == "classification":
        classes = json.loads((run / "preprocessing.json").read_text())["class_names"]
        assert [r[1] for r in rows[1:]] == [classes[i] for i in actual.argmax(axis=1)]


def test_the_export_check_fails_a_raw_model_that_reads_cells_differently(table_runs, tmp_path, capsys,
                                                                         monkeypatch):
    """The check is real: a raw model that does not ignore whitespace around categories
    differs on the padded cells of the check rows; nothing is saved."""
    monkeypatch.setattr(onnx_preprocess, "cell_pattern", onnx_preprocess.literal)
    code = cli(["export", str(table_runs["classification"]), "--format", "onnx",
                "--out", str(tmp_path / "m.onnx")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("onnx: FAILED, its outputs differ from the in-app model by up to"), out
    assert list(tmp_path.iterdir()) == []


def test_no_raw_model_for_other_kinds_of_data(spiral_run, tmp_path, capsys):
    export(spiral_run, tmp_path / "s.onnx", capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.onnx"]
    for kind in ("image", "sequence", "builtin"):
        assert not onnx_preprocess.has_raw_model({"kind": kind, "table": {"columns": [{"name": "a"}]}})
    assert onnx_preprocess.raw_path(tmp_path / "churn.onnx").name == "churn.raw.onnx"


def test_the_whitespace_ignored_around_text_is_what_python_strips():
    import re

    ranges = re.findall(r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?", onnx_preprocess._SPACE)
    listed = {c for low, high in ranges for c in range(int(low, 16), int(high or low, 16) + 1)}
    assert listed == {c for c in range(0x110000) if chr(c).isspace()}


def test_the_graph_encodes_odd_text_exactly_like_the_encoder():
    """Categories with regex characters, inner and Unicode spaces, accents; null markers,
    unseen values, no fill category; codes; numbers with NaN and ±inf."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    odd = ["a.b", "x+y", "naïve", "a  b", "(", "\\", "*", "Red", "é\u00a0é", "[x]", "^$", "|"]
    columns = [
        {"name": "n", "type": "numeric", "fill": 2.5},
        {"name": "odd", "type": "categorical", "fill": "x+y", "categories": odd},
        {"name": "no fill", "type": "categorical", "fill": None, "categories": ["u", "v"]},
        {"name": "codes", "type": "categorical", "fill": "c07",
         "categories": [f"c{i:02d}" for i in range(25)]},
    ]
    inputs, nodes, initializers = onnx_preprocess.preprocessing_graph(columns, "encoded")
    graph = helper.make_graph(nodes, "pre", inputs, [helper.make_tensor_value_info(
        "encoded", TensorProto.FLOAT, ["batch", 1 + len(odd) + 2 + 1])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    cells = odd + [" a.b ", "\ta  b\u3000", "ab", "a b", "", "NA", " ? ", "null", "red", "x+y\u00a0",
                   "\u200bx+y"]
    rows = len(cells)
    numbers = np.resize(np.array([1.5, np.nan, np.inf, -np.inf, 3.25e-8], np.float32), rows)
    feeds = {"n": numbers, "odd": np.array(cells, object),
             "no fill": np.array(np.resize(["u", " v", "", "w", "NA"], rows), object),
             "codes": np.array(np.resize([" c03", "c24", "zz", "", "NA", "c07", "c7"], rows), object)}
    text = {name: [("" if np.isnan(v) else repr(float(v))) if name == "n" else v for v in values]
            for name, values in feeds.items()}
    np.testing.assert_array_equal(session.run(None, feeds)[0], encoder.encode_table(columns, text))
