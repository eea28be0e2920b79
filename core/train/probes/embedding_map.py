"""A 2-D map of the word vectors an Embedding learns: its rows of the most frequent words of the
training split, projected onto their two principal components (PCA), as training goes.

Words that the network comes to use alike drift together. The words are chosen once (their
counts in the token ids the Embedding reads, over the training split); each snapshot projects
their current rows. The sign of each axis follows the previous snapshot, so the picture does
not mirror itself from one second to the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.train.probes.base import Probe, Sink, probe_rows
from core.train.probes.registry import PROBES, ProbeSpec
from core.train.probes.tokens import (SPECIAL_IDS, column_read, decoder, embedding_modules,
                                      embedding_table, features_read, text_columns)

#: Training rows whose token ids are counted (a fixed random subset of larger splits): plenty
#: to rank the 150 most frequent words.
COUNT_ROWS = 50_000
#: How the words were chosen: by their count in the training split, or, when the features the
#: Embedding reads are not known, by token id (a word-level tokenizer numbers its words from
#: the most frequent down; BPE and WordPiece number pieces otherwise).
BY_FREQUENCY, BY_ID = "frequency", "token id"


@dataclass
class EmbeddingMap:
    """The Embedding ``node_id``'s rows of ``words`` projected to 2-D.

    ``points[i]`` is word ``i``'s position on the first two principal components of the
    rows (centred on their mean); ``explained`` is the share of their variance each axis
    holds. Words are ordered from the most frequent; PAD and UNK are never among them.
    ``ids``, ``words`` and ``counts`` are the same arrays in every snapshot of a run.
    """

    kind: str
    epoch: int
    batch: int | None  # None at the end of an epoch
    step: int
    node_id: str
    column: str | None  # the text column the Embedding reads, when known
    ids: np.ndarray  # int64 (K,) token ids
    words: list[str]
    counts: np.ndarray  # int64 (K,) in the training split's token ids (zeros when ranked by id)
    points: np.ndarray  # float32 (K, 2)
    explained: np.ndarray = field(default_factory=lambda: np.zeros(2, np.float32))  # float32 (2,)
    ranking: str = BY_FREQUENCY
    dim: int = 0  # the embedding's width


def pca_2d(rows: np.ndarray, previous: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(K, D)`` rows -> ``(K, 2)`` coordinates on their first two principal components and
    the share of the variance on each (float64 SVD of the centred rows).

    Each axis's sign is chosen so the points correlate positively with ``previous`` (the last
    picture, same words); without one, so the point farthest out on the axis is positive."""
    x = np.asarray(rows, np.float64)
    x = x - x.mean(0, keepdims=True)
    u, s, _vt = np.linalg.svd(x, full_matrices=False)
    points = np.zeros((len(x), 2))
    axes = min(2, len(s))
    points[:, :axes] = u[:, :axes] * s[:axes]
    total = float(np.sum(s ** 2))
    explained = np.zeros(2)
    if total > 0:
        explained[:axes] = s[:axes] ** 2 / total
    for a in range(2):
        if previous is not None and previous.shape == points.shape:
            flip = float(points[:, a] @ previous[:, a]) < 0
        else:
            far = int(np.argmax(np.abs(points[:, a]))) if len(points) else 0
            flip = len(points) > 0 and points[far, a] < 0
        if flip:
            points[:, a] = -points[:, a]
    return points, explained


class EmbeddingMapProbe(Probe):
    """For data with text and a network with an Embedding: the ``words`` most frequent words'
    vectors on their first two principal components (the first text Embedding)."""

    def __init__(self, sink: Sink, *, words: int = 150, every_batches: int | None = None,
                 every_seconds: float | None = 1.0, at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.words = words
        #: How the words were chosen (:data:`BY_FREQUENCY` or :data:`BY_ID`), once prepared.
        self.ranking = BY_FREQUENCY
        self._table = None  # the Embedding's weight (a Parameter: always the current values)
        self._name, self._column = "", None
        self._ids = np.zeros(0, np.int64)
        self._index = None  # the ids as a tensor on the table's device
        self._words: list[str] = []
        self._counts = np.zeros(0, np.int64)
        self._previous: np.ndarray | None = None

    @staticmethod
    def applies(info) -> bool:
        return int(getattr(info, "vocab_size", 0) or 0) > 0

    def prepare(self, trainer) -> None:
        self._table, self._previous = None, None
        embeddings = embedding_modules(trainer.module)
        if not self.applies(trainer.info) or not embeddings:
            self.enabled = False
            return
        columns = text_columns(trainer.dataset.preprocessing)
        features = features_read(trainer, embeddings)
        # the first Embedding that reads a text column; else the first one
        chosen = next(((name, module) for name, module in embeddings
                       if column_read(features[name], columns) is not None), embeddings[0])
        name, module = chosen
        column = column_read(features[name], columns)
        table = embedding_table(module)
        rows = table.shape[0]
        if features[name] is not None and column is not None:
            counts = self._count(trainer.dataset.train, features[name], rows)
            order = np.lexsort((np.arange(rows), -counts))  # most frequent first, then by id
            ids = order[counts[order] > 0][: self.words]
            self.ranking, self._counts = BY_FREQUENCY, counts[ids]
        else:
            ids = np.array([i for i in range(rows) if i not in SPECIAL_IDS][: self.words], np.int64)
            self.ranking, self._counts = BY_ID, np.zeros(len(ids), np.int64)
        if len(ids) < 2:
            self.enabled = False
            return
        self._ids, self._index = ids.astype(np.int64), None
        self._table, self._name = table, name
        self._column = column.name if column is not None else None
        self._words = decoder(column)(self._ids)

    @staticmethod
    def _count(train, features: np.ndarray, rows: int) -> np.ndarray:
        """How often each token id occurs where the Embedding reads, over the training split
        (at most :data:`COUNT_ROWS` rows); PAD and UNK count 0."""
        picked = probe_rows(train, COUNT_ROWS, seed=3)
        ids = np.asarray(train.x[picked][:, features]).astype(np.int64).reshape(-1)
        ids = ids[(ids >= 0) & (ids < rows)]
        counts = np.bincount(ids, minlength=rows).astype(np.int64)
        counts[list(SPECIAL_IDS)] = 0
        return counts

    def compute(self, trainer, epoch, batch, step) -> EmbeddingMap | None:
        import torch

        if self._table is None:
            return None
        table = self._table
        if self._index is None or self._index.device != table.device:
            self._index = torch.from_numpy(self._ids).to(table.device)
        with torch.no_grad():
            rows = table.detach().index_select(0, self._index).float().cpu().numpy()
        points, explained = pca_2d(rows, self._previous)
        self._previous = points
        return EmbeddingMap("embedding_map", epoch, batch, step, self._name, self._column, self._ids,
                            self._words, self._counts, points.astype(np.float32),
                            explained.astype(np.float32), self.ranking, int(table.shape[1]))


PROBES.register(ProbeSpec(
    name="embedding_map", title="Embeddings",
    doc="Text with an Embedding: the vectors of the most frequent words on their two principal components.",
    make=EmbeddingMapProbe, snapshot=EmbeddingMap, views=("embedding_map",), part="embedding_map",
    applies=EmbeddingMapProbe.applies))
