"""The export-format registry's contract: every registered format is refused twice, named in
the sentence for a near miss, listed by ``layerforge export --help``, documented in
docs/export.md, and really exports a trained run and verifies it. A new format is tested by
being registered."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from core.cli import main as cli
from core.errors import ExportError, UnknownNameError
from core.export.exporter import export_run, parse_formats
from core.export.formats import DEFAULT_FORMAT, EXPORT_FORMATS, FORMATS

ROOT = Path(__file__).resolve().parents[3]
NAMES = EXPORT_FORMATS.names()


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_format_is_one_sentence(name):
    typo = name.upper()
    with pytest.raises(UnknownNameError, match=f"unknown export format {typo!r}: did you mean {name!r}\\?"):
        EXPORT_FORMATS.get(typo)
    with pytest.raises(ExportError, match=f"there is no export format {typo!r}: choose one of "):
        parse_formats(f"{name},{typo}")
    with pytest.raises(KeyError):
        FORMATS[typo]


def test_the_mapping_view_and_all_follow_the_registry():
    assert list(FORMATS) == list(NAMES) and len(FORMATS) == len(NAMES)
    assert list(FORMATS.values()) == list(EXPORT_FORMATS)
    assert parse_formats("all") == list(NAMES) and DEFAULT_FORMAT in NAMES


def test_a_format_has_exactly_one_way_to_be_verified():
    spec = EXPORT_FORMATS.get(NAMES[0])
    with pytest.raises(ValueError, match="exactly one of verify and clean_check"):
        type(spec)("x", "X", "x", ".x", write="m:f")


@pytest.mark.parametrize("name", NAMES)
def test_its_functions_exist_and_it_is_listed_and_documented(name, capsys):
    fmt = EXPORT_FORMATS.get(name)
    for ref in (fmt.write, fmt.verify, fmt.clean_check, fmt.outputs):
        if ref:
            module, _, function = ref.partition(":")
            assert callable(getattr(importlib.import_module(module), function, None)), ref
    writer = importlib.import_module(fmt.write.partition(":")[0])
    if hasattr(writer, "outputs"):  # a writer that puts several files in place says so
        assert fmt.outputs == f"{writer.__name__}:outputs"
    assert fmt.title and fmt.description
    with pytest.raises(SystemExit):
        cli(["export", "--help"])
    help_text = capsys.readouterr().out
    assert f"\n  {name} " in help_text and name in help_text.split("--format")[-1]
    docs = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    assert f"\n| `{name}` |" in docs


@pytest.mark.parametrize("name", NAMES)
def test_it_exports_a_trained_run_and_verifies_it(spiral_run, tmp_path, name):
    fmt = EXPORT_FORMATS.get(name)
    (result,) = export_run(spiral_run, name, tmp_path, overwrite=False)
    assert result.ok, result.error
    assert result.difference.ok and result.path.parent == tmp_path
    assert result.path.name.endswith(fmt.suffix) and result.path.is_dir() == fmt.folder
    # it wrote nothing but what it declares (checked for overwriting before it starts)
    assert result.path.exists() and set(tmp_path.iterdir()) <= set(fmt.targets(result.path))
    assert result.line().startswith(f"{name}: verified, max difference ")
