"""One encoder: the same raw data encoded by LayerForge (``layerforge predict``'s path:
pyarrow reading, :mod:`core.data.table_encode`) and by the standalone ``predict.py`` with
its copy of ``encoder.py`` (pandas reading, in a process that cannot import LayerForge)
gives identical arrays, bit for bit, for every column type and data kind.

The preprocessing comes from loading the training data (no training needed); the new
files are messy on purpose: missing cells and null markers, text in numeric columns,
padded text, unseen categories, infinities, decimals with many digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.data import cache, encode_inputs, encoder, load
from core.export import python_format
from tests.core.export.clean import NO_LAYERFORGE, run_without_layerforge

ROWS = 40
NUMBERS = ["3.14159265", " 2.5 ", "", "NA", "?", "abc", "1e3", "-.5", "+7", "inf", "-inf",
           "1e-45", "123456789.123", "nan", "0.1"]


def _cycle(values, rows):
    return [values[i % len(values)] for i in range(rows)]


def _csv(path: Path, columns: dict[str, list[str]], delimiter: str = ",", header: bool = True) -> Path:
    """A CSV file; the new files (``new.csv``) get an extra last column, so that a row with
    one empty cell is not a blank line (which CSV readers skip)."""
    if path.name == "new.csv":
        columns = {**columns, "extra": ["-"] * len(next(iter(columns.values())))}
    names = list(columns)
    lines = [delimiter.join(names)] if header else []
    lines += [delimiter.join(columns[n][i] for n in names) for i in range(len(columns[names[0]]))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _target(rows: int = ROWS) -> list[str]:
    return [f"{(i * 7) % 11 + 0.25:.2f}" for i in range(rows)]


# ---------------------------------------------------------------------- the cases
def _numeric(folder: Path):
    rng = np.random.default_rng(1)
    train = _csv(folder / "train.csv", {
        "num": [f"{v:.6f}" if i % 9 else "" for i, v in enumerate(rng.normal(5, 2, ROWS))],
        "big": [f"{v:.3f}" for v in rng.normal(1e6, 1e4, ROWS)], "y": _target()})
    new = _csv(folder / "new.csv", {"num": _cycle(NUMBERS, 30), "big": _cycle(NUMBERS[::-1], 30),
                                    "y": _cycle(["1"], 30)})
    return {"kind": "csv", "path": str(train), "target": "y", "numeric": ["num", "big"]}, new


def _onehot(folder: Path):
    train = _csv(folder / "train.csv", {"colour": _cycle(["red", "green", "blue", "", "NA"], ROWS),
                                        "y": _target()})
    new = _csv(folder / "new.csv", {"colour": _cycle(["red", " green ", "", "NA", "purple", "Red",
                                                      "null", "blue\t", "?", "n/a"], 30)})
    return {"kind": "csv", "path": str(train), "target": "y"}, new


def _codes(folder: Path):
    cities = [f"city{i:02d}" for i in range(25)]
    train = _csv(folder / "train.csv", {"city": _cycle(cities + [""], 60), "y": _target(60)})
    new = _csv(folder / "new.csv", {"city": _cycle(["city03", "", "city99", " city24 ", "NA",
                                                    "CITY01", "city1"], 30)})
    return {"kind": "csv", "path": str(train), "target": "y"}, new


def _boolean(folder: Path):
    train = _csv(folder / "train.csv", {"flag": _cycle(["true", "false", "true", ""], ROWS),
                                        "bit": _cycle(["0", "1", "1"], ROWS), "y": _target()})
    new = _csv(folder / "new.csv", {"flag": _cycle(["true", "false", "", "TRUE", "yes", " false"], 30),
                                    "bit": _cycle(["0", "1", "", "1.0", "0.5", "true"], 30)})
    return {"kind": "csv", "path": str(train), "target": "y", "numeric": ["bit"]}, new


def _text_as_category(folder: Path):
    train = _csv(folder / "train.csv", {"zip": _cycle(["1001", "1002", "1003", "2001"], ROWS),
                                        "y": _target()})
    new = _csv(folder / "new.csv", {"zip": _cycle(["1001", " 1002", "", "1001.0", "9999", "NA"], 30)})
    return {"kind": "csv", "path": str(train), "target": "y", "categorical": ["zip"]}, new


def _most_frequent(folder: Path):
    train = _csv(folder / "train.csv", {"n": _cycle(["1", "2", "2", "", "3.5"], ROWS),
                                        "c": _cycle(["a", "b", "b", ""], ROWS), "y": _target()})
    new = _csv(folder / "new.csv", {"n": _cycle(NUMBERS, 20), "c": _cycle(["", "a", "zz", "NA"], 20)})
    return {"kind": "csv", "path": str(train), "target": "y", "missing": "most_frequent"}, new


def _decimal_comma(folder: Path):
    train = _csv(folder / "train.csv", {"a": _cycle(["1,5", "2,25", "", "3"], ROWS),
                                        "c": _cycle(["x", "y"], ROWS),
                                        "y": [v.replace(".", ",") for v in _target()]}, delimiter=";")
    new = _csv(folder / "new.csv", {"a": _cycle(["1,75", " 2,5 ", "", "NA", "4", "1e2", ",5"], 20),
                                    "c": _cycle(["x", "", "q"], 20)}, delimiter=";")
    return {"kind": "csv", "path": str(train), "target": "y"}, new


def _no_header(folder: Path):
    columns = {"a": _cycle(["1.5", "2", ""], ROWS), "b": _cycle(["u", "v"], ROWS), "y": _target()}
    train = _csv(folder / "train.csv", columns, header=False)
    new = _csv(folder / "new.csv", {"a": _cycle(["7.25", "", "x"], 12), "b": _cycle(["v", "w", ""], 12),
                                    "y": _cycle(["0"], 12)}, header=False)
    return {"kind": "csv", "path": str(train), "header": False}, new


def _sequence(folder: Path):
    import datetime

    days = np.random.default_rng(0).permutation(ROWS)
    start = datetime.date(2021, 3, 1)
    columns = {"date": [str(start + datetime.timedelta(days=int(d))) for d in days],
               "temp": [f"{10 + np.sin(d / 5):.4f}" if d % 7 else "" for d in days],
               "kind": _cycle(["a", "b", "c"], ROWS), "load": [f"{d * 0.5:.2f}" for d in days]}
    train = _csv(folder / "train.csv", columns)
    new_days = np.random.default_rng(1).permutation(20)
    new = _csv(folder / "new.csv", {
        "date": [str(start + datetime.timedelta(days=int(d))) if d != 4 else "" for d in new_days],
        "temp": _cycle(NUMBERS, 20), "kind": _cycle(["a", "zz", "", "c"], 20),
        "load": _cycle(["1"], 20)})
    return {"kind": "csv", "path": str(train), "target": "load",
            "sequence": {"window": 5, "horizon": 1, "order_by": "date"}}, new


def _builtin_points(folder: Path):
    new = _csv(folder / "new.csv", {"y": _cycle(["0.5", "", "-2"], 9), "x": _cycle(["1", "NA", "0.25"], 9)})
    return {"kind": "builtin", "name": "moons", "samples": 100}, new


def _images(folder: Path, color: str):
    from PIL import Image

    from tests.core.data.images import make_folder

    images = make_folder(folder / "images", {"circle": 3, "square": 3}, size=(20, 14))
    make_folder(folder / "images", {"circle": 2}, size=(40, 30), fmt="JPEG")
    rgba = Image.new("RGBA", (12, 9), (200, 30, 40, 90))
    rgba.save(images / "square" / "translucent.png")
    Image.new("L", (10, 10), 77).save(images / "square" / "gray.png")
    (images / "square" / "notes.txt").write_text("not an image")
    return {"kind": "image_folder", "path": str(images), "image_size": [12, 16], "color": color}, images


CASES = {
    "numeric": _numeric,
    "categorical_onehot": _onehot,
    "categorical_codes": _codes,
    "boolean": _boolean,
    "text_as_category": _text_as_category,
    "missing_most_frequent": _most_frequent,
    "decimal_comma": _decimal_comma,
    "no_header": _no_header,
    "sequence_windows": _sequence,
    "builtin_points": _builtin_points,
    "images_rgb": lambda folder: _images(folder, "rgb"),
    "images_grayscale": lambda folder: _images(folder, "grayscale"),
}

STANDALONE = NO_LAYERFORGE + """
import json, sys
from pathlib import Path
import numpy as np
plan = json.loads(Path(sys.argv[1]).read_text())
sys.path.insert(0, plan["folder"])
import predict
for case in plan["cases"]:
    pre = json.loads(Path(case["pre"]).read_text())
    x, ids, _ = predict.encode(Path(case["data"]), pre)
    np.save(case["out"] + ".npy", x)
    Path(case["out"] + ".json").write_text(json.dumps(ids))
