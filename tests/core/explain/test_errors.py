"""Errors first: the misclassified samples, most confident first; a confusion cell; the
largest regression errors."""

from __future__ import annotations

import numpy as np

from core.explain.errors import confusion_cell, errors_first, largest_errors, misclassified
from core.explain.samples import Predictions

TRUTH = np.array([0, 1, 2, 1, 0, 2])
PROBS = np.array([[0.9, 0.05, 0.05],   # right
                  [0.6, 0.3, 0.1],     # wrong (0), 0.6
                  [0.1, 0.85, 0.05],   # wrong (1), 0.85
                  [0.2, 0.7, 0.1],     # right
                  [0.3, 0.1, 0.6],     # wrong (2), 0.6
                  [0.05, 0.95, 0.0]])  # wrong (1), 0.95


def test_misclassified_most_confident_first():
    assert misclassified(TRUTH, PROBS).tolist() == [5, 2, 1, 4]  # ties keep their order


def test_a_confusion_cell_holds_its_samples():
    assert confusion_cell(TRUTH, PROBS, true_class=2, predicted_class=1).tolist() == [5, 2]
    assert confusion_cell(TRUTH, PROBS, true_class=1, predicted_class=1).tolist() == [3]
    assert confusion_cell(TRUTH, PROBS, true_class=0, predicted_class=2).tolist() == [4]
    assert confusion_cell(TRUTH, PROBS, true_class=2, predicted_class=2).tolist() == []


def test_largest_regression_errors_first():
    truth = np.array([[1.0], [5.0], [2.0], [0.0]])
    predicted = np.array([[1.5], [1.0], [2.0], [-3.0]])
    assert largest_errors(truth, predicted).tolist() == [1, 3, 0, 2]


def test_errors_first_follows_the_task():
    assert errors_first(TRUTH, Predictions("classification", ["a", "b", "c"], probabilities=PROBS)).tolist() \
        == [5, 2, 1, 4]
    values = np.array([[0.0], [3.0]])
    assert errors_first(np.array([[0.0], [0.0]]), Predictions("regression", ["y"], values=values)).tolist() == [1, 0]
    assert errors_first(None, Predictions("classification", [], probabilities=PROBS)).tolist() == []
