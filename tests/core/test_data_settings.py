"""``project.data`` as typed settings: each data kind reads its section into its own typed
options with the very checks ``describe`` applies, so a wrong value is the same sentence in
``set``, ``problems`` and at the start of a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.data import SOURCES, describe
from core.data.builtin import BuiltinOptions
from core.data.csv_options import CsvOptions
from core.data.image_source import ImageOptions
from core.errors import DataError
from core.project import Project

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.mark.parametrize("example, typed", [("spiral_mlp", BuiltinOptions),
                                            ("flowers_wide_deep", CsvOptions),
                                            ("finetune_glyphs", ImageOptions)])
def test_every_kind_reads_its_section_into_typed_options(example, typed):
    project = Project.load(EXAMPLES / f"{example}.lfproj")
    assert project.data.problems() == []
    options = project.data.options(project.directory)
    assert isinstance(options, typed)
    assert SOURCES.of(project.data).read_options is not None


def test_every_registered_kind_has_typed_options():
    assert all(source.read_options is not None for source in SOURCES)


@pytest.mark.parametrize("example, key, value", [
    ("spiral_mlp", "samples", 5), ("spiral_mlp", "noise", "loud"),
    ("flowers_wide_deep", "scale", "log"), ("flowers_wide_deep", "delimiter", ";;"),
])
def test_a_wrong_value_is_the_sentence_describe_gives(example, key, value):
    project = Project.load(EXAMPLES / f"{example}.lfproj")
    problems = project.data.set(key, value)
    assert len(problems) == 1 and problems[0].startswith(f"data.{key} must be")
    assert project.data.problems() == problems
    with pytest.raises(DataError) as refused:
        describe(project.data, project.directory)
    assert str(refused.value) == problems[0]


def test_setting_a_value_announces_the_key_and_fixing_it_clears_the_problem():
    project = Project.load(EXAMPLES / "spiral_mlp.lfproj")
    seen = []
    project.data.subscribe(lambda key, old, new: seen.append((key, old, new)))
    assert project.data.set("samples", 5)
    assert project.data.set("samples", 400) == []
    assert seen == [("samples", 1000, 5), ("samples", 5, 400)]


def test_image_folder_options_are_typed(tmp_path):
    project = Project.load(EXAMPLES / "lenet_shapes.lfproj")
    project.data = {"kind": "image_folder", "path": str(tmp_path), "image_size": [16, 12],
                    "color": "grayscale"}
    options = project.data.options()
    assert isinstance(options, ImageOptions) and options.image_size == (16, 12)
    assert project.data.set("color", "sepia") == [
        "data.color must be 'auto', 'grayscale' or 'rgb', got 'sepia'"]
