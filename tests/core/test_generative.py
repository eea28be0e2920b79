"""Variational autoencoders: the Sample layer, its KL term in training, generating, and the
decoder and encoder exported alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import main
from core.errors import ExportError
from core.graph import Edge, Graph, Node
from core.layers.torch_modules import Sample
from core.project import Project

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "vae_digits.lfproj"


# ----------------------------------------------------------------------------- the layer
def test_the_kl_term_is_the_gaussians_divergence_times_weight_and_warmup():
    layer = Sample(kl_weight=0.5, warmup_epochs=4)
    layer.collect = True
    mean = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    log_var = torch.tensor([[0.0, math_log(4.0)], [0.0, 0.0]])
    layer.set_epoch(2)  # half of the warm-up
    layer.eval()
    assert torch.equal(layer(mean, log_var), mean)  # eval: the mean, no noise
    # KL(N(m, s²) || N(0, 1)) = (s² + m² - 1 - log s²) / 2 per feature
    per_row = [(1 + 1 - 1 - 0) / 2 + (4 + 0 - 1 - math_log(4.0)) / 2,
               (1 + 0 - 1 - 0) / 2 + (1 + 4 - 1 - 0) / 2]
    expected = sum(per_row) / 2 * 0.5 * 0.5
    assert float(layer.aux_loss) == pytest.approx(expected, rel=1e-6)
    layer.set_epoch(9)
    layer(mean, log_var)
    assert float(layer.aux_loss) == pytest.approx(expected * 2, rel=1e-6)  # full weight after warm-up


def math_log(value: float) -> float:
    import math

    return math.log(value)


def test_training_draws_around_the_mean_with_the_variances_spread():
    layer = Sample().train()
    torch.manual_seed(0)
    mean = torch.full((20000, 2), 3.0)
    log_var = torch.log(torch.tensor([[0.25, 4.0]])).expand(20000, 2)
    z = layer(mean, log_var)
    assert z.mean(0).tolist() == pytest.approx([3.0, 3.0], abs=0.05)
    assert z.std(0).tolist() == pytest.approx([0.5, 2.0], rel=0.03)
    assert layer.aux_loss is None  # nothing kept unless a trainer collects it


def _vae_graph(skip: bool = False) -> Graph:
    graph = Graph()
    for node in (Node("input", "Input"), Node("flat", "Flatten"),
                 Node("enc", "Linear", {"out_features": 16}), Node("mean", "Linear", {"out_features": 2}),
                 Node("log_var", "Linear", {"out_features": 2}), Node("z", "Sample"),
                 Node("dec", "Linear", {"out_features": 16}), Node("output", "Output")):
        graph.add_node(node)
    for edge in (("input", "flat"), ("flat", "enc"), ("enc", "mean"), ("enc", "log_var"),
                 ("mean", "z", 0), ("log_var", "z", 1), ("z", "dec"), ("dec", "output")):
        graph.add_edge(Edge(*edge))
    if skip:
        graph.add_node(Node("mix", "Add"))
        graph.disconnect(Edge("dec", "output"))
        graph.add_edge(Edge("dec", "mix", 0))
        graph.add_edge(Edge("enc", "mix", 1))
        graph.add_edge(Edge("mix", "output"))
    return graph


def _project(tmp_path: Path, graph: Graph | None = None, epochs: int = 3, **sample) -> Project:
    graph = graph or _vae_graph()
    graph.nodes["z"].params.update(sample)
    project = Project(name="tiny vae", graph=graph,
                      data={"kind": "builtin", "name": "shapes", "samples": 240, "noise": 0.05,
                            "seed": 0, "task": "reconstruction"},
                      training={"epochs": epochs, "batch_size": 32, "learning_rate": 0.003,
                                "seed": 0, "device": "cpu", "early_stopping": None})
    project.save(tmp_path / "vae.lfproj")
    return project


def _train(project: Project, run_dir: Path):
    from core.data import load
    from core.train.setup import prepare

    return prepare(project, load(project.data, project.directory), run_dir=run_dir).fit()


def _metrics(run_dir: Path) -> list[dict[str, str]]:
    import csv

    with open(run_dir / "metrics.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_the_kl_term_is_in_the_loss_and_has_its_own_column(tmp_path):
    weighted = _train(_project(tmp_path, kl_weight=1.0), tmp_path / "weighted")
    assert weighted.status == "completed"
    rows = _metrics(tmp_path / "weighted")
    assert float(rows[-1]["val_loss_z"]) > 0 and float(rows[-1]["train_loss_z"]) > 0
    free = _train(_project(tmp_path, kl_weight=0.0), tmp_path / "free")
    free_rows = _metrics(tmp_path / "free")
    assert float(free_rows[-1]["val_loss_z"]) == 0.0
    # without the KL term the codes spread out: the term was pulling them together
    from core.export.source import open_run
    from core.generate import encoder_network, generative_parts

    from core.data import load

    project = Project.load(tmp_path / "vae.lfproj")
    images = torch.from_numpy(load(project.data, project.directory).validation.x)
    spreads = []
    for run in ("weighted", "free"):
        trained = open_run(tmp_path / run)
        encoder = encoder_network(trained.module, generative_parts(trained).sample_id)
        with torch.no_grad():
            spreads.append(float(encoder(images).pow(2).mean()))
    assert spreads[0] < spreads[1]


@pytest.mark.slow
def test_generate_is_repeatable_and_writes_images_and_a_grid(tmp_path, capsys):
    _train(_project(tmp_path), tmp_path / "run")
    from core.export.source import open_run
    from core.generate import generate

    trained = open_run(tmp_path / "run")
    first, again = generate(trained, 5, seed=3), generate(trained, 5, seed=3)
    assert first.values.shape == (5, 1, 28, 28) and first.is_image
    np.testing.assert_array_equal(first.values, again.values)
    assert not np.array_equal(first.values, generate(trained, 5, seed=4).values)
    code = main(["generate", str(tmp_path / "run"), "--count", "6", "--out", str(tmp_path / "gen"),
                 "--grid", str(tmp_path / "grid.png"), "--seed", "1"])
    assert code == 0, capsys.readouterr().err
    assert len(list((tmp_path / "gen").glob("sample_*.png"))) == 6
    from PIL import Image

    assert Image.open(tmp_path / "grid.png").size == (3 * 30 + 2, 2 * 30 + 2)
    # the same files again need --overwrite; a run without Sample says what it needs
    assert main(["generate", str(tmp_path / "run"), "--count", "6", "--out", str(tmp_path / "gen")]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.slow
def test_decoder_and_encoder_export_alone_and_run_in_onnxruntime(tmp_path):
    import onnxruntime as ort

    from core.export.exporter import export_run
    from core.export.source import open_run
    from core.generate import generate

    _train(_project(tmp_path), tmp_path / "run")
    results = export_run(tmp_path / "run", ["onnx", "pt2"], tmp_path / "decoder", part="decoder")
    assert all(r.ok for r in results), [r.error for r in results]
    onnx_file = next((tmp_path / "decoder").glob("*.onnx"))
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[1:] == [2]
    codes = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    from_onnx = session.run(None, {session.get_inputs()[0].name: codes})[0]
    in_app = generate(open_run(tmp_path / "run"), 0, codes=codes).values
    np.testing.assert_allclose(from_onnx, in_app, atol=1e-5)

    results = export_run(tmp_path / "run", ["onnx"], tmp_path / "encoder.onnx", part="encoder")
    assert results[0].ok, results[0].error
    session = ort.InferenceSession(str(tmp_path / "encoder.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_outputs()[0].shape[1:] == [2]
    with pytest.raises(ExportError, match="as onnx or pt2, not python"):
        export_run(tmp_path / "run", ["python"], tmp_path / "code", part="decoder")


def test_a_decoder_that_reads_the_encoder_side_is_refused_with_its_layer():
    from core.build import build
    from core.generate import GenerateError, decoder_network
    from core.shapes import DataShapes

    data = DataShapes(input_shape=(1, 28, 28), target_shape=(1, 28, 28), task="reconstruction")
    graph = _vae_graph(skip=True)
    graph.nodes["dec"].params["out_features"] = 16
    module = build(graph, data)
    with pytest.raises(GenerateError, match="'mix' after 'z' also reads 'enc'"):
        decoder_network(module, "z")
    decoder = decoder_network(build(_vae_graph(), data), "z")
    assert decoder(torch.zeros(3, 2)).shape == (3, 1, 28, 28)


def test_a_run_without_sample_cannot_generate(tmp_path, capsys):
    from tests.core.train import tiny

    project = tiny.project(tmp_path)
    run = _train(project, tmp_path / "run")
    assert run.status == "completed"
    assert main(["generate", str(tmp_path / "run"), "--out", str(tmp_path / "gen")]) == 2
    assert "has no Sample layer" in capsys.readouterr().err
    assert main(["generate", str(tmp_path / "run")]) == 2
    assert "--out FOLDER, --grid FILE.png" in capsys.readouterr().err


def test_the_example_checks_ready(capsys):
    assert main(["check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "ready to train" in out and "Sample" in out
    nodes = json.loads(EXAMPLE.read_text())["graph"]["nodes"]
    assert [n["type"] for n in nodes].count("Sample") == 1
