"""Metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.data.dataset import CLASSIFICATION, MULTILABEL, REGRESSION
from core.train.metrics import (Accumulator, classification_metrics, multilabel_metrics,
                                per_class_metrics, regression_metrics)


def test_classification_metrics_by_hand():
    # rows = true class, columns = predicted
    confusion = np.array([[5, 1, 0],
                          [2, 3, 1],
                          [0, 0, 0]])  # class 2 never occurs and is never predicted
    m = classification_metrics(confusion)
    assert m["accuracy"] == pytest.approx(8 / 12)
    p = [5 / 7, 3 / 4, 0.0]
    r = [5 / 6, 3 / 6, 0.0]
    f = [2 * a * b / (a + b) if a + b else 0.0 for a, b in zip(p, r)]
    assert m["precision"] == pytest.approx(sum(p) / 3)
    assert m["recall"] == pytest.approx(sum(r) / 3)
    assert m["f1"] == pytest.approx(sum(f) / 3)
    per = per_class_metrics(confusion)
    assert per["support"].tolist() == [6, 6, 0]
    assert per["precision"] == pytest.approx(p)


def test_regression_metrics_by_hand():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([1.5, 2.0, 2.0, 5.0])
    err = pred - y
    sums = np.array([[4, np.abs(err).sum(), (err ** 2).sum(), y.sum(), (y ** 2).sum()]])
    m = regression_metrics(sums)
    assert m["mae"] == pytest.approx(np.abs(err).mean())
    assert m["rmse"] == pytest.approx(math.sqrt((err ** 2).mean()))
    assert m["r2"] == pytest.approx(1 - (err ** 2).sum() / ((y - y.mean()) ** 2).sum())


def test_multilabel_metrics_by_hand():
    counts = np.array([[2, 1, 0, 1],   # label 0: tp fp fn tn
                       [0, 0, 2, 2]])  # label 1: never predicted
    m = multilabel_metrics(counts)
    assert m["accuracy"] == pytest.approx(5 / 8)
    assert m["precision"] == pytest.approx((2 / 3 + 0) / 2)
    assert m["recall"] == pytest.approx((1 + 0) / 2)


def test_accumulator_builds_the_confusion_matrix_from_batches_in_drawing_order():
    labels = torch.tensor([0, 1, 2, 2, 1, 0])
    order = torch.tensor([5, 3, 0, 1, 4, 2])  # the order samples were drawn
    logits = torch.eye(3)[torch.tensor([0, 2, 0, 0, 1, 1])] * 5  # predictions in drawing order
    acc = Accumulator(CLASSIFICATION, 6, "cpu", num_classes=3)
    acc.add_loss(torch.tensor(0.5), 4)
    acc.update(logits[:4], 0, 4)
    acc.add_loss(torch.tensor(1.0), 2)
    acc.update(logits[4:], 4, 6)
    result = acc.compute(acc.totals(order, labels))
    truth = labels[order].tolist()  # [0, 2, 0, 1, 1, 2]
    expected = np.zeros((3, 3), int)
    for t, p in zip(truth, [0, 2, 0, 0, 1, 1]):
        expected[t, p] += 1
    assert result.confusion.tolist() == expected.tolist()
    assert result.loss == pytest.approx((0.5 * 4 + 1.0 * 2) / 6)
    assert result.metrics["accuracy"] == pytest.approx(4 / 6)


def test_binary_accumulator_reads_one_logit():
    acc = Accumulator(CLASSIFICATION, 4, "cpu", num_classes=2, binary=True)
    acc.add_loss(torch.tensor(0.1), 4)
    acc.update(torch.tensor([[2.0], [-1.0], [0.5], [-3.0]]), 0, 4)
    result = acc.compute(acc.totals(torch.arange(4), torch.tensor([1, 0, 0, 1])))
    assert result.confusion.tolist() == [[1, 1], [1, 1]]


def test_regression_accumulator_reports_original_units():
    scaled_truth = torch.tensor([[0.0], [1.0], [-1.0]])
    scaled_pred = torch.tensor([[0.5], [1.0], [-2.0]])
    acc = Accumulator(REGRESSION, 3, "cpu", outputs=1,
                      target_scaling={"mean": [100.0], "scale": [10.0]})
    acc.add_loss(torch.tensor(0.0), 3)
    acc.update(scaled_pred, 0, 3)
    m = acc.compute(acc.totals(torch.arange(3), scaled_truth)).metrics
    assert m["mae"] == pytest.approx((5 + 0 + 10) / 3)
    assert m["rmse"] == pytest.approx(math.sqrt((25 + 0 + 100) / 3))
    truth = np.array([100.0, 110.0, 90.0])
    pred = np.array([105.0, 110.0, 80.0])
    assert m["r2"] == pytest.approx(1 - ((pred - truth) ** 2).sum() / ((truth - truth.mean()) ** 2).sum())


def test_multilabel_accumulator():
    acc = Accumulator(MULTILABEL, 2, "cpu", outputs=2)
    acc.add_loss(torch.tensor(0.0), 2)
    acc.update(torch.tensor([[1.0, -1.0], [1.0, 1.0]]), 0, 2)
    m = acc.compute(acc.totals(torch.arange(2), torch.tensor([[1.0, 0.0], [0.0, 1.0]]))).metrics
    assert m["accuracy"] == pytest.approx(3 / 4)
