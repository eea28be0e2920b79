"""Learner hints (core/hints.py): design hints, size hints and loss-curve hints."""

from __future__ import annotations

import math

import pytest

from core.check import data_shapes_of
from core.data.dataset import DataInfo
from core.graph import Edge, Node
from core.hints import (PARAMS_PER_TARGET, design_hints, learning_rate_hint, overfitting_hint,
                        read_history, run_hints, training_hints, training_samples)
from core.project import Project
from core.shapes import HINT, analyze
from core.train.rundir import metrics_csv_text
from tests.conftest import EXAMPLES
from tests.core.helpers import chain

SPIRAL = DataInfo(input_shape=(2,), task="classification", class_names=["a", "b"], samples=1000)


def _hints(graph, info=SPIRAL, training=None, data=None):
    analysis = analyze(graph, info.shapes())
    return design_hints(graph, analysis, info, training, data)


def test_linear_layers_without_an_activation_get_a_hint_that_a_relu_removes():
    graph = chain(("fc1", "Linear", {"out_features": 16}), ("fc2", "Linear", {"out_features": 16}),
                  ("relu", "ReLU", {}))
    hints = _hints(graph)
    assert len(hints) == 1 and hints[0].severity == HINT and hints[0].node_id == "fc2"
    assert "Linear 'fc1' and Linear 'fc2'" in hints[0].message
    assert "equivalent to one linear layer" in hints[0].message
    graph.disconnect(graph.incoming("fc2")[0])
    graph.add_node(Node("act", "ReLU"))
    graph.add_edge(Edge("fc1", "act"))
    graph.add_edge(Edge("act", "fc2"))
    assert _hints(graph) == []


def test_dropout_between_linears_still_counts_and_the_output_head_is_linear():
    graph = chain(("fc1", "Linear", {"out_features": 8}), ("drop", "Dropout", {}))
    hints = _hints(graph)
    assert [h.node_id for h in hints] == ["output"]
    assert "the Output's linear head" in hints[0].message
    graph.set_param("output", "head", "identity")
    graph.set_param("fc1", "out_features", 1)
    assert _hints(graph) == []


def test_a_network_much_larger_than_its_data_gets_an_overfitting_note():
    small = DataInfo(input_shape=(2,), task="classification", class_names=["a", "b"], samples=100)
    graph = chain(("fc1", "Linear", {"out_features": 256}), ("r1", "ReLU", {}),
                  ("fc2", "Linear", {"out_features": 256}), ("r2", "ReLU", {}))
    hints = _hints(graph, small, data={"split": {"validation": 0.2}})
    assert len(hints) == 1 and hints[0].node_id is None
    assert "66,817 parameters" in hints[0].message and "80 training samples" in hints[0].message
    assert "Dropout" in hints[0].message and "overfitting" in hints[0].message
    # the same network with plenty of data: no note
    plenty = DataInfo(input_shape=(2,), task="classification", class_names=["a", "b"], samples=100_000)
    assert _hints(graph, plenty) == []
    # the threshold is per target value: a reconstruction target of 784 numbers counts 784 times
    assert 66_817 / (80 * 1) > PARAMS_PER_TARGET


def test_training_samples_follow_the_split():
    assert training_samples(SPIRAL, {"split": {"validation": 0.1, "test": 0.1}}) == 800
    assert training_samples(SPIRAL, {}) == 800
    assert training_samples(SPIRAL, {"validation_path": "val"}) == 1000


def test_softmax_before_an_identity_output_and_batchnorm_with_batches_of_one():
    graph = chain(("fc", "Linear", {"out_features": 1}), ("soft", "Sigmoid", {}))
    graph.set_param("output", "head", "identity")
    hints = _hints(graph)
    assert len(hints) == 1 and hints[0].node_id == "soft" and "the loss applies sigmoid" in hints[0].message
    graph = chain(("fc", "Linear", {"out_features": 8}), ("bn", "BatchNorm1d", {}), ("r", "ReLU", {}))
    assert _hints(graph, training={"batch_size": 32}) == []
    hints = _hints(graph, training={"batch_size": 1})
    assert [h.node_id for h in hints] == ["bn"] and "batch_size is 1" in hints[0].message


