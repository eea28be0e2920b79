"""``layerforge export``: where files go, a person's mistakes, and exports that fail."""

from __future__ import annotations

import json
import shutil

import pytest

from core.cli import main as cli
from core.export import onnx_format, pt2_format


def call(capsys, *argv):
    code = cli(["export", *[str(a) for a in argv]])
    captured = capsys.readouterr()
    return code, captured.out.strip().splitlines(), captured.err.strip().splitlines()


def leftovers(folder):
    return [p.name for p in folder.rglob("*") if ".partial" in p.name or p.name.endswith(".tmp")]


@pytest.mark.parametrize("problem,words", [
    ("missing", "does not exist"),
    ("not_a_run", "is not a training run folder"),
    ("running", "has not finished training"),
    ("failed", "failed"),
    ("no_weights", "has no trained weights"),
    ("unknown_format", "there is no export format 'keras'"),
])
def test_a_persons_mistake_is_one_line_and_exit_code_2(spiral_run, tmp_path, capsys, problem, words):
    run = shutil.copytree(spiral_run, tmp_path / "run")
    fmt = "keras" if problem == "unknown_format" else "onnx"
    if problem == "missing":
        run = tmp_path / "nowhere"
    elif problem == "not_a_run":
        run = tmp_path / "empty"
        run.mkdir()
    elif problem in ("running", "failed"):
        record = json.loads((run / "run.json").read_text())
        record["status"], record["reason"] = problem, "the loss became NaN" if problem == "failed" else ""
        (run / "run.json").write_text(json.dumps(record))
    elif problem == "no_weights":
        (run / "model.safetensors").unlink()
    code, out, err = call(capsys, run, "--format", fmt, "--out", tmp_path / "out")
    assert code == 2 and out == [] and len(err) == 1, err
    assert err[0].startswith("layerforge export: ") and words in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "out").exists()


def test_where_exports_go(spiral_run, tmp_path, capsys):
    run = shutil.copytree(spiral_run, tmp_path / "run")
    # no --out: RUN/export/<project name>.<suffix>
    code, out, _ = call(capsys, run, "--format", "onnx")
    assert code == 0 and (run / "export" / "spiral_mlp.onnx").is_file()
    # a file name
    code, out, _ = call(capsys, run, "--format", "pt2", "--out", tmp_path / "mine.pt2")
    assert code == 0 and out[0].endswith(f"-> {tmp_path / 'mine.pt2'}")
    # an existing folder: the default name inside it
    (tmp_path / "folder").mkdir()
    code, out, _ = call(capsys, run, "--format", "safetensors", "--out", tmp_path / "folder")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == [
        "spiral_mlp.lfproj", "spiral_mlp.preprocessing.json", "spiral_mlp.safetensors"]
    # the .lfproj beside the weights starts from them and finds the data
    project = json.loads((tmp_path / "folder" / "spiral_mlp.lfproj").read_text())
    assert project["training"]["init_from"] == "spiral_mlp.safetensors"
    # the standalone code: a folder; exporting again replaces it (with --overwrite)
    for extra in ([], ["--overwrite"]):
        code, out, _ = call(capsys, run, "--format", "python", "--out", tmp_path / "code", *extra)
        assert code == 0
    assert sorted(p.name for p in (tmp_path / "code").iterdir()) == [
        "README.md", "csv_lines.py", "encoder.py", "model.py", "predict.py", "preprocessing.json", "train.py",
        "weights.safetensors"]
    assert leftovers(tmp_path) == []


def test_an_export_that_differs_is_reported_failed_and_not_saved(spiral_run, tmp_path, capsys, monkeypatch):
    """Verification is real: an ONNX file whose weights were changed after export fails it."""
    import onnx
    from onnx import numpy_helper

    run = shutil.copytree(spiral_run, tmp_path / "run")
    target = tmp_path / "model.onnx"
    target.write_bytes(b"the previous export")
    original = onnx_format.write

    def tampered(trained, path, sample, record):
        original(trained, path, sample, record)
        model = onnx.load(str(path))
        first = model.graph.initializer[0]
        first.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(first) + 0.5, first.name))
        onnx.save(model, str(path))

    monkeypatch.setattr(onnx_format, "write", tampered)
    code, out, err = call(capsys, run, "--format", "onnx,safetensors", "--out", tmp_path)
    assert code == 1
    assert out[0].startswith("onnx: FAILED, its outputs differ from the in-app model by up to")
    assert "more than 0.0001" in out[0] and out[0].endswith("nothing was saved")
    assert out[1].startswith("safetensors: verified")
    assert not (tmp_path / "spiral_mlp.onnx").exists()
    assert target.read_bytes() == b"the previous export"  # an earlier file is left as it was
    assert leftovers(tmp_path) == []


def test_a_format_that_cannot_be_written_fails_alone(spiral_run, tmp_path, capsys, monkeypatch):
    from core.errors import ExportError

    def refuse(trained, sample):
        raise ExportError("torch.export could not capture this network (a test)")

    monkeypatch.setattr(pt2_format, "exported_program", refuse)
    code, out, _ = call(capsys, spiral_run, "--format", "pt2,onnx", "--out", tmp_path)
    assert code == 1
    assert out[0] == "pt2: FAILED, torch.export could not capture this network (a test); nothing was saved"
    assert out[1].startswith("onnx: verified")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spiral_mlp.onnx"]


