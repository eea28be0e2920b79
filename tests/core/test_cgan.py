"""Conditional GANs: the label Input (the class, one-hot) in both networks, its mistakes, the
labels training feeds each network, generating a chosen class, exporting the generator; and
the shipped digits examples."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import main
from core.errors import ExportError
from core.graph import Edge
from core.project import Project
from core.shapes import DataShapes, analyze

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
DIGITS = ROOT / "resources" / "sample_data" / "digits"
DIGIT_SHAPES = DataShapes(input_shape=(1, 8, 8), target_shape=(10,), task="classification",
                          class_count=10)


def cgan_project(folder: Path, epochs: int = 2, **training) -> Project:
    """The cgan_digits example on the shipped digits, saved in ``folder`` (its data path made
    absolute), with ``epochs`` and other training changes."""
    data = json.loads((EXAMPLES / "cgan_digits.lfproj").read_text(encoding="utf-8"))
    data["data"]["path"] = str(DIGITS)
    data["training"].update(epochs=epochs, device="cpu", **training)
    path = folder / "cgan.lfproj"
    path.write_text(json.dumps(data), encoding="utf-8")
    return Project.load(path)


def _prepare(project: Project, run_dir: Path, callbacks=()):
    from core.data import load
    from core.train.setup import prepare

    return prepare(project, load(project.data, project.directory), run_dir=run_dir, callbacks=callbacks)


def _messages(graph, data: DataShapes = DIGIT_SHAPES) -> list[str]:
    return [p.message for p in analyze(graph, data).errors]


# ----------------------------------------------------------------------------- the design
def test_a_label_input_reads_the_class_one_hot_in_both_networks(tmp_path):
    from core.subnetworks import subnetworks

    graph = Project.load(EXAMPLES / "cgan_digits.lfproj").graph
    assert _messages(graph) == []
    assert analyze(graph, DIGIT_SHAPES).shape_of("label") == (10,)
    parts = subnetworks(graph)
    assert parts.conditional and parts.generator_label == parts.discriminator_label == "label"
    assert parts.noise == "noise" and parts.data == "image"


def test_label_mistakes_are_one_sentence_each():
    graph = Project.load(EXAMPLES / "cgan_digits.lfproj").graph
    only_generator = copy.deepcopy(graph)
    only_generator.disconnect(Edge("label", "d_join", 1))
    only_generator.add_edge(Edge("d_flatten", "d_join", 1))
    assert _messages(only_generator) == [
        "the generator reads the class label (Input 'label') but the discriminator does not: in a"
        " conditional GAN both read it (the discriminator too); wire the label Input into the"
        " discriminator as well, or clear label"]
    no_classes = DataShapes(input_shape=(1, 8, 8), target_shape=(1, 8, 8), task="reconstruction")
    (message,) = _messages(graph, no_classes)
    assert message.startswith("Input 'label' reads the class label, but the data has no classes")
    classifier = Project.load(EXAMPLES / "spiral_mlp.lfproj").graph
    first = next(n for n, node in classifier.nodes.items() if node.type == "Input")
    classifier.set_param(first, "label", True)
    assert any(m.startswith(f"Input '{first}' reads the class label, which only a conditional GAN"
                            " uses") for m in _messages(classifier, DataShapes(
                                input_shape=(2,), target_shape=(2,), task="classification",
                                class_count=2)))


# ----------------------------------------------------------------------------- training
def test_the_discriminator_sees_real_labels_and_the_generator_sampled_ones(tmp_path):
    """One step's losses recomputed by hand: real images with their own classes, generated
    ones with classes drawn after the noise (uniform over the ten digits)."""
    from core.generate import one_hot

    trainer = _prepare(cgan_project(tmp_path, adversarial={"label_smoothing": 0.1}), tmp_path / "run")
    trainer._setup()
    gan = trainer.adversarial
    assert gan.classes == 10
    generator0, discriminator0 = copy.deepcopy(gan.generator), copy.deepcopy(gan.discriminator)
    rows = np.arange(0, len(trainer.dataset.train.y), len(trainer.dataset.train.y) // 16)[:16]
    x = torch.from_numpy(np.asarray(trainer.dataset.train.x[rows]))
    y = torch.from_numpy(np.asarray(trainer.dataset.train.y[rows]).astype(np.int64))
    assert len(set(y.tolist())) > 1
    torch.manual_seed(3)
    _total, parts = gan.train_step(trainer, x, y)
    torch.manual_seed(3)
    z, asked = torch.randn(16, 32), torch.randint(10, (16,))
    with torch.no_grad():
        fake = generator0(z, one_hot(asked, 10, z))
        real_p = torch.sigmoid(discriminator0(x, one_hot(y, 10, x)))
        fake_p = torch.sigmoid(discriminator0(fake, one_hot(asked, 10, z)))
        loss_d = (-(0.9 * torch.log(real_p) + 0.1 * torch.log(1 - real_p)).mean()
                  - torch.log(1 - fake_p).mean())
        wrong = torch.sigmoid(discriminator0(x, one_hot((y + 1) % 10, 10, x)))
    assert float(parts[1]) == pytest.approx(float(loss_d), rel=1e-5)
    assert float(parts[2]) == pytest.approx(float(real_p.mean()), rel=1e-5)
    assert float(parts[3]) == pytest.approx(float(fake_p.mean()), rel=1e-5)
    assert float(parts[2]) != pytest.approx(float(wrong.mean()), rel=1e-5)  # the labels matter


def test_the_sample_grid_has_a_column_per_class(tmp_path):
    from core.train.probes.gan_samples import GanSamplesProbe

    got: list = []
    _prepare(cgan_project(tmp_path, epochs=1), tmp_path / "run",
             callbacks=[GanSamplesProbe(got.append, every_batches=None)]).fit()
    (last,) = got
    assert last.columns == 10 and last.images.shape == (40, 1, 8, 8)
    assert last.grid.shape == (4 * 10 + 2, 10 * 10 + 2)


@pytest.fixture(scope="module")
def trained_cgan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cgan")
    result = _prepare(cgan_project(folder, epochs=40), folder / "run").fit()
    assert result.status == "completed", result.reason
    return folder / "run"


def test_a_trained_generators_samples_depend_on_the_label(trained_cgan):
    """The mean image of a digit changes far more between two labels than between two noise
    batches of one label (before training the label hardly matters)."""
    from core.export.source import open_run
    from core.generate import generate, random_codes

    trained = open_run(trained_cgan)
    first, second = random_codes(64, (32,), 1), random_codes(64, (32,), 2)

    def mean_image(codes, label):
        return generate(trained, 0, codes=codes, label=label).values.mean(axis=0)

    for a, b in ((0, 1), (3, 8), (4, 7)):
        between_labels = np.abs(mean_image(first, a) - mean_image(first, b)).mean()
        between_noise = np.abs(mean_image(first, a) - mean_image(second, a)).mean()
        assert between_labels > 2 * between_noise, (a, b, between_labels, between_noise)


def test_generate_draws_the_chosen_class_or_every_class_into_class_folders(trained_cgan, tmp_path, capsys):
    from core.export.source import open_run
    from core.generate import generate

    trained = open_run(trained_cgan)
    seven = generate(trained, 5, seed=0, label="7")
    assert seven.labels.tolist() == [7] * 5 and seven.label_names() == ["7"] * 5
    assert np.array_equal(generate(trained, 5, seed=0, label=7).values, seven.values)
    assert generate(trained, 12, seed=0).labels.tolist() == [*range(10), 0, 1]
    assert main(["generate", str(trained_cgan), "--count", "20", "--out", str(tmp_path / "all"),
                 "--seed", "0"]) == 0
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [str(d) for d in range(10)]
    assert all(len(list((tmp_path / "all" / str(d)).glob("*.png"))) == 2 for d in range(10))
    assert main(["generate", str(trained_cgan), "--count", "3", "--out", str(tmp_path / "one"),
                 "--label", "4"]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["4"]
    capsys.readouterr()
    assert main(["generate", str(trained_cgan), "--count", "3", "--out", str(tmp_path / "x"),
                 "--label", "eleven"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "there is no class 'eleven': the classes are 0, 1, 2" in err


def test_the_generator_exports_with_noise_and_class_and_verifies(trained_cgan, tmp_path):
    import onnxruntime as ort

    from core.export.exporter import export_run
    from core.export.source import open_run
    from core.generate import generate

    results = export_run(trained_cgan, ["onnx", "pt2"], tmp_path / "generator", part="generator")
    assert all(r.ok and r.verified for r in results), [r.error for r in results]
    session = ort.InferenceSession(str(next((tmp_path / "generator").glob("*.onnx"))),
                                   providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[1] == 32 + 10  # the noise, then the class one-hot
    codes = np.random.default_rng(0).standard_normal((3, 32)).astype(np.float32)
    packed = np.concatenate([codes, np.eye(10, dtype=np.float32)[[5, 5, 5]]], axis=1)
    from_onnx = session.run(None, {session.get_inputs()[0].name: packed})[0]
    np.testing.assert_allclose(from_onnx, generate(open_run(trained_cgan), 0, codes=codes, label=5).values,
                               atol=1e-5)
    with pytest.raises(ExportError, match="a conditional GAN, takes an image and its class"):
        export_run(trained_cgan, ["onnx"], tmp_path / "judge.onnx", part="discriminator")


def test_predict_refuses_a_gan_with_one_sentence(trained_cgan, tmp_path, capsys):
    assert main(["predict", str(trained_cgan), "--data", str(DIGITS / "3"),
                 "--out", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "is a GAN, which makes new samples instead of predicting" in err
    assert "layerforge generate" in err and not (tmp_path / "p.csv").exists()


def test_an_unconditional_gan_takes_no_label(tmp_path, capsys):
    from tests.core.test_gan import gan_project

    gan_project(tmp_path, epochs=1)
    assert main(["train", str(tmp_path / "gan.lfproj"), "--run-dir", str(tmp_path / "run"), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["generate", str(tmp_path / "run"), "--count", "2", "--out", str(tmp_path / "s"),
                 "--label", "1"]) == 2
    assert "is not a conditional GAN" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the examples
@pytest.mark.parametrize("name", ["gan_digits", "cgan_digits"])
def test_the_digits_examples_check_ready_and_save_byte_for_byte(name, capsys):
    path = EXAMPLES / f"{name}.lfproj"
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ready to train" in out and "digits (10 classes, 8×8 grayscale)" in out
    assert Project.load(path).to_json() == path.read_text(encoding="utf-8")


def test_train_with_data_takes_any_folder_of_small_grey_class_folders(tmp_path, capsys):
    """Images of another size, in other classes, are read as the example's 8×8 grey."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in ("cats", "dogs"):
        (tmp_path / "pics" / name).mkdir(parents=True)
        for i in range(24):
            pixels = rng.integers(0, 255, (12, 10, 3), dtype=np.uint8)
            Image.fromarray(pixels, "RGB").save(tmp_path / "pics" / name / f"{i}.png")
    for name in ("gan_digits", "cgan_digits"):
        run = tmp_path / f"run_{name}"
        assert main(["train", str(EXAMPLES / f"{name}.lfproj"), "--data", str(tmp_path / "pics"),
                     "--epochs", "1", "--run-dir", str(run), "--quiet"]) == 0, capsys.readouterr().err
        assert main(["generate", str(run), "--count", "4", "--out", str(tmp_path / f"s_{name}")]) == 0
        pictures = sorted((tmp_path / f"s_{name}").rglob("*.png"))
        assert len(pictures) == 4 and Image.open(pictures[0]).size == (8, 8)
    assert {p.parent.name for p in (tmp_path / "s_cgan_digits").rglob("*.png")} == {"cats", "dogs"}


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("change, sentence", [
    (("g_image", "shape", [1, 4, 16]),
     "Output 'generator' passes its input through, but receives (N, 1, 4, 16) while a generator's"
     " samples must have the data's shape (N, 1, 8, 8)"),
    (("discriminator", "units", 3),
     "Output 'discriminator' is set to 3 units, but a discriminator gives one logit per sample"),
])
def test_check_says_one_sentence_for_a_wrong_generator_or_discriminator(tmp_path, capsys, change, sentence):
    project = Project.load(EXAMPLES / "gan_digits.lfproj")
    project.data = {**project.data, "path": str(DIGITS)}
    node, name, value = change
    project.graph.set_param(node, name, value)
    project.save(tmp_path / "bad.lfproj")
    assert main(["check", str(tmp_path / "bad.lfproj")]) == 2
    captured = capsys.readouterr()
    errors = [line for line in (captured.out + captured.err).splitlines() if line.startswith(("error", "layerforge"))]
    assert errors and all(sentence in line for line in errors) and "Traceback" not in captured.err
