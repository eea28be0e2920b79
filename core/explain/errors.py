"""Errors first: which samples the network gets wrong, the most confident mistakes first.

Plain numpy over the true labels and the predictions of a split, so the Results view,
the Explain view and tests share one rule. Ties keep the samples' order (stable sorts).
"""

from __future__ import annotations

import numpy as np


def misclassified(truth: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Indices of the samples whose predicted class is not the true one, most confident first."""
    truth = np.asarray(truth, np.int64).reshape(-1)
    probabilities = np.asarray(probabilities, np.float64)
    predicted = probabilities.argmax(1)
    wrong = np.flatnonzero(predicted != truth)
    return wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")]


def confusion_cell(truth: np.ndarray, probabilities: np.ndarray, true_class: int,
                   predicted_class: int) -> np.ndarray:
    """Indices of the samples of one confusion-matrix cell (row = true class, column =
    predicted class), most confident first."""
    truth = np.asarray(truth, np.int64).reshape(-1)
    probabilities = np.asarray(probabilities, np.float64)
    predicted = probabilities.argmax(1)
    rows = np.flatnonzero((truth == int(true_class)) & (predicted == int(predicted_class)))
    return rows[np.argsort(-probabilities[rows, predicted_class], kind="stable")]


def absolute_errors(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Per sample, the absolute error summed over the targets (original units)."""
    truth = np.asarray(truth, np.float64).reshape(len(truth), -1)
    predicted = np.asarray(predicted, np.float64).reshape(len(predicted), -1)
    return np.abs(predicted - truth).sum(1)


def largest_errors(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Indices of regression samples, the largest absolute error first."""
    return np.argsort(-absolute_errors(truth, predicted), kind="stable")


def errors_first(truth: np.ndarray | None, predictions) -> np.ndarray:
    """The samples to look at first for :class:`~core.explain.samples.Predictions`: the
    misclassified ones (classification), else the largest errors (regression); empty when
    there is nothing to compare with."""
    if truth is None:
        return np.zeros(0, np.int64)
    if predictions.task == "classification" and predictions.probabilities is not None:
        return misclassified(truth, predictions.probabilities)
    if predictions.task == "regression" and predictions.values is not None:
        return largest_errors(truth, predictions.values)
    return np.zeros(0, np.int64)
