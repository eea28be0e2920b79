"""Step Through (core.stepthrough): the numbers of one training step, checked by hand and against
torch.autograd, the steps' order and words, and the refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.data.dataset import CLASSIFICATION, REGRESSION, DataInfo, Dataset, Split
from core.project import Project
from core.stepthrough import (BACKWARD, FORWARD, LOSS, PARAMETER_LIMIT, RESULT, SAMPLE, UPDATE,
                              StepThroughError, size_problem, step_through, too_big)
from core.shapes import ShapeInference
from tests.conftest import EXAMPLES
from tests.core.helpers import chain

torch = pytest.importorskip("torch")

X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]], np.float32)
#: Known weights of the 2-2-1 network (fc1: 2 -> 2, tanh, Output: 2 -> 1).
W1 = np.array([[0.2, -0.4], [0.7, 0.1]], np.float32)
B1 = np.array([0.05, -0.2], np.float32)
W2 = np.array([[0.6, -0.9]], np.float32)
B2 = np.array([0.3], np.float32)
WEIGHTS = {"fc1.weight": W1, "fc1.bias": B1, "output.weight": W2, "output.bias": B2}


def _data(task: str, y: np.ndarray) -> Dataset:
    names = ["a", "b"]
    if task == REGRESSION:
        info = DataInfo((2,), REGRESSION, target_names=["t"], feature_names=names, samples=len(X))
    else:
        info = DataInfo((2,), CLASSIFICATION, class_names=["no", "yes"], target_names=["c"],
                        feature_names=names, samples=len(X))
    preprocessing = {"format": "layerforge.preprocessing", "format_version": 1, "kind": "table",
                     "task": task, "input_shape": [2], "feature_names": names,
                     "class_names": info.class_names, "input_scaling": None, "target_scaling": None}
    return Dataset(info, Split(X, y), None, None, preprocessing, fingerprint=f"tiny-{task}")


def _project(activation: str = "Tanh", **training) -> Project:
    graph = chain(("fc1", "Linear", {"out_features": 2}), ("act", activation, {}))
    settings = {"optimizer": "sgd", "learning_rate": 0.1, "batch_size": 4, "epochs": 1, "seed": 0, **training}
    return Project(name="Two-two-one", graph=graph, data=None, training=settings)


def test_a_2_2_1_network_s_numbers_equal_a_hand_computation():
    y = np.array([[0.8], [-0.5], [0.1]], np.float32)
    walk = step_through(_project(), 1, dataset=_data(REGRESSION, y), weights=WEIGHTS)
    record = walk.record
    x, t = X[1].astype(np.float64), float(y[1, 0])
    # forward
    h = W1 @ x + B1
    a = np.tanh(h)
    z = float((W2 @ a + B2)[0])
    loss = (z - t) ** 2
    np.testing.assert_allclose(record.outputs["fc1"], h, rtol=1e-5)
    np.testing.assert_allclose(record.outputs["act"], a, rtol=1e-5)
    assert record.outputs["output"][0] == pytest.approx(z, rel=1e-5)
    assert record.loss_name == "mse" and record.loss_before == pytest.approx(loss, rel=1e-5)
    # backward: the chain rule by hand
    dz = 2 * (z - t)
    d_w2, d_b2 = dz * a[None, :], np.array([dz])
    d_a = dz * W2[0]
    d_h = d_a * (1 - a ** 2)
    d_w1, d_b1 = np.outer(d_h, x), d_h
    d_x = W1.T @ d_h
    np.testing.assert_allclose(record.output_grads["output"], [dz], rtol=1e-5)
    np.testing.assert_allclose(record.output_grads["act"], d_a, rtol=1e-5)
    np.testing.assert_allclose(record.input_grads["act"][0], d_h, rtol=1e-5)
    np.testing.assert_allclose(record.output_grads["input"], d_x, rtol=1e-5, atol=1e-7)
    for key, expected in (("output.weight", d_w2), ("output.bias", d_b2), ("fc1.weight", d_w1),
                          ("fc1.bias", d_b1)):
        np.testing.assert_allclose(record.grads[key], expected, rtol=1e-5, atol=1e-7, err_msg=key)
        # plain SGD: the new weight is the old one minus the learning rate times the gradient
        np.testing.assert_allclose(record.after[key], WEIGHTS[key] - 0.1 * expected, rtol=1e-5, atol=1e-7,
                                   err_msg=key)
    # the loss after the step, recomputed by hand from the new weights
    new = {k: WEIGHTS[k] - 0.1 * g for k, g in (("fc1.weight", d_w1), ("fc1.bias", d_b1),
                                                 ("output.weight", d_w2), ("output.bias", d_b2))}
    z_after = float((new["output.weight"] @ np.tanh(new["fc1.weight"] @ x + new["fc1.bias"]) + new["output.bias"])[0])
    assert record.loss_after == pytest.approx((z_after - t) ** 2, rel=1e-4)
    assert record.loss_after < record.loss_before


def test_a_classifier_s_gradients_equal_torch_autograd_and_its_steps_say_them():
    labels = np.array([1, 0, 1])
    walk = step_through(_project("ReLU"), 0, dataset=_data(CLASSIFICATION, labels), weights=WEIGHTS)
    record = walk.record
    # the same network written out in torch, its gradients from autograd
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in WEIGHTS.items()}
    x = torch.tensor(X[0], dtype=torch.float64)
    z = params["output.weight"] @ torch.relu(params["fc1.weight"] @ x + params["fc1.bias"]) + params["output.bias"]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor([1.0], dtype=torch.float64))
    loss.backward()
    z, loss = z.detach(), loss.detach()
    assert record.loss_name == "bce" and record.loss_before == pytest.approx(float(loss), rel=1e-5)
    for key, p in params.items():
        np.testing.assert_allclose(record.grads[key], p.grad.numpy(), rtol=1e-5, atol=1e-7, err_msg=key)
    # the loss step states the formula with these numbers, and the loss's gradient is σ(z) − 1
    steps = walk.steps
    loss_step = steps[walk.index_of(LOSS)]
    probability = 1 / (1 + math.exp(-float(z)))
    assert loss_step.value("probability")[0] == pytest.approx(probability, rel=1e-5)
    assert loss_step.value("loss")[0] == pytest.approx(float(loss), rel=1e-5)
    assert "'yes'" in loss_step.text and "−log" in loss_step.text
    gradient = steps[walk.index_of(BACKWARD)]
    assert gradient.node_id == "output"
    assert gradient.value("dL/d output")[0] == pytest.approx(probability - 1, rel=1e-5)
    assert "σ(z) − target" in gradient.text
    # the first forward step writes out the first output of fc1 as a weighted sum
    fc1 = steps[walk.index_of(FORWARD, "fc1")]
    h0 = float(W1[0] @ X[0] + B1[0])
    assert fc1.text.count("×") >= 2 and f"{h0:.3g}".replace("-", "−") in fc1.text
    np.testing.assert_allclose(fc1.value("weight"), W1)
    relu = steps[walk.index_of(BACKWARD, "act")]
    assert "stops" in relu.text


def test_the_steps_follow_the_computation():
    walk = step_through(_project(), 2, dataset=_data(REGRESSION, np.zeros((3, 1), np.float32)), weights=WEIGHTS)
    phases = [s.phase for s in walk.steps]
    assert phases == [SAMPLE, FORWARD, FORWARD, FORWARD, LOSS, BACKWARD, BACKWARD, BACKWARD, BACKWARD,
                      BACKWARD, UPDATE, UPDATE, RESULT]
    nodes = [s.node_id for s in walk.steps]
    assert nodes[1:4] == ["fc1", "act", "output"]  # forward: input to output
    assert nodes[6:10] == ["output", "act", "fc1", "input"]  # backward: output to input
    assert nodes[10:12] == ["fc1", "output"]
    for step in walk.steps:
        assert step.text and step.title and step.badge and step.numbers
        assert all(isinstance(n.values, np.ndarray) for n in step.numbers)
    update = walk.steps[walk.index_of(UPDATE, "output")]
    np.testing.assert_allclose(update.value("weight after") - update.value("weight before"),
                               update.value("weight change"))
    assert "new = old − learning rate × gradient" in update.text
    result = walk.steps[-1]
    assert result.value("loss after")[0] == pytest.approx(walk.record.loss_after)
    assert walk.sample == 2 and walk.sample_count == 3 and walk.parameters == 9


def test_adam_and_a_frozen_layer():
    project = _project(optimizer="adam", learning_rate=0.01)
    project.graph.nodes["fc1"].extra["trainable"] = False
    walk = step_through(project, 0, dataset=_data(REGRESSION, np.ones((3, 1), np.float32)), weights=WEIGHTS)
    record = walk.record
    np.testing.assert_array_equal(record.after["fc1.weight"], W1)  # frozen: untouched
    assert record.grads["fc1.weight"] is None
    moved = record.after["output.weight"] - W2
    np.testing.assert_allclose(np.abs(moved), 0.01, rtol=1e-3)  # Adam's first step: lr against the sign
    assert np.all(np.sign(moved) == -np.sign(record.grads["output.weight"]))
    assert "frozen" in walk.steps[walk.index_of(UPDATE, "fc1")].text


def test_the_examples_step_through_and_the_loss_falls():
    for name in ("perceptron", "spiral_mlp"):
        project = Project.load(EXAMPLES / f"{name}.lfproj")
        walk = step_through(project, 5)
        assert walk.parameters < PARAMETER_LIMIT
        assert walk.record.loss_after < walk.record.loss_before, name
        assert walk.steps[0].phase == SAMPLE and walk.steps[-1].phase == RESULT


def test_a_network_above_the_limit_is_refused_in_one_sentence():
    wide = Project(name="Wide", graph=chain(("fc1", "Linear", {"out_features": 4000})),
                   training={"seed": 0})
    data = _data(CLASSIFICATION, np.array([0, 1, 0]))
    with pytest.raises(StepThroughError) as error:
        step_through(wide, 0, dataset=data)
    text = str(error.value)
    assert "16,001" in text and f"{PARAMETER_LIMIT:,}" in text and "\n" not in text
    assert text == too_big(16_001)
    analysis = ShapeInference().analyze(wide.graph, data.info.shapes())
    assert size_problem(analysis) == text
    with pytest.raises(StepThroughError, match="up to 5 weights"):
        step_through(_project(), 0, dataset=data, limit=5)


def test_a_person_s_mistakes_are_sentences():
    data = _data(REGRESSION, np.zeros((3, 1), np.float32))
    with pytest.raises(StepThroughError, match="no training sample 7: .* 3 samples, numbered 0 to 2"):
        step_through(_project(), 7, dataset=data)
    with pytest.raises(StepThroughError, match="no weight 'fc9.weight'"):
        step_through(_project(), 0, dataset=data, weights={"fc9.weight": W1})
    with pytest.raises(StepThroughError, match="no data yet"):
        step_through(_project(), 0)
