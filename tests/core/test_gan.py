"""Generative adversarial networks: the two sub-networks and their mistakes, the alternating
updates on one optimiser, resuming, the columns and hints, generating and exporting."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import main
from core.errors import ExportError, TrainingError
from core.graph import Edge, Graph, Node
from core.project import Project
from core.shapes import DataShapes, analyze
from core.train.callbacks import Callback

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "gan_digits.lfproj"
IMAGES = DataShapes(input_shape=(1, 28, 28), target_shape=(1, 28, 28), task="reconstruction")


def gan_graph(noise: int = 4, hidden: int = 8, dropout: bool = False) -> Graph:
    """noise -> Linear -> ReLU -> Linear 784 -> Sigmoid -> Reshape -> generator; image ->
    Flatten -> Linear -> LeakyReLU [-> Dropout] -> discriminator."""
    graph = Graph()
    generator = [Node("z", "Input", {"noise": noise}), Node("g1", "Linear", {"out_features": hidden}),
                 Node("g2", "ReLU"), Node("g3", "Linear", {"out_features": 784}), Node("g4", "Sigmoid"),
                 Node("g5", "Reshape", {"shape": [1, 28, 28]}),
                 Node("fake", "Output", {"target": "generator", "head": "identity"})]
    discriminator = [Node("image", "Input"), Node("d1", "Flatten"),
                     Node("d2", "Linear", {"out_features": hidden}), Node("d3", "LeakyReLU")]
    if dropout:
        discriminator.append(Node("d4", "Dropout", {"p": 0.3}))
    discriminator.append(Node("judge", "Output", {"target": "discriminator"}))
    for part in (generator, discriminator):
        for node in part:
            graph.add_node(node)
        for a, b in zip(part, part[1:]):
            graph.add_edge(Edge(a.id, b.id))
    return graph


def gan_project(tmp_path: Path, graph: Graph | None = None, samples: int = 96, **training) -> Project:
    settings = {"epochs": 2, "batch_size": 16, "learning_rate": 0.002, "seed": 0, "device": "cpu"}
    settings.update(training)
    project = Project(name="tiny gan", graph=graph or gan_graph(),
                      data={"kind": "builtin", "name": "shapes", "samples": samples, "noise": 0.0,
                            "seed": 0, "task": "reconstruction"},
                      training=settings)
    project.save(tmp_path / "gan.lfproj")
    return project


def _prepare(project: Project, run_dir: Path, callbacks=()):
    from core.data import load
    from core.train.setup import prepare

    return prepare(project, load(project.data, project.directory), run_dir=run_dir, callbacks=callbacks)


def _messages(graph: Graph, data: DataShapes = IMAGES) -> list[str]:
    return [p.message for p in analyze(graph, data).errors]


# ----------------------------------------------------------------------------- the design
def test_a_gan_design_checks_clean_and_names_its_parts():
    from core.subnetworks import subnetworks

    graph = gan_graph()
    assert _messages(graph) == []
    parts = subnetworks(graph)
    assert parts.generator == "fake" and parts.discriminator == "judge" and parts.noise == "z"
    assert parts.data == "image" and parts.role_of("g3") == "generator" and parts.role_of("d2") == "discriminator"
    assert analyze(graph, IMAGES).shape_of("z") == (4,)


def test_two_generators_are_one_sentence():
    graph = gan_graph()
    graph.add_node(Node("fake2", "Output", {"target": "generator", "head": "identity"}))
    graph.add_edge(Edge("g5", "fake2"))
    (message,) = _messages(graph)
    assert message.startswith("Outputs 'fake' and 'fake2' are all generators: a GAN has one generator Output")


def test_a_layer_in_both_networks_is_named():
    graph = gan_graph()
    # the discriminator also reads the generator's hidden layer: g1 and g2 are in both
    graph.disconnect(Edge("d1", "d2"))
    for node in (Node("up", "Linear", {"out_features": 784}), Node("mix", "Add")):
        graph.add_node(node)
    for edge in (Edge("g2", "up"), Edge("d1", "mix", 0), Edge("up", "mix", 1), Edge("mix", "d2")):
        graph.add_edge(edge)
    messages = _messages(graph)
    assert ("'g1' is in both the generator and the discriminator: a layer belongs to one of them;"
            " give each its own layers") in messages
    assert any("'g2' is in both" in m for m in messages)
    assert any("reads the noise Input 'z'" in m for m in messages)


def test_a_generator_whose_samples_are_not_the_datas_shape_is_refused():
    graph = gan_graph()
    graph.set_param("g5", "shape", [1, 14, 56])
    (message,) = _messages(graph)
    assert message == ("Output 'fake' passes its input through, but receives (N, 1, 14, 56) while a"
                       " generator's samples must have the data's shape (N, 1, 28, 28): end the"
                       " generator with layers that make that shape (such as a Reshape)")
    graph.set_param("g5", "shape", [1, 28, 28])
    graph.set_param("fake", "head", "linear")
    (message,) = _messages(graph)
    assert "its linear head needs a flat input: set its head to identity" in message


def test_a_discriminator_without_a_single_logit_is_refused():
    graph = gan_graph()
    graph.set_param("judge", "units", 3)
    (message,) = _messages(graph)
    assert message == ("Output 'judge' is set to 3 units, but a discriminator gives one logit per"
                       " sample (real or generated): set units to 1, or clear it")
    graph.set_param("judge", "units", None)
    graph.set_param("judge", "head", "identity")
    assert "a discriminator gives one logit per sample (N, 1)" in _messages(graph)[0]


def test_a_generator_that_reads_the_data_or_starts_without_noise_is_refused():
    graph = gan_graph()
    graph.disconnect(Edge("z", "g1"))
    graph.add_node(Node("flat", "Flatten"))
    graph.add_edge(Edge("image", "flat"))
    graph.add_edge(Edge("flat", "g1"))
    messages = _messages(graph)
    assert ("the generator (Output 'fake') reads the data's Input 'image': a generator makes samples"
            " from noise alone; remove that wire") in messages
    lone = gan_graph()
    lone.set_param("judge", "target", "data")
    assert any("is a generator, but no Output is a discriminator" in m for m in _messages(lone))


def test_a_noise_input_draws_fresh_numbers_of_its_inferred_shape_from_the_batch():
    from core.build import build, head_network

    graph = gan_graph(noise=6)
    module = build(graph, IMAGES)
    noise_of = head_network(module, "fake")  # features -> noise -> ... -> sample
    x = torch.zeros(5, 1, 28, 28, dtype=torch.float64)
    draws = [noise_of.get_submodule("z")(x) for _ in range(2)]
    assert draws[0].shape == (5, *analyze(graph, IMAGES).shape_of("z")) == (5, 6)
    assert draws[0].dtype == torch.float64 and not torch.equal(draws[0], draws[1])
    assert noise_of(x.float()).shape == (5, 1, 28, 28)


def test_a_noise_input_with_columns_or_another_shape_says_what_to_clear():
    graph = gan_graph()
    graph.set_param("z", "shape", [5])
    assert "draws 4 random numbers (noise): clear its shape parameter" in _messages(graph)[0]


# ----------------------------------------------------------------------------- the settings
def test_adversarial_settings_are_checked_and_gan_defaults_apply(tmp_path):
    from core.train.spec import training_problems

    problems = training_problems({"adversarial": {"loss": "wasserstein", "discriminator_steps": 0,
                                                  "colour": 1}})
    assert "training.adversarial.discriminator_steps must be a whole number from 1 to 100, got 0" in problems
    assert any(p.startswith("training.adversarial.loss must be one of 'non_saturating', 'minimax'")
               for p in problems)
    assert any("training.adversarial has no setting 'colour'" in p for p in problems)
    trainer = _prepare(gan_project(tmp_path, early_stopping=True), tmp_path / "run")
    assert trainer.spec.betas == (0.5, 0.999) and trainer.spec.early_stopping is None
    assert any("training.early_stopping is ignored" in note for note in trainer.notes)
    given = _prepare(gan_project(tmp_path, betas=[0.9, 0.99]), tmp_path / "run2")
    assert given.spec.betas == (0.9, 0.99)


# ----------------------------------------------------------------------------- training
class StepWatcher(Callback):
    """Wraps the optimiser's step: which parameters each step changed, in order."""

    def __init__(self) -> None:
        self.steps: list[set[str]] = []

    def on_train_start(self, trainer) -> None:
        optimizer, module = trainer.optimizer, trainer.module
        real_step = optimizer.step

        def step(*args, **kwargs):
            before = {name: p.detach().clone() for name, p in module.named_parameters()}
            result = real_step(*args, **kwargs)
            self.steps.append({name.split(".")[0] for name, p in module.named_parameters()
                               if not torch.equal(before[name], p.detach())})
            return result

        optimizer.step = step


