"""The shipped 8×8 digits folder, and the VAE example on it taking any folder of small grey
images with ``--data`` (resized to 8×8) and generating from the run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.cli import main

ROOT = Path(__file__).resolve().parents[2]
DIGITS = ROOT / "resources" / "sample_data" / "digits"
EXAMPLE = ROOT / "resources" / "examples" / "vae_digits.lfproj"


def test_the_digits_folder_loads_as_1797_grey_8x8_images_of_ten_classes():
    from core.data import load

    dataset = load({"kind": "image_folder", "path": str(DIGITS)})
    info = dataset.info
    assert info.class_names == [str(d) for d in range(10)]
    assert tuple(info.input_shape) == (1, 8, 8) and info.task == "classification"
    splits = [s for s in (dataset.train, dataset.validation, dataset.test) if s is not None]
    assert sum(len(s) for s in splits) == 1797
    assert dataset.train.x.min() >= 0.0 and dataset.train.x.max() <= 1.0
    counts = {folder.name: len(list(folder.glob("*.png"))) for folder in DIGITS.iterdir() if folder.is_dir()}
    assert sum(counts.values()) == 1797 and min(counts.values()) >= 170
    with Image.open(DIGITS / "0" / "0000.png") as image:
        assert image.mode == "L" and image.size == (8, 8)


def test_the_committed_pngs_are_what_make_digits_writes():
    pytest.importorskip("sklearn")
    from tests.core.data.make_digits import digits

    images, labels = digits()
    for i in (0, 1, 2, 500, 1796):
        with Image.open(DIGITS / str(labels[i]) / f"{i:04d}.png") as image:
            assert np.array_equal(np.asarray(image), images[i])


def _grey_folder(folder: Path, size: tuple[int, int] = (14, 11)) -> Path:
    """Three classes of small grey images of another size than the digits'."""
    rng = np.random.default_rng(0)
    for name in ("a", "b", "c"):
        (folder / name).mkdir(parents=True)
        for i in range(8):
            pixels = rng.integers(0, 256, (size[1], size[0]), dtype=np.uint8)
            Image.fromarray(pixels, "L").save(folder / name / f"{i}.png")
    return folder


def test_the_vae_example_trains_on_another_grey_folder_and_generates_8x8_pngs(tmp_path, capsys):
    project = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert project["data"]["image_size"] == [8, 8] and project["data"]["color"] == "grayscale"
    assert project["data"]["task"] == "reconstruction"
    data = _grey_folder(tmp_path / "grey")
    run = tmp_path / "run"
    code = main(["train", str(EXAMPLE), "--data", str(data), "--epochs", "2", "--device", "cpu",
                 "--run-dir", str(run), "--quiet"])
    assert code == 0, capsys.readouterr().err
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "completed" and record["project"]["data"]["path"] == str(data)
    assert record["data"]["splits"]["train"] + record["data"]["splits"]["validation"] == 24
    assert json.loads((run / "preprocessing.json").read_text())["input_shape"] == [1, 8, 8]
    code = main(["generate", str(run), "--count", "5", "--out", str(tmp_path / "gen"), "--seed", "0"])
    assert code == 0, capsys.readouterr().err
    files = sorted((tmp_path / "gen").glob("sample_*.png"))
    assert len(files) == 5
    with Image.open(files[0]) as image:
        assert image.mode == "L" and image.size == (8, 8)