def test_the_shipped_examples_get_no_design_hints():
    for path in sorted(EXAMPLES.glob("*.lfproj")):
        project = Project.load(path)
        shapes, info, problem = data_shapes_of(project)
        assert problem is None
        hints = design_hints(project.graph, analyze(project.graph, shapes), info, project.training, project.data)
        assert hints == [], (path.name, hints)


# ----------------------------------------------------------------------------- loss curves
def _rows(train, val=None, lr=0.01):
    return [{"epoch": i + 1, "train_loss": t, "val_loss": (val[i] if val else t), "learning_rate": lr}
            for i, t in enumerate(train)]


def test_a_loss_that_stops_falling_early_suggests_another_learning_rate():
    losses = [0.69, 0.55, 0.50, 0.49] + [0.49] * 16
    hint = learning_rate_hint(_rows(losses, lr=0.0001))
    assert hint is not None and hint.severity == HINT
    assert "stopped falling early, after epoch 4 of 20, at 0.49 (it started at 0.69)" in hint.message
    assert "ten times more (such as 0.001)" in hint.message


def test_rising_bouncing_and_crawling_losses_each_get_their_advice():
    rising = learning_rate_hint(_rows([0.7, 0.8, 1.2, 2.0, 3.5, 6.0], lr=0.5))
    assert "rose from" in rising.message and "a tenth of it (such as 0.05)" in rising.message
    bouncing = [0.9, 0.5, 0.4, 0.3, 0.45, 0.25, 0.5, 0.3, 0.55, 0.28, 0.5, 0.3]
    hint = learning_rate_hint(_rows(bouncing, lr=0.3))
    assert "goes up and down" in hint.message and "too high" in hint.message
    crawling = [0.69 - 0.001 * i for i in range(20)]
    hint = learning_rate_hint(_rows(crawling, lr=1e-5))
    assert "falls very slowly" in hint.message and "0.0001" in hint.message


def test_a_healthy_run_gets_no_hint():
    healthy = [0.69 * math.exp(-0.3 * i) for i in range(30)]
    assert training_hints(_rows(healthy)) == []
    assert training_hints(_rows(healthy[:3])) == []  # too short to judge


def test_validation_loss_rising_while_training_falls_is_overfitting():
    train = [1.0 / (i + 1) for i in range(12)]
    val = [0.9, 0.6, 0.45, 0.4, 0.42, 0.47, 0.55, 0.6, 0.66, 0.7, 0.75, 0.8]
    hint = overfitting_hint(_rows(train, val))
    assert hint is not None and "since epoch 4" in hint.message and "memorising" in hint.message


def test_run_hints_read_a_run_folder(tmp_path):
    rows = _rows([0.69, 0.55, 0.50, 0.49] + [0.49] * 16, lr=0.0001)
    (tmp_path / "metrics.csv").write_text(metrics_csv_text(rows), encoding="utf-8")
    (tmp_path / "run.json").write_text('{"training": {"learning_rate": 0.0001}}', encoding="utf-8")
    assert read_history(tmp_path)[2]["train_loss"] == pytest.approx(0.50)
    hints = run_hints(tmp_path)
    assert len(hints) == 1 and "stopped falling early" in hints[0].message
    assert run_hints(tmp_path / "missing") == []


@pytest.mark.slow
def test_a_real_run_with_a_huge_learning_rate_is_told_so(tmp_path):
    from core.data import load
    from core.train import prepare

    project = Project.load(EXAMPLES / "spiral_mlp.lfproj")
    project.training = dict(project.training, epochs=12, learning_rate=3.0)
    trainer = prepare(project, load(project.data, project.directory), run_dir=tmp_path / "run")
    trainer.fit()
    messages = [h.message for h in run_hints(tmp_path / "run")]
    assert any("too high" in m for m in messages), messages