def test_the_discriminator_and_generator_steps_move_only_their_own_weights(tmp_path):
    watcher = StepWatcher()
    project = gan_project(tmp_path, epochs=1, adversarial={"discriminator_steps": 2})
    trainer = _prepare(project, tmp_path / "run", callbacks=[watcher])
    result = trainer.fit()
    assert result.status == "completed"
    batches = len(trainer.plan)
    assert len(watcher.steps) == 3 * batches  # two discriminator steps, then the generator's
    generator, discriminator = {"g1", "g3"}, {"d2", "judge"}
    for index, changed in enumerate(watcher.steps):
        expected = generator if index % 3 == 2 else discriminator
        assert changed == expected, (index, changed)
    groups = trainer.optimizer.param_groups
    assert len(groups) == 2 and groups[0]["betas"] == (0.5, 0.999)


def test_each_network_learns_at_its_own_rate_in_one_optimiser(tmp_path):
    project = gan_project(tmp_path, epochs=1, learning_rate=0.001,
                          adversarial={"discriminator_learning_rate": 0.0004})
    trainer = _prepare(project, tmp_path / "run")
    trainer.fit()
    assert [g["lr"] for g in trainer.optimizer.param_groups] == [0.001, 0.0004]
    from core.train.optim import apply_update  # a live change scales both, keeping their ratio

    apply_update(trainer.optimizer, None, {"learning_rate": 0.002})
    assert [g["lr"] for g in trainer.optimizer.param_groups] == pytest.approx([0.002, 0.0008])
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["training"]["adversarial"]["discriminator_learning_rate"] == 0.0004
    assert [h["target"] for h in run["heads"]] == ["generator", "discriminator"]
    assert run["heads"][0]["loss"] == "non_saturating"
    assert run["reason"].startswith("a GAN keeps its last epoch's weights")