print("encoded", len(plan["cases"]))
"""


def standalone_folder(folder: Path) -> Path:
    """predict.py and the modules it imports (encoder.py, csv_lines.py) as the standalone-code
    export ships them."""
    folder.mkdir(parents=True)
    (folder / "predict.py").write_text(python_format.script_source("predict.py"), encoding="utf-8")
    for module in python_format.SHARED_MODULES:
        (folder / module).write_text(python_format.shared_source(module), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def encoded(tmp_path_factory):
    """``{case: ((core x, core ids), (standalone x, standalone ids), preprocessing)}``."""
    root = tmp_path_factory.mktemp("parity")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAYERFORGE_CACHE_DIR", str(root / "cache"))
        cache.forget_all()
        plan, core, pres = {"folder": str(standalone_folder(root / "standalone")), "cases": []}, {}, {}
        for name, make in CASES.items():
            folder = root / name
            folder.mkdir()
            spec, data = make(folder)
            pre = json.loads(json.dumps(load(spec, folder).preprocessing))  # as preprocessing.json holds it
            (folder / "preprocessing.json").write_text(json.dumps(pre), encoding="utf-8")
            core[name] = encode_inputs(pre, data)
            pres[name] = pre
            plan["cases"].append({"pre": str(folder / "preprocessing.json"), "data": str(data),
                                  "out": str(folder / "standalone")})
        cache.forget_all()
    (root / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    done = run_without_layerforge(STANDALONE, root, str(root / "plan.json"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"encoded {len(CASES)}" in done.stdout
    return {name: ((core[name].x, list(core[name].ids)),
                   (np.load(root / name / "standalone.npy"),
                    json.loads((root / name / "standalone.json").read_text())), pres[name])
            for name in CASES}


@pytest.mark.parametrize("case", list(CASES))
def test_layerforge_and_the_standalone_code_encode_identically(encoded, case):
    (mine, my_ids), (theirs, their_ids), _pre = encoded[case]
    assert my_ids == their_ids
    assert mine.dtype == theirs.dtype == np.float32
    assert mine.shape == theirs.shape and len(mine) > 0
    assert np.isfinite(mine).all()
    assert np.array_equal(mine, theirs), np.argwhere(mine != theirs)[:5]


def test_the_messy_cells_are_encoded_as_documented(encoded):
    """A few values checked by hand, so that "identical" is not "identically wrong"."""
    (x, _), _, pre = encoded["categorical_onehot"]
    assert pre["table"]["columns"][0]["categories"] == ["blue", "green", "red"]
    fill = [[1.0 if c == pre["table"]["columns"][0]["fill"] else 0.0 for c in ("blue", "green", "red")]]
    # rows: red, " green ", "", NA, purple, Red
    assert x[:6].tolist() == [[0, 0, 1], [0, 1, 0]] + fill * 2 + [[0, 0, 0], [0, 0, 0]]
    (x, _), _, pre = encoded["categorical_codes"]
    column = pre["table"]["columns"][0]
    fill_code = column["categories"].index(column["fill"])
    # rows: city03, missing, unseen city99, " city24 "
    assert x[:4, 0].tolist() == [column["categories"].index("city03"), fill_code, fill_code,
                                 column["categories"].index("city24")]
    (x, _), _, _pre = encoded["numeric"]
    assert x[0, 0] == np.float32(3.14159265) and x[1, 0] == 2.5 and x[6, 0] == 1000
    assert x[11, 0] == np.float32(1e-45) and x[12, 0] == np.float32(123456789.123)
    assert x[2, 0] == x[3, 0] == x[4, 0] == x[5, 0] == x[9, 0]  # missing, text, inf: the fill


def test_the_encoder_is_dependency_free_and_agrees_with_the_csv_reader():
    """encoder.py imports nothing from LayerForge and at its top nothing but the standard
    library and numpy (it is copied); ``tokenizers`` only inside the text encoding, for
    models that read text. Its cell rules are the CSV reader's."""
    from core.data import columns, csv_format

    source = Path(encoder.__file__).read_text(encoding="utf-8")
    imports = {line.split()[1].split(".")[0] for line in source.splitlines()
               if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "itertools", "json", "re", "pathlib", "typing", "numpy"}, imports
    nested = {line.split()[1].split(".")[0] for line in source.splitlines()
              if line.strip().startswith(("import ", "from ")) and line[:1] == " "}
    assert nested <= {"numpy", "tokenizers"}, nested
    assert list(encoder.NULL_VALUES) == list(csv_format.NULL_VALUES)
    from core.data import csv_lines  # copied beside predict.py too

    source = Path(csv_lines.__file__).read_text(encoding="utf-8")
    imports = {line.split()[1].split(".")[0] for line in source.splitlines()
               if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "codecs", "csv", "re", "pathlib", "numpy"}, imports
    assert (encoder.NUMERIC, encoder.CATEGORICAL) == (columns.NUMERIC, columns.CATEGORICAL)
    cells = NUMBERS + ["1,5", ",5", "1.", "٣", "1_000", "0x10", " +1E5 ", "Infinity", "-INF", "1e400"]
    for decimal in (".", ","):
        expected = [csv_format.to_number(c, decimal) if c.strip() not in encoder.NULL_VALUES
                    and csv_format.is_number(c, decimal) else np.nan for c in cells]
        np.testing.assert_array_equal(encoder.parse_numbers(cells, decimal), np.array(expected))


