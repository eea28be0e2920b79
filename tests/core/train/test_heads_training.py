"""Training a network with two Inputs and two heads (a classifier and a reconstruction).

The total loss is Σ weight × head loss; metrics.csv keeps each head's loss; the primary
head (the first Output that learns the data) makes the predictions and the exports, while
the saved weights hold every head (core/heads.py, core/train/head_losses.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import main as cli
from core.graph import Edge, Graph, Node
from core.project import Project
from core.train import continue_run, load_trained_model, prepare
from core.train.checkpoint import load_weights
from core.train.rundir import read_metrics_csv
from tests.core.train.tiny import StopAt, dataset, metrics_rows

CLASSES = ("cat", "dog", "fox")
COLOURS = ("red", "green", "blue")
SHARED = ("fc_n", "fc_c", "label")  # the primary head's own layers (its Output included)


def write_csv(path: Path, rows: int = 90) -> Path:
    rng = np.random.default_rng(0)
    lines = ["a,b,colour,c,label"]
    for i in range(rows):
        a, b, c = rng.normal(size=3)
        label = CLASSES[int(a > 0) + int(b > 0.5)]
        lines.append(f"{a:.3f},{b:.3f},{COLOURS[i % 3]},{c:.3f},{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def graph(recon: dict | None = None) -> Graph:
    """Inputs 'nums' (a, b, c) and 'cats' (colour) -> Concat -> ReLU -> Output 'label';
    with ``recon`` also ReLU -> Linear 'dec' -> Output 'recon' (identity, target input)."""
    g = Graph()
    nodes = [("nums", "Input", {"columns": ["a", "b", "c"]}), ("cats", "Input", {"columns": ["colour"]}),
             ("fc_n", "Linear", {"out_features": 8}), ("fc_c", "Linear", {"out_features": 4}),
             ("join", "Concat", {}), ("relu", "ReLU", {}), ("label", "Output", {})]
    edges = [("nums", "fc_n"), ("cats", "fc_c"), ("fc_n", "join"), ("fc_c", "join", 1),
             ("join", "relu"), ("relu", "label")]
    if recon is not None:
        nodes += [("dec", "Linear", {"out_features": 6}),
                  ("recon", "Output", {"target": "input", "head": "identity", **recon})]
        edges += [("relu", "dec"), ("dec", "recon")]
    for node_id, type_name, params in nodes:
        g.add_node(Node(node_id, type_name, params))
    for edge in edges:
        g.add_edge(Edge(*edge))
    return g


def make_project(folder: Path, recon: dict | None = None, epochs: int = 3, name: str = "Heads") -> Project:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "t.csv")
    proj = Project(name=name, graph=graph(recon),
                   data={"kind": "csv", "path": "t.csv", "target": "label"},
                   training={"epochs": epochs, "batch_size": 16, "seed": 0, "device": "cpu"},
                   path=folder / f"{name.lower()}.lfproj")
    proj.save()
    return proj


@pytest.fixture(scope="module")
def two_head_run(tmp_path_factory):
    """A finished 2-head run (reconstruction weight 0.5) and its trainer."""
    folder = tmp_path_factory.mktemp("two-heads")
    with pytest.MonkeyPatch.context() as patch:  # module scope: keep caches out of the home folder
        patch.setenv("LAYERFORGE_CACHE_DIR", str(folder / "cache"))
        proj = make_project(folder, {"weight": 0.5})
        trainer = prepare(proj, dataset(proj), run_dir=folder / "run")
        trainer.fit()
    return folder / "run", proj, trainer


def test_metrics_have_each_heads_loss_and_the_total_is_their_weighted_sum(two_head_run):
    run, _proj, _trainer = two_head_run
    rows = read_metrics_csv(run / "metrics.csv")
    assert len(rows) == 3
    for row in rows:
        for split in ("train", "val"):
            label, recon = float(row[f"{split}_loss_label"]), float(row[f"{split}_loss_recon"])
            assert label > 0 and recon > 0
            assert math.isclose(float(row[f"{split}_loss"]), label + 0.5 * recon, rel_tol=1e-5)
        assert "val_accuracy" in row  # the primary head's metrics


def test_one_head_has_no_head_columns(tmp_path):
    proj = make_project(tmp_path, epochs=1)
    prepare(proj, dataset(proj), run_dir=tmp_path / "run").fit()
    columns = set(read_metrics_csv(tmp_path / "run" / "metrics.csv")[0])
    assert not any(c.startswith(("train_loss_", "val_loss_")) for c in columns)
    heads = json.loads((tmp_path / "run" / "run.json").read_text())["heads"]
    assert heads == [{"output": "label", "target": "data", "loss": "cross_entropy", "weight": 1.0,
                      "primary": True}]


def test_run_json_lists_the_heads_with_one_primary(two_head_run):
    run, _proj, _trainer = two_head_run
    record = json.loads((run / "run.json").read_text())
    assert record["heads"] == [
        {"output": "label", "target": "data", "loss": "cross_entropy", "weight": 1.0, "primary": True},
        {"output": "recon", "target": "input", "loss": "mse", "weight": 0.5, "primary": False}]
    assert record["task"] == "classification" and record["loss"] == "cross_entropy"
    assert record["output_activation"] == "softmax"


def test_a_weight_of_zero_leaves_the_primary_heads_training_unchanged(tmp_path):
    """Same seed, the reconstruction head's layers built after the others: the shared layers
    train exactly as without the head, and the head's own layer gets no gradient."""
    two = make_project(tmp_path / "two", {"weight": 0.0})
    one = make_project(tmp_path / "one")
    with_head = prepare(two, dataset(two), run_dir=tmp_path / "two" / "run")
    without = prepare(one, dataset(one), run_dir=tmp_path / "one" / "run")
    start = {k: v.clone() for k, v in with_head.module.state_dict().items()}
    assert all(torch.equal(start[k], v) for k, v in without.module.state_dict().items())
    with_head.fit()
    without.fit()
    trained = with_head.module.state_dict()
    for key, value in without.module.state_dict().items():
        assert torch.equal(trained[key], value), key
    assert any(not torch.equal(start[k], trained[k]) for k in trained if k.startswith(SHARED))
    assert torch.equal(trained["dec.weight"], start["dec.weight"])  # Adam on zero gradients
    rows = {name: metrics_rows(tmp_path / name / "run") for name in ("one", "two")}
    for one, two in zip(rows["one"], rows["two"]):
        assert two["train_loss"] == two["train_loss_label"] == one["train_loss"]
        assert two["val_loss"] == two["val_loss_label"] == one["val_loss"]
        assert two["val_accuracy"] == one["val_accuracy"]
        assert float(two["val_loss_recon"]) > 0