def test_a_layers_lr_multiplier_scales_its_rate_within_its_networks_own(tmp_path):
    graph = gan_graph()
    graph.nodes["g1"].extra["lr_multiplier"] = 0.1  # the generator's first layer
    graph.nodes["d2"].extra["lr_multiplier"] = 0.5  # the discriminator's only Linear
    project = gan_project(tmp_path, graph=graph, epochs=1, learning_rate=0.001,
                          adversarial={"discriminator_learning_rate": 0.0004})
    trainer = _prepare(project, tmp_path / "run")
    result = trainer.fit()
    assert result.status == "completed", result.reason
    module = trainer.module
    rates = {}
    for group in trainer.optimizer.param_groups:
        for param in group["params"]:
            rates[id(param)] = (group["gan_part"], group["lr"])
    assert rates[id(module.g1.weight)] == ("generator", pytest.approx(0.0001))
    assert rates[id(module.g3.weight)] == ("generator", pytest.approx(0.001))
    assert rates[id(module.d2.weight)] == ("discriminator", pytest.approx(0.0002))
    assert not any("lr_multiplier" in note for note in trainer.notes)
    # whose rate a diverging loss reports: the network's own, without the layer's multiplier
    assert trainer.adversarial.learning_rate_of(trainer.optimizer, "discriminator's") == pytest.approx(0.0004)
    assert trainer.adversarial.learning_rate_of(trainer.optimizer, "generator's") == pytest.approx(0.001)
    from core.train.optim import apply_update  # a live change keeps every ratio

    apply_update(trainer.optimizer, None, {"learning_rate": 0.002})
    doubled = {id(p): g["lr"] for g in trainer.optimizer.param_groups for p in g["params"]}
    assert doubled[id(module.g1.weight)] == pytest.approx(0.0002)
    assert doubled[id(module.d2.weight)] == pytest.approx(0.0004)


