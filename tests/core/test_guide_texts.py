"""The guide's pages (core/guide_texts.py) and plots (core/curves.py), checked against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import curves
from core.guide_texts import entries, entry, search
from core.layers import REGISTRY
from core.train.spec import LOSSES, OPTIMIZERS, SCHEDULES


def test_every_layer_loss_optimiser_and_schedule_has_a_page():
    pages = entries()
    for spec in REGISTRY:
        page = pages[f"layer:{spec.type}"]
        assert page.explanation == spec.explanation and page.formula == spec.shape_formula
        assert [s.name for s in page.settings] == [p.name for p in spec.params]
    for name in LOSSES:
        assert pages[f"loss:{name}"].explanation
    for name in OPTIMIZERS:
        assert pages[f"optimizer:{name}"].settings[0].name == "learning_rate"
    schedules = [s.name for s in pages["topic:schedule"].settings]
    assert schedules == list(SCHEDULES)
    assert entry("Conv2d") is pages["layer:Conv2d"]
    with pytest.raises(KeyError):
        entry("layer:Nope")


def test_conv2d_page_has_its_formula_and_parameter_ranges():
    page = entry("layer:Conv2d")
    assert "H_out" in page.formula and "padding" in page.formula
    assert page.example == "(N, 3, 32, 32) → (N, 16, 30, 30)"  # the real shape rule, defaults
    kernel = next(s for s in page.settings if s.name == "kernel_size")
    assert kernel.default == "3" and "whole number" in kernel.allowed and kernel.meaning


def test_search_matches_every_word():
    keys = [e.key for e in search("conv")]
    assert "layer:Conv2d" in keys and "layer:Conv1d" in keys and "layer:ReLU" not in keys
    assert [e.key for e in search("huber")][:1] == ["loss:huber"]
    assert "topic:learning_rate" in [e.key for e in search("learning rate")]


def test_every_activation_has_a_plot_and_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.linspace(-5, 5, 41)
    for spec in REGISTRY.by_category()["Activations"]:
        assert entry(spec.type).plot == f"activation:{spec.type}"
        module = spec.build([(41,)], spec.effective_params({}), None)
        if spec.type in ("Softmax", "LogSoftmax"):
            pairs = torch.tensor(np.stack([x, np.zeros_like(x)], axis=1), dtype=torch.float64)
            expected = module(pairs)[:, 0].numpy()
        else:
            expected = module(torch.tensor(x, dtype=torch.float64)).numpy()
        np.testing.assert_allclose(curves.activation(spec.type, x), expected, rtol=1e-6, atol=1e-9,
                                   err_msg=spec.type)


def test_activation_plot_values_follow_the_formula():
    plot = curves.plot_for("activation:Sigmoid")
    function, slope = plot.curves
    for value in (-2.0, 0.0, 1.5):
        i = int(np.argmin(abs(function.x - value)))
        assert function.y[i] == pytest.approx(1 / (1 + math.exp(-function.x[i])))
        s = 1 / (1 + math.exp(-function.x[i]))
        assert slope.y[i] == pytest.approx(s * (1 - s), abs=1e-3)
    assert slope.dashed and not function.dashed


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    e = np.linspace(-3, 3, 13)
    t = torch.zeros(len(e), dtype=torch.float64)
    out = torch.tensor(e, dtype=torch.float64)
    huber = nn.HuberLoss(reduction="none", delta=0.7)(out, t).numpy()
    np.testing.assert_allclose(curves.huber(e, 0.7), huber)
    smooth = nn.SmoothL1Loss(reduction="none", beta=0.7)(out, t).numpy()
    np.testing.assert_allclose(curves.smooth_l1(e, 0.7), smooth)
    target_one = curves.plot_for("loss:bce").curves[0]
    logits = torch.tensor(target_one.x[::25], dtype=torch.float64)
    bce = nn.BCEWithLogitsLoss(reduction="none")(logits, torch.ones_like(logits)).numpy()
    np.testing.assert_allclose(target_one.y[::25], bce, rtol=1e-6)
    # two classes, the true class first: margin z = score0 - score1
    scores = torch.tensor(np.stack([e, np.zeros_like(e)], axis=1), dtype=torch.float64)
    labels = torch.zeros(len(e), dtype=torch.long)
    ce = nn.CrossEntropyLoss(reduction="none", label_smoothing=0.1)(scores, labels).numpy()
    np.testing.assert_allclose(curves.cross_entropy_two(e, 0.1), ce, rtol=1e-6)


def test_every_loss_but_auto_has_a_plot():
    for name in LOSSES:
        plot = curves.plot_for(entry(f"loss:{name}").plot)
        assert (plot is None) == (name == "auto"), name