def test_a_weight_of_zero_gives_no_gradient_to_the_heads_own_layer(tmp_path):
    proj = make_project(tmp_path, {"weight": 0.0})
    ds = dataset(proj)
    trainer = prepare(proj, ds, run_dir=tmp_path / "run")
    loss_fn = trainer.heads.loss()
    x = torch.from_numpy(ds.train.x[:16])
    y = trainer.heads.batch_targets(ds.train.y[:16])
    trainer.module.zero_grad()
    loss = loss_fn(trainer.module(x), x, y)
    loss.backward()
    grads = {name: p.grad for name, p in trainer.module.named_parameters()}
    assert torch.count_nonzero(grads["dec.weight"]) == 0 and torch.count_nonzero(grads["dec.bias"]) == 0
    assert torch.count_nonzero(grads["fc_n.weight"]) > 0
    assert float(loss_fn.parts[1]) > 0  # the head's loss is still measured
    assert torch.equal(loss.detach(), loss_fn.parts[0])


def test_predictions_are_the_primary_heads_class_probabilities(two_head_run):
    run, proj, _trainer = two_head_run
    model = load_trained_model(run)
    assert model.network is not None and not model.network.training
    assert set(model.module.state_dict()) < set(model.weights)
    assert {k for k in model.weights if k.startswith("dec.")} == {"dec.weight", "dec.bias"}
    assert set(model.weights) == set(load_weights(run / "model.safetensors"))
    x = dataset(proj).validation.x
    probs = model.predict(x)
    assert probs.shape == (len(x), 3)
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    with torch.no_grad():
        label, recon = model.network(torch.from_numpy(x))
    assert recon.shape == (len(x), 6)
    assert np.allclose(probs, torch.softmax(label, 1).numpy(), atol=1e-6)


