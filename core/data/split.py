"""Train / validation / test splits: seeded, optionally stratified or chronological."""

from __future__ import annotations

from typing import Sequence

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
        n_val, n_test = _group_sizes(len(group), validation, test)
        if n_val + n_test == 0:
            train.append(group)
            continue
        test_part.append(group[:n_test])
        val.append(group[n_test:n_test + n_val])
        train.append(group[n_test + n_val:])

    def join(parts: list[np.ndarray]) -> np.ndarray:
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)

    return join(train), join(val), join(test_part)


def _group_sizes(n: int, validation: float, test: float) -> tuple[int, int]:
    """Validation and test rows of one group; a group too small to split stays in training."""
    n_test = int(round(n * test))
    n_val = int(round(n * validation))
    if n - n_test - n_val < 1:
        return 0, 0
    return n_val, n_test


def split_sizes(groups: Sequence[int], validation: float, test: float) -> tuple[int, int, int]:
    """Train, validation and test sizes :func:`split_indices` gives for groups (classes of a
    stratified split, or one group of every sample) of these sizes, without any indices."""
    n_val = n_test = 0
    for size in groups:
        val, tst = _group_sizes(int(size), validation, test)
        n_val, n_test = n_val + val, n_test + tst
    total = int(sum(groups))
    return total - n_val - n_test, n_val, n_test


def empty_split_warnings(sizes: Sequence[int], validation: float, test: float, unit: str = "rows",
                         class_sizes: Sequence[int] | None = None) -> list[str]:
    """A sentence for each split that was asked for (fraction above 0) but came out empty.

    ``sizes`` are the train, validation and test sizes; ``class_sizes`` are given when the
    split was stratified, and the sentence then says when an unstratified split would help.
    """
    total = int(sum(sizes))
    warnings = []
    for index, (name, fraction) in enumerate((("validation", validation), ("test", test)), 1):
        if fraction <= 0 or sizes[index] > 0:
            continue
        without = f"or set data.split.{name} to 0 to train without a {name} split"
        if class_sizes is not None and len(class_sizes) > 1 and split_sizes([total], validation, test)[index]:
            warnings.append(f"the {name} split is empty ({total:,} {unit} in {len(class_sizes)} classes,"
                            f" too few per class for a split that keeps each class's share): add"
                            f" {unit}, set data.split.stratify to false, {without}")
        else:
            warnings.append(f"the {name} split is empty ({total:,} {unit} in all): add {unit}, raise"
                            f" data.split.{name}, {without}")
    return warnings