def test_the_standalone_folder_runs_predict_py_without_layerforge(tmp_path):
    """Only predict.py, its modules and preprocessing.json are needed to encode (no model.py)."""
    folder = standalone_folder(tmp_path / "code")
    pre = {"kind": "table", "table": {"csv": {"header": True}, "columns": [
        {"name": "a", "type": "numeric", "fill": 1.5},
        {"name": "c", "type": "categorical", "fill": "q", "categories": ["p", "q"]}]}}
    (folder / "preprocessing.json").write_text(json.dumps(pre))
    _csv(tmp_path / "d.csv", {"a": ["2", "", "x"], "c": ["p", "", "r"]})
    script = NO_LAYERFORGE + (
        "import sys; sys.path.insert(0, sys.argv[1]); import predict\n"
        "x, ids, _ = predict.encode(predict.Path(sys.argv[2]), predict.load_preprocessing())\n"
        "print(x.tolist(), ids, predict.encoder.__file__)\n")
    done = run_without_layerforge(script, tmp_path, str(folder), str(tmp_path / "d.csv"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split(" /")[0].strip() == (
        "[[2.0, 1.0, 0.0], [1.5, 0.0, 1.0], [1.5, 0.0, 0.0]] ['2', '3', '4']")
    assert str(folder / "encoder.py") in done.stdout
