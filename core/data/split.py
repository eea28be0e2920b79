"""Train / validation / test splits: seeded, optionally stratified or chronological."""

from __future__ import annotations

import numpy as np

from core.errors import DataError


def check_fractions(validation: float, test: float) -> None:
    for name, value in (("validation", validation), ("test", test)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise DataError(f"data.split.{name} must be a fraction from 0 to below 1, got {value!r}")
    if validation + test >= 0.9:
        raise DataError("data.split leaves less than 10% of the rows for training:"
                        " make validation + test smaller")


def split_indices(n: int, validation: float = 0.2, test: float = 0.0,
                  stratify: np.ndarray | None = None, seed: int = 0,
                  chronological: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of the train, validation and test parts of ``n`` samples.

    Stratified splits keep each class's share in every part (classes too small to
    split go to training). Chronological splits keep order: train, then validation,
    then test, never shuffled.
    """
    check_fractions(validation, test)
    if chronological:
        n_test = int(round(n * test))
        n_val = int(round(n * validation))
        n_train = n - n_val - n_test
        idx = np.arange(n)
        return idx[:n_train], idx[n_train:n_train + n_val], idx[n_train + n_val:]
    rng = np.random.default_rng(seed)
    if stratify is None:
        groups = [np.arange(n)]
    else:
        labels = np.asarray(stratify)
        groups = [np.flatnonzero(labels == value) for value in np.unique(labels)]
    train, val, test_part = [], [], []
    for group in groups:
        group = rng.permutation(group)
        n_test = int(round(len(group) * test))
        n_val = int(round(len(group) * validation))
        if len(group) - n_test - n_val < 1:
            train.append(group)
            continue
        test_part.append(group[:n_test])
        val.append(group[n_test:n_test + n_val])
        train.append(group[n_test + n_val:])

    def join(parts: list[np.ndarray]) -> np.ndarray:
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)

    return join(train), join(val), join(test_part)