def test_a_paused_gan_takes_no_step_and_a_new_rate_moves_both_networks(tmp_path):
    import threading

    paused = threading.Event()

    class PauseOnce(Callback):
        def on_batch_end(self, trainer, event):
            if event.step == 2:
                trainer.pause()

        def on_pause(self, trainer):
            paused.set()

    project = gan_project(tmp_path, learning_rate=0.001,
                          adversarial={"discriminator_learning_rate": 0.0005})
    trainer = _prepare(project, tmp_path / "run", callbacks=[PauseOnce()])
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("result", trainer.fit()))
    worker.start()
    try:
        assert paused.wait(60), "the trainer never paused"
        weights = {k: v.clone() for k, v in trainer.module.state_dict().items()}
        trainer.update_optimizer(learning_rate=0.002)
        for _ in range(300):  # applied by the training thread although it is paused
            if trainer.optimizer.param_groups[0]["lr"] == 0.002:
                break
            threading.Event().wait(0.01)
        assert [g["lr"] for g in trainer.optimizer.param_groups] == pytest.approx([0.002, 0.001])
        assert trainer.step == 2 and all(torch.equal(weights[k], v)
                                         for k, v in trainer.module.state_dict().items())
    finally:
        trainer.resume()
        worker.join(120)
    assert outcome["result"].status == "completed"
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["changes"][0]["settings"] == {"learning_rate": 0.002}


def test_a_schedule_keeps_each_networks_own_rate(tmp_path):
    project = gan_project(tmp_path, learning_rate=0.001, schedule="one_cycle",
                          adversarial={"discriminator_learning_rate": 0.0004})
    trainer = _prepare(project, tmp_path / "run")
    trainer._setup()
    assert [g["max_lr"] for g in trainer.optimizer.param_groups] == [0.001, 0.0004]


def test_the_losses_are_the_non_saturating_ones_computed_by_hand(tmp_path):
    project = gan_project(tmp_path, epochs=1, adversarial={"label_smoothing": 0.1})
    trainer = _prepare(project, tmp_path / "run")
    trainer._setup()
    gan = trainer.adversarial
    generator0, discriminator0 = copy.deepcopy(gan.generator), copy.deepcopy(gan.discriminator)
    x = torch.from_numpy(trainer.dataset.train.x[:16])
    torch.manual_seed(11)
    total, parts = gan.train_step(trainer, x)
    torch.manual_seed(11)
    z = torch.randn(16, 4)  # the noise the step drew
    with torch.no_grad():
        fake = generator0(z)
        real_p, fake_p = torch.sigmoid(discriminator0(x)), torch.sigmoid(discriminator0(fake))
        loss_d = (-(0.9 * torch.log(real_p) + 0.1 * torch.log(1 - real_p)).mean()
                  - torch.log(1 - fake_p).mean())
        # the generator's step sees the discriminator after its own step (which it no longer moves)
        loss_g = -torch.log(torch.sigmoid(gan.discriminator(fake))).mean()
    assert float(parts[0]) == pytest.approx(float(loss_g), rel=1e-5)
    assert float(parts[1]) == pytest.approx(float(loss_d), rel=1e-5)
    assert float(parts[2]) == pytest.approx(float(real_p.mean()), rel=1e-5)
    assert float(parts[3]) == pytest.approx(float(fake_p.mean()), rel=1e-5)
    assert float(total) == pytest.approx(float(loss_g + loss_d), rel=1e-5)
    gan.settings.loss = "minimax"
    logits = torch.tensor([[-2.0], [0.5]])
    assert float(gan.generator_loss(logits)) == pytest.approx(
        float(torch.log(1 - torch.sigmoid(logits)).mean()), rel=1e-6)