def test_torchscript_is_marked_deprecated_and_its_warnings_stay_inside(spiral_run, tmp_path, capsys, recwarn):
    code, out, _ = call(capsys, spiral_run, "--format", "torchscript", "--out", tmp_path / "m.pt")
    assert code == 0
    assert out[0].startswith("torchscript: verified") and "deprecated by PyTorch" in out[0]
    assert [str(w.message) for w in recwarn if "jit" in str(w.message)] == []


def test_the_help_lists_the_formats(capsys):
    with pytest.raises(SystemExit):
        cli(["export", "--help"])
    text = capsys.readouterr().out
    for name in ("onnx", "pt2", "safetensors", "python", "torchscript"):
        assert name in text
    assert "deprecated" in text


def test_a_cancelled_export_leaves_nothing(spiral_run, tmp_path):
    from core.data import Cancelled
    from core.export import export_run

    calls = []

    def cancel_after_writing() -> bool:
        calls.append(1)
        return len(calls) > 3  # once both formats are written, before they are checked

    with pytest.raises(Cancelled):
        export_run(spiral_run, "onnx,python", tmp_path / "out", cancel=cancel_after_writing)
    assert list((tmp_path / "out").iterdir()) == []


def test_an_export_never_replaces_a_folder_or_file_that_is_not_an_export(spiral_run, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("precious")
    (tmp_path / "notes.txt").write_text("precious too")
    code, out, err = call(capsys, spiral_run, "--format", "python", "--out", tmp_path / "notes.txt")
    assert code == 2 and "is not a LayerForge code export" in err[0]
    (mine / "spiral_mlp_pytorch").mkdir()
    (mine / "spiral_mlp_pytorch" / "data.csv").write_text("keep")
    code, out, err = call(capsys, spiral_run, "--format", "python", "--out", mine)
    assert code == 2 and "spiral_mlp_pytorch already exists" in err[0]
    assert (mine / "thesis.txt").read_text() == "precious"
    assert (mine / "spiral_mlp_pytorch" / "data.csv").read_text() == "keep"
    assert (tmp_path / "notes.txt").read_text() == "precious too"


def test_an_existing_file_is_replaced_only_with_overwrite(spiral_run, tmp_path, capsys):
    mine = tmp_path / "mine.onnx"
    mine.write_text("precious")
    code, out, err = call(capsys, spiral_run, "--format", "onnx", "--out", mine)
    assert code == 2 and out == [] and len(err) == 1, err
    assert str(mine) in err[0] and "already exists" in err[0] and "--overwrite" in err[0]
    assert mine.read_text() == "precious" and leftovers(tmp_path) == []
    code, out, _ = call(capsys, spiral_run, "--format", "onnx", "--out", mine, "--overwrite")
    assert code == 0 and out[0].startswith("onnx: verified") and mine.read_bytes() != b"precious"


def test_the_files_written_beside_the_weights_are_checked_too(spiral_run, tmp_path, capsys):
    """safetensors writes NAME.lfproj beside the weights: a person's own project of that name stays."""
    project = tmp_path / "spiral_mlp.lfproj"
    project.write_text("my own project")
    code, out, err = call(capsys, spiral_run, "--format", "safetensors", "--out", tmp_path / "spiral_mlp.safetensors")
    assert code == 2 and len(err) == 1 and str(project) in err[0] and "--overwrite" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spiral_mlp.lfproj"]
    assert project.read_text() == "my own project"


def test_an_earlier_code_export_is_replaced_only_with_overwrite(spiral_run, tmp_path, capsys):
    code, _, _ = call(capsys, spiral_run, "--format", "python", "--out", tmp_path / "code")
    assert code == 0
    (tmp_path / "code" / "retrained.safetensors").write_bytes(b"hours of training")
    code, _, err = call(capsys, spiral_run, "--format", "python", "--out", tmp_path / "code")
    assert code == 2 and "--overwrite" in err[0]
    assert (tmp_path / "code" / "retrained.safetensors").read_bytes() == b"hours of training"


def test_the_run_itself_is_never_replaced_even_with_overwrite(spiral_run, tmp_path, capsys):
    run = shutil.copytree(spiral_run, tmp_path / "run")
    weights = (run / "model.safetensors").read_bytes()
    code, _, err = call(capsys, run, "--format", "safetensors", "--out", run / "model.safetensors", "--overwrite")
    assert code == 2 and len(err) == 1 and "never replaced" in err[0], err
    assert (run / "model.safetensors").read_bytes() == weights


@pytest.mark.parametrize("fmt, where", [("onnx", "write"), ("safetensors", "write"), ("onnx", "move")])
def test_a_full_disk_is_one_line_and_leaves_no_partial_file(spiral_run, tmp_path, capsys, monkeypatch, fmt, where):
    import errno
    import os
    from pathlib import Path

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where == "write" and fmt == "onnx":
        real = Path.write_bytes

        def half_then_full(self, data):
            real(self, data[: len(data) // 2])  # the disk filled up half-way through
            full()

        monkeypatch.setattr(Path, "write_bytes", half_then_full)
    else:
        monkeypatch.setattr(os, "replace", full)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = call(capsys, spiral_run, "--format", fmt, "--out", out_dir / f"m.{fmt}")
    assert code == 2 and out == [] and len(err) == 1, err
    assert err[0].startswith("layerforge export: could not write ") and "no space left on device" in err[0]
    assert "free space or choose another folder" in err[0] and "Traceback" not in err[0]
    assert list(out_dir.iterdir()) == []


def test_an_installation_without_a_copied_module_says_to_reinstall(monkeypatch):
    from core.errors import ExportError
    from core.export import python_format

    with pytest.raises(ExportError, match="lacks core/data/nothing_here.py .*reinstall LayerForge"):
        python_format.shared_source("nothing_here.py")
