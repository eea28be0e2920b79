"""``layerforge check`` with data: the detected schema, and one line + exit 2 for each bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from tests.core.data.images import make_folder
from tests.core.data.test_csv_errors import BAD
from tests.core.test_cli_check import layerforge

ROOT = Path(__file__).resolve().parents[3]
MLP = {"nodes": [{"id": "input", "type": "Input"},
                 {"id": "fc1", "type": "Linear", "params": {"out_features": 8}},
                 {"id": "out", "type": "Output"}],
       "edges": [{"source": "input", "target": "fc1"}, {"source": "fc1", "target": "out"}]}
CNN = {"nodes": [{"id": "input", "type": "Input"}, {"id": "flat", "type": "Flatten"},
                 {"id": "fc1", "type": "Linear", "params": {"out_features": 8}},
                 {"id": "out", "type": "Output"}],
       "edges": [{"source": "input", "target": "flat"}, {"source": "flat", "target": "fc1"},
                 {"source": "fc1", "target": "out"}]}


def project(tmp_path: Path, data: dict, graph: dict = MLP) -> Path:
    path = tmp_path / "p.lfproj"
    path.write_text(json.dumps({"format": "layerforge.project", "format_version": 1, "name": "p",
                                "graph": graph, "data": data}))
    return path


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


CLI_CASES = [name for name in BAD if name not in ("unknown_target",)]


@pytest.mark.parametrize("name", CLI_CASES)
def test_each_bad_csv_is_one_line_and_exit_2(tmp_path, capsys, name):
    content, options, words = BAD[name]
    data_file = tmp_path / f"{name}.csv"
    data_file.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = check(capsys, project(tmp_path, {"kind": "csv", "path": data_file.name, **options}))
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("layerforge check: ") and "Traceback" not in err
    for word in words:
        assert word in err


def test_target_option_overrides_and_a_wrong_one_is_named(tmp_path, capsys):
    path = project(tmp_path, {"kind": "builtin", "name": "moons"})
    flowers = ROOT / "resources" / "sample_data" / "flowers.csv"
    code, out, err = check(capsys, path, "--data", flowers, "--target", "species")
    assert code == 0, err
    assert "classes: setosa (50), versicolor (50), virginica (50)" in out
    code, out, err = check(capsys, path, "--data", flowers, "--target", "specis")
    assert code == 2 and err.count("\n") == 1
    assert "flowers.csv has no column 'specis' (data.target): did you mean 'species'?" in err


def test_the_messy_sample_prints_its_schema(tmp_path, capsys):
    path = project(tmp_path, {"kind": "builtin", "name": "moons"})
    messy = ROOT / "resources" / "sample_data" / "messy.csv"
    code, out, err = check(capsys, path, "--data", messy, "--target", "Churned")
    assert code == 0, err
    assert "rows: 60 (semicolon-separated, decimal comma, utf-8-sig, header row, Windows line endings)" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert lines["Region"].split()[1:4] == ["feature", "categorical", "4"]
    assert "ignore" in lines["Customer"]
    assert "classes: no (38), yes (22)" in out
    assert "split: train 48, validation 12, test 0" in out
    assert "note: column 'Income (k€)' has 5 missing cells: filled with the training mean" in out
    assert "input  Input   7" in out and "out    Output  1" in out


def test_nan_inf_and_cp1252_files_check_fine_with_notes(tmp_path, capsys):
    text = "a;b;label\n" + "".join(f"{i},5;{i};caf\u00e9{i % 2}\n" for i in range(10)) + "NaN;inf;caf\u00e90\n"
    data_file = tmp_path / "notes.csv"
    data_file.write_bytes(text.encode("cp1252"))
    code, out, err = check(capsys, project(tmp_path, {"kind": "csv", "path": "notes.csv", "target": "label"}))
    assert code == 0, err
    assert "is not UTF-8" in out and "infinite values (row 12): treated as missing" in out


def test_image_folder_schema_lists_classes_and_skipped_files(tmp_path, capsys):
    make_folder(tmp_path / "shapes", broken=True, size=(8, 8))
    (tmp_path / "shapes" / "empty").mkdir()
    code, out, err = check(capsys, project(tmp_path, {"kind": "image_folder", "path": "shapes"}, CNN))
    assert code == 0, err
    assert "images: 18 (8×8 rgb images)" in out
    assert "classes: circle (6), square (6), triangle (6)" in out
    assert "skipped files (4):" in out and "  circle/zero.png: empty file (0 bytes)" in out
    assert "note: class folder 'empty' has no images: left out" in out
    assert "flat   Flatten  192" in out


@pytest.mark.parametrize("layout, words", [("flat", "holds images but no class sub-folders"),
                                           ("one", "has only one class with images ('cat')")])
def test_image_layout_errors_are_one_line(tmp_path, capsys, layout, words):
    root = tmp_path / "imgs"
    if layout == "flat":
        make_folder(tmp_path / "tmp", {"x": 1})
        root.mkdir()
        (tmp_path / "tmp" / "x" / "x_000.png").rename(root / "a.png")
    else:
        make_folder(root, {"cat": 2})
    code, out, err = check(capsys, project(tmp_path, {"kind": "image_folder", "path": "imgs"}, CNN))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert words in err and "one sub-folder per class" in err


def test_as_a_real_process_no_traceback_and_no_qt(tmp_path):
    data_file = tmp_path / "dup.csv"
    data_file.write_text("a,a,label\n1,2,x\n")
    path = project(tmp_path, {"kind": "csv", "path": "dup.csv", "target": "label"})
    result = layerforge("check", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == ("layerforge check: dup.csv has two columns named 'a'"
                                     " (columns 1 and 2): rename one of them in the header row")
    ok = layerforge("check", str(path), "--data", str(ROOT / "resources/sample_data/flowers.csv"),
                    "--target", "species")
    assert ok.returncode == 0 and "ready to train" in ok.stdout