def test_the_epoch_columns_are_the_two_losses_and_what_the_discriminator_says(tmp_path):
    from core.train.rundir import read_metrics_csv

    _prepare(gan_project(tmp_path), tmp_path / "run").fit()
    rows = read_metrics_csv(tmp_path / "run" / "metrics.csv")
    for prefix in ("train", "val"):
        for column in ("loss_fake", "loss_judge", "d_real", "d_fake", "diversity"):
            assert f"{prefix}_{column}" in rows[-1], column
        row = rows[-1]
        assert 0 < float(row[f"{prefix}_d_real"]) < 1 and 0 < float(row[f"{prefix}_d_fake"]) < 1
        assert float(row[f"{prefix}_loss"]) == pytest.approx(
            float(row[f"{prefix}_loss_fake"]) + float(row[f"{prefix}_loss_judge"]), rel=1e-5)
    assert "val_accuracy" not in rows[-1] and "val_mae" not in rows[-1]


def test_stopped_and_continued_equals_uninterrupted(tmp_path, monkeypatch):
    """Both networks, both parameter groups of the optimiser, dropout and the noise continue."""
    from core.train import saving
    from core.train.setup import continue_run

    monkeypatch.setattr(saving, "KEEP_AFTER", 0.0)  # every epoch kept: the stop acts mid-epoch
    from safetensors.torch import load_file
    from tests.core.train.tiny import metrics_rows

    training = {"epochs": 4, "adversarial": {"discriminator_steps": 2,
                                             "discriminator_learning_rate": 0.001},
                "schedule": {"type": "step", "step_size": 2, "gamma": 0.5}, "seed": 5}
    project = gan_project(tmp_path, gan_graph(dropout=True), **training)
    _prepare(project, tmp_path / "whole").fit()

    class StopInEpoch3(Callback):
        def on_batch_end(self, trainer, event):
            if event.epoch == 3 and event.batch == 2:
                trainer.stop()

    stopped = _prepare(project, tmp_path / "parts", callbacks=[StopInEpoch3()]).fit()
    assert stopped.status == "stopped" and stopped.epochs_completed == 2
    resumed = continue_run(tmp_path / "parts")
    assert resumed.fit().status == "completed"
    assert metrics_rows(tmp_path / "parts") == metrics_rows(tmp_path / "whole")  # bitwise
    whole = load_file(tmp_path / "whole" / "model.safetensors")
    parts = load_file(tmp_path / "parts" / "model.safetensors")
    assert set(whole) == set(parts) and all(torch.equal(whole[k], parts[k]) for k in whole)
    state = torch.load(tmp_path / "parts" / "last.ckpt", weights_only=True)
    assert len(state["optimizer"]["param_groups"]) == 2 and state["epoch"] == 4


