"""What every data source produces: :class:`DataInfo` (cheap facts) and :class:`Dataset`.

Arrays are preprocessed already (scaled, encoded, resized); ``preprocessing`` is the
JSON-able description of that transform, fitted on the training split only, which
is saved beside a trained model so that prediction and export apply the same one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any, Callable

import numpy as np

from core.shapes import DataShapes

from core.tasks import CLASSIFICATION, MULTILABEL, RECONSTRUCTION, REGRESSION  # noqa: F401
from core.tasks import TASK_NAMES as TASKS
from core.tasks import TASKS as TASK_SPECS


@dataclass
class DataInfo:
    """What the network needs to know about the data, without the data itself."""

    input_shape: tuple[int, ...]
    task: str
    class_names: list[str] | None = None
    target_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    #: The table column each feature came from (``colour`` for ``colour=red``), in feature
    #: order; empty for images. An Input node's ``columns`` picks features by these names.
    feature_columns: list[str] = field(default_factory=list)
    #: The largest vocabulary of the data's text columns (token ids are 0..vocab_size-1,
    #: 0 the padding, 1 an unknown word); 0 when the data has no text. An Embedding without
    #: a num_embeddings of its own is this wide.
    vocab_size: int = 0
    samples: int = 0
    description: str = ""
    #: Problems that do not stop training but a person should see (the Problems panel shows
    #: them as warnings), e.g. a validation split that comes out empty. Also in the notes.
    warnings: list[str] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return len(self.class_names or [])

    def target_shape(self, loss: str = "auto") -> tuple[int, ...]:
        """The shape of the Output for this data and loss (the task's rule: two classes get
        a single logit with the default loss, and two when the person chose ``cross_entropy``)."""
        return tuple(TASK_SPECS.get(self.task).output_shape(self, loss))

    def shapes(self, loss: str = "auto") -> DataShapes:
        columns = tuple(self.feature_columns) if len(self.input_shape) == 1 else ()
        return DataShapes(tuple(self.input_shape), self.target_shape(loss), columns, self.task,
                          self.num_classes, self.vocab_size)

    def summary(self) -> str:
        """One line for the CLI and the status bar."""
        shape = "×".join(map(str, self.input_shape))
        what = TASK_SPECS.get(self.task).describe(self) if self.task in TASK_SPECS else self.task
        return f"{self.samples} samples, input {shape}, {what}"


@dataclass
class Split:
    """One split of the data, preprocessed.

    ``x`` is float32 ``(N, *input_shape)``; it may be a ``numpy.memmap`` for data larger
    than memory. ``y`` is int64 ``(N,)`` for classification, float32 ``(N, k)`` for
    regression and multilabel, and ``None`` for reconstruction (the target is ``x``).
    ``ids`` name the samples (row numbers or file paths) for predictions: a list of
    strings, or for tables a :class:`RowIds` (a read-only sequence of strings).
    """

    x: np.ndarray
    y: np.ndarray | None
    ids: "Sequence[str] | None" = None

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass
class Dataset:
    """Loaded data, ready for training."""

    info: DataInfo
    train: Split
    validation: Split | None
    test: Split | None
    preprocessing: dict[str, Any]
    fingerprint: str = ""
    notes: list[str] = field(default_factory=list)
    #: Optional random augmentation applied to training batches on the device:
    #: ``augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor``.
    augment: Callable[..., Any] | None = None
    #: If set, the split is chronological and must not be shuffled across time.
    chronological: bool = False
    #: What the loader understood, for people (``layerforge check``, the import dialogs):
    #: ``rows``/``images``, ``format``, ``columns`` (name, role, type, missing, summary),
    #: ``classes`` ([name, count] over all splits), ``skipped`` ([file, reason]).
    schema: dict[str, Any] = field(default_factory=dict)


def class_table(dataset: "Dataset") -> list[list[Any]]:
    """``[[class name, samples], ...]`` over all splits of a classification dataset."""
    names = dataset.info.class_names or []
    counts = np.zeros(len(names), np.int64)
    for part in (dataset.train, dataset.validation, dataset.test):
        if part is not None and part.y is not None:
            counts += np.bincount(part.y, minlength=len(names))[:len(names)]
    return [[name, int(count)] for name, count in zip(names, counts)]


class RowIds(Sequence):
    """Sample ids of a table as a read-only sequence of strings, stored as integers.

    Behaves like ``list[str]`` for reading (``len``, indexing, slicing, iteration,
    ``index``, ``==`` with a list) but holds a million ids in 8 MB instead of 60 MB.
    """

    __slots__ = ("numbers",)

    def __init__(self, numbers) -> None:
        self.numbers = np.asarray(numbers, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return RowIds(self.numbers[index])
        return str(int(self.numbers[index]))

    def __iter__(self):
        return (str(n) for n in self.numbers.tolist())

    def __eq__(self, other) -> bool:
        if isinstance(other, RowIds):
            return bool(np.array_equal(self.numbers, other.numbers))
        if isinstance(other, (list, tuple)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(repr(s) for s in self[:5])
        return f"RowIds([{shown}{', ...' if len(self) > 5 else ''}], {len(self)} rows)"

    def index(self, value, start: int = 0, stop: int | None = None) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not in the ids") from None
        hits = np.flatnonzero(self.numbers[start:stop] == number)
        if not len(hits):
            raise ValueError(f"{value!r} is not in the ids")
        return int(hits[0]) + start

    def tolist(self) -> list[str]:
        return list(self)


class Cancelled(Exception):
    """Raised by a loader when its ``cancel()`` callback says so."""


ProgressCallback = Callable[[float, str], None]
CancelCallback = Callable[[], bool]