def test_the_standalone_code_of_a_two_head_run_is_the_primary_heads_network(two_head_run, tmp_path, capsys):
    run, proj, _trainer = two_head_run
    out = tmp_path / "code"
    code = cli(["export", str(run), "--format", "python", "--out", str(out)])
    text = capsys.readouterr()
    assert code == 0 and "verified" in text.out, text.err
    model = load_trained_model(run)
    assert set(load_weights(out / "weights.safetensors")) == set(model.module.state_dict())
    assert set(model.module.state_dict()) < set(model.weights)  # the other head is left out


@pytest.mark.parametrize("fmt,suffix", [("onnx", "onnx"), ("safetensors", "safetensors")])
def test_exports_of_a_two_head_run_verify(two_head_run, tmp_path, capsys, fmt, suffix):
    run, proj, _trainer = two_head_run
    out = tmp_path / f"m.{suffix}"
    code = cli(["export", str(run), "--format", fmt, "--out", str(out)])
    text = capsys.readouterr()
    assert code == 0, text.err
    assert "verified" in text.out and out.is_file()
    model = load_trained_model(run)
    x = dataset(proj).validation.x
    if fmt == "onnx":
        import onnx
        import onnxruntime as ort

        graph_ = onnx.load(str(out)).graph
        assert len(graph_.output) == 1  # the primary head only
        assert not any("dec" in init.name for init in graph_.initializer)
        session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        with torch.no_grad():
            expected = model.inference_module()(torch.from_numpy(x)).numpy()
        got = session.run(None, {session.get_inputs()[0].name: x})[0]
        assert got.shape == (len(x), 3) and np.allclose(got, expected, atol=1e-5)
    else:
        from core.export.weights_format import open_weights

        assert set(load_weights(out)) == set(model.module.state_dict())  # the primary head's network
        assert set(model.module.state_dict()) < set(model.weights)
        again = open_weights(out)
        assert np.allclose(again.predict(x), model.predict(x), atol=1e-6)


def test_a_stopped_two_head_run_continues_as_if_never_stopped(tmp_path):
    proj = make_project(tmp_path, {"weight": 0.5, "loss": "l1"}, epochs=4)
    stopped, whole = tmp_path / "stopped", tmp_path / "whole"
    assert prepare(proj, dataset(proj), run_dir=stopped, callbacks=[StopAt(2)]).fit().status == "stopped"
    assert len(read_metrics_csv(stopped / "metrics.csv")) == 2
    trainer = continue_run(stopped)
    assert [h.node_id for h in trainer.heads.heads] == ["label", "recon"]
    assert trainer.fit().status == "completed"
    prepare(proj, dataset(proj), run_dir=whole).fit()
    assert metrics_rows(stopped) == metrics_rows(whole)
    assert "train_loss_recon" in metrics_rows(stopped)[-1]
    assert json.loads((stopped / "run.json").read_text())["heads"][1]["loss"] == "l1"


def test_facts_described_before_feature_columns_are_not_reused(tmp_path, monkeypatch):
    """A description remembered on disk under the key of before FACTS_VERSION (no
    ``feature_columns``) must not be read back: an Input's columns need them."""
    import hashlib

    from core import __version__
    from core.data import cache, csv_source, describe

    monkeypatch.setenv("LAYERFORGE_CACHE_DIR", str(tmp_path / "cache"))
    path = write_csv(tmp_path / "t.csv")
    spec = {"kind": "csv", "path": str(path), "target": "label"}
    fresh = describe(spec, tmp_path)
    assert fresh.feature_columns == ["a", "b", "colour", "colour", "colour", "c"]

    # what the cache held before: the same facts without feature_columns, under the old key
    old_parts = [spec, cache.stat_key(path), __version__, "csv", "info 2"]
    old_key = hashlib.sha256(json.dumps(old_parts, sort_keys=True, default=str).encode()).hexdigest()[:32]
    new_key = csv_source.describe_key(spec, tmp_path)
    assert old_key != new_key
    stale = {k: v for k, v in fresh.__dict__.items() if k != "feature_columns"}
    stale["input_shape"] = list(stale["input_shape"])
    (tmp_path / "cache" / "describe" / f"{old_key}.json").write_text(json.dumps({"info": stale}))
    (tmp_path / "cache" / "describe" / f"{new_key}.json").unlink()
    cache.forget_all()
    again = describe(spec, tmp_path)
    assert again.feature_columns == fresh.feature_columns
    # and the stale entry really is stale: read under its own key it lacks the columns
    assert cache.recall(old_key).feature_columns == []
