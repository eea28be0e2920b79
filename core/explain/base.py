"""The plain objects attributions are handed around as: no torch, no Qt.

An :class:`Explanation` is what one method made of a batch of samples (numpy arrays and
names), ready for the CLI's files and the designer's views. :class:`ExplainError` is a
person's mistake (a run without a convolution asked for Grad-CAM, a missing package) in
one sentence, like every other :class:`~core.errors.LayerForgeError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.errors import LayerForgeError

#: What a sample is, for showing its attribution: a picture, a table row, a time window.
IMAGE, TABLE, SEQUENCE = "image", "table", "sequence"


class ExplainError(LayerForgeError):
    """Attributions cannot be computed as asked; the message says what to do instead."""


@dataclass(frozen=True)
class SpatialLayer:
    """A convolution layer whose output is a stack of 2-D maps ``(C, H, W)``: a place for Grad-CAM."""

    node_id: str
    type: str
    shape: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.node_id} ({self.type}, {'×'.join(map(str, self.shape))})"


@dataclass
class TextAttribution:
    """One text column of each sample: its tokens (padding left out) and their attributions."""

    column: str
    tokens: list[list[str]]
    values: list[np.ndarray]  # float32 (tokens,) per sample


@dataclass
class Explanation:
    """Attributions of ``method`` for ``len(ids)`` samples.

    ``values`` has one attribution per input feature (``(N, *input_shape)``, in the model's
    preprocessed input space); the rest is what people look at: ``heatmaps`` ``(N, H, W)``
    for images, ``column_values`` ``(N, len(columns))`` for tables and sequences (named by
    the CSV's columns, one-hot features and tokens summed into their column), ``texts`` for
    text columns. ``target`` is the output explained per sample (a class index, or an
    output index for regression), ``target_names`` its name.
    """

    method: str
    title: str
    kind: str
    ids: list[str]
    inputs: np.ndarray  # encoded, unscaled (N, *input_shape): pixels in [0, 1], raw table values
    values: np.ndarray
    target: np.ndarray
    target_names: list[str]
    predictions: list[str]
    confidence: np.ndarray  # (N,) probability of the predicted class; NaN without classes
    columns: list[str] = field(default_factory=list)
    column_values: np.ndarray | None = None
    heatmaps: np.ndarray | None = None
    texts: list[TextAttribution] = field(default_factory=list)
    layer: str | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def signed(self) -> bool:
        """Whether the method's values have a sign (integrated gradients: towards or away
        from the output) or are magnitudes only (saliency, SmoothGrad, Grad-CAM)."""
        from core.explain.registry import METHODS

        return self.method in METHODS and METHODS.get(self.method).signed


@dataclass
class ColumnRanking:
    """Mean |attribution| of each column over ``samples`` samples, largest first."""

    method: str
    columns: list[str]
    mean_abs: np.ndarray  # float64 (columns,)
    samples: int
    split: str

    def rows(self) -> list[tuple[str, float]]:
        return [(c, float(v)) for c, v in zip(self.columns, self.mean_abs)]