@pytest.mark.slow
def test_a_killed_gan_resumes_and_ends_as_if_never_killed(tmp_path):
    import signal
    import subprocess
    import sys

    from tests.core.train.test_cli_train import ROOT, _env, layerforge
    from tests.core.train.test_unfreeze import KILL_AT
    from tests.core.train.tiny import metrics_rows

    path = gan_project(tmp_path, samples=600, epochs=12).path
    killed = tmp_path / "killed"
    # killed in epoch 5, its epoch 4 on disk (a run folder is written when due: a fraction of
    # the training time, so a time-based kill could land after the run ended)
    process = subprocess.run([sys.executable, "-c", KILL_AT, str(path), str(killed), "5"], cwd=ROOT,
                             env=_env(), capture_output=True, text=True, timeout=300)
    assert process.returncode == -signal.SIGKILL, process.stderr
    done = torch.load(killed / "last.ckpt", weights_only=True)["epoch"]
    assert done == 4
    resumed = layerforge("train", "--resume", str(killed), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert "a GAN keeps its last epoch's weights" in resumed.stdout
    whole = layerforge("train", str(path), "--run-dir", str(tmp_path / "whole"), "--quiet")
    assert whole.returncode == 0, whole.stderr
    assert metrics_rows(killed) == metrics_rows(tmp_path / "whole")  # bitwise


@pytest.mark.parametrize("network", ["generator", "discriminator"])
def test_a_diverging_gan_names_the_network_whose_loss_broke(tmp_path, network, monkeypatch):
    from core.train import saving

    monkeypatch.setattr(saving, "KEEP_AFTER", 0.0)  # every epoch kept, however short
    class Poison(Callback):  # a weight of one network becomes NaN after the first epoch
        def on_epoch_end(self, trainer, event):
            params = getattr(trainer.adversarial, f"{network}_params")
            with torch.no_grad():
                params[0].fill_(float("nan"))

    result = _prepare(gan_project(tmp_path, epochs=3), tmp_path / "run", callbacks=[Poison()]).fit()
    assert result.status == "failed" and result.epochs_completed == 1
    assert result.reason.startswith(f"the {network}'s loss became NaN at epoch 2, batch 1: try a lower"
                                    " learning rate (now 0.002)"), result.reason
    assert "epoch 1 was kept" in result.reason


def test_several_processes_are_refused_before_any_starts(tmp_path, capsys):
    path = gan_project(tmp_path).path
    assert main(["train", str(path), "--nproc", "2", "--run-dir", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "a GAN trains in one process" in err and "--nproc" in err
    with pytest.raises(TrainingError, match="a GAN trains in one process"):
        from core.train.adversarial import AdversarialTraining

        AdversarialTraining.create(None, None, [], distributed=object())


# ----------------------------------------------------------------------------- generating, exporting
@pytest.fixture(scope="module")
def trained_gan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gan")
    _prepare(gan_project(folder), folder / "run").fit()
    return folder / "run"


def test_generate_draws_from_the_generator_and_is_repeatable(trained_gan, tmp_path, capsys):
    from core.export.source import open_run
    from core.generate import generate, generative_parts

    trained = open_run(trained_gan)
    parts = generative_parts(trained)
    assert (parts.kind, parts.sample_id, parts.latent_shape, parts.output_id) == ("gan", "z", (4,), "fake")
    first, again = generate(trained, 5, seed=3), generate(trained, 5, seed=3)
    assert first.values.shape == (5, 1, 28, 28) and first.is_image
    np.testing.assert_array_equal(first.values, again.values)
    assert not np.array_equal(first.values, generate(trained, 5, seed=4).values)
    assert main(["generate", str(trained_gan), "--count", "4", "--grid", str(tmp_path / "g.png"),
                 "--seed", "1"]) == 0, capsys.readouterr().err
    from PIL import Image

    assert Image.open(tmp_path / "g.png").size == (2 * 30 + 2, 2 * 30 + 2)


def test_the_generator_and_discriminator_export_alone_and_the_whole_is_refused(trained_gan, tmp_path, capsys):
    import onnxruntime as ort

    from core.export.exporter import export_run
    from core.export.source import open_run
    from core.generate import generate

    results = export_run(trained_gan, ["onnx", "pt2"], tmp_path / "generator", part="generator")
    assert all(r.ok for r in results), [r.error for r in results]
    session = ort.InferenceSession(str(next((tmp_path / "generator").glob("*.onnx"))),
                                   providers=["CPUExecutionProvider"])
    codes = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    from_onnx = session.run(None, {session.get_inputs()[0].name: codes})[0]
    np.testing.assert_allclose(from_onnx, generate(open_run(trained_gan), 0, codes=codes).values, atol=1e-5)

    results = export_run(trained_gan, ["onnx"], tmp_path / "judge.onnx", part="discriminator")
    assert results[0].ok, results[0].error
    session = ort.InferenceSession(str(tmp_path / "judge.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_outputs()[0].shape[1:] == [1]
    with pytest.raises(ExportError, match="is a GAN, two networks: export one of them with --part generator"):
        export_run(trained_gan, ["onnx"], tmp_path / "whole.onnx")
    assert main(["export", str(trained_gan), "--part", "decoder", "--out", str(tmp_path / "d.onnx")]) == 2
    assert "its parts are generator and discriminator, not decoder" in capsys.readouterr().err


def test_the_cli_summary_says_the_last_epoch_is_kept(tmp_path, capsys):
    path = gan_project(tmp_path, epochs=1).path
    assert main(["train", str(path), "--run-dir", str(tmp_path / "run"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "a GAN keeps its last epoch's weights" in out and "last epoch 1:" in out
    assert "best epoch 1" not in out


# ----------------------------------------------------------------------------- live views, hints
def test_the_sample_probe_decodes_the_same_noise_and_stays_quiet_for_other_runs(tmp_path):
    from core.train.probes.gan_samples import GanSamples, GanSamplesProbe

    got: list = []
    probe = GanSamplesProbe(got.append, count=9, every_batches=2)
    _prepare(gan_project(tmp_path), tmp_path / "run", callbacks=[probe]).fit()
    assert got and all(isinstance(s, GanSamples) and s.kind == "gan_samples" for s in got)
    last = got[-1]
    assert last.images.shape == (9, 1, 28, 28) and last.grid.shape == (3 * 30 + 2, 3 * 30 + 2)
    assert last.grid.dtype == np.uint8 and last.columns == 3 and last.diversity >= 0
    assert last.batch is None and got[0].batch == 2  # every 2 batches, and at each epoch's end

    from tests.core.train.tiny import dataset, project

    quiet: list = []
    other = project(tmp_path / "other")
    from core.train.setup import prepare

    prepare(other, dataset(other), run_dir=tmp_path / "other_run",
            callbacks=[GanSamplesProbe(quiet.append, every_batches=1)]).fit()
    assert quiet == []


def _gan_rows(d_fake, diversity):
    return [{"epoch": i + 1, "train_loss": 2.0, "val_loss": 2.0, "val_d_real": 0.7, "val_d_fake": f,
             "val_diversity": d, "learning_rate": 0.001} for i, (f, d) in enumerate(zip(d_fake, diversity))]


def test_hints_recognise_mode_collapse_and_a_discriminator_that_wins():
    from core.hints import training_hints

    healthy = training_hints(_gan_rows([0.3] * 8, [0.1, 0.15, 0.2, 0.25, 0.27, 0.28, 0.27, 0.28]))
    assert healthy == []  # and no learning-rate note about a GAN's loss
    collapsed = training_hints(_gan_rows([0.3] * 6, [0.2, 0.25, 0.24, 0.2, 0.05, 0.02]))
    assert len(collapsed) == 1 and "mode collapse" in collapsed[0].message
    assert "0.02 per value now, against 0.25 earlier" in collapsed[0].message
    wins = training_hints(_gan_rows([0.3, 0.1, 0.04, 0.02, 0.01], [0.2] * 5),
                          {"learning_rate": 0.001, "adversarial": {"discriminator_learning_rate": 0.0004}})
    assert len(wins) == 1 and wins[0].message.startswith("the discriminator wins: for the last 3 epochs")
    assert "discriminator_learning_rate (now 0.0004)" in wins[0].message
    assert training_hints(_gan_rows([0.3, 0.04, 0.02, 0.01, 0.2], [0.2] * 5)) == []  # recovered


# ----------------------------------------------------------------------------- the example
def test_the_example_checks_ready_and_saves_byte_for_byte(capsys):
    assert main(["check", str(EXAMPLE)]) == 0
    assert "ready to train" in capsys.readouterr().out
    text = EXAMPLE.read_text(encoding="utf-8")
    assert Project.load(EXAMPLE).to_json() == text
    from core.subnetworks import subnetworks

    parts = subnetworks(Project.load(EXAMPLE).graph)
    assert (parts.noise, parts.data, parts.generator, parts.discriminator) == (
        "noise", "image", "generator", "discriminator")
    assert len(parts.generator_nodes) == 9 and len(parts.discriminator_nodes) == 7
