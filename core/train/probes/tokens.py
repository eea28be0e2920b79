"""What the text probes share: the network's Embeddings, which input features (token ids) each
reads, the text column those come from and the words of its tokenizer.

Runs in the training thread (torch is imported inside the functions). A table's text column
is ``max_length`` features of token ids (``core.data.encoder``: 0 the padding, 1 an unknown
word); an Embedding usually reads them straight from an Input, which may pick them out of
the table's features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.data.encoder import PAD_ID, UNK_ID

#: Ids that are not words: the padding and the unknown word.
SPECIAL_IDS = (PAD_ID, UNK_ID)


@dataclass
class TextColumn:
    """A text column of the table: its ``preprocessing.json`` entry and its feature span."""

    name: str
    start: int
    stop: int
    column: dict[str, Any]

    def covers(self, features: np.ndarray) -> bool:
        return len(features) > 0 and bool(np.all((features >= self.start) & (features < self.stop)))


def text_columns(preprocessing: dict[str, Any] | None) -> list[TextColumn]:
    """The table's text columns with the features they fill, in feature order."""
    from core.data.encoder import is_text, width

    found, start = [], 0
    for column in ((preprocessing or {}).get("table") or {}).get("columns") or []:
        span = width(column)
        if is_text(column):
            found.append(TextColumn(str(column.get("name")), start, start + span, column))
        start += span
    return found


def embedding_modules(module) -> list[tuple[str, Any]]:
    """The network's token Embeddings among its layers (node id, module): LayerForge's
    ``TokenEmbedding`` and a plain ``nn.Embedding``."""
    from torch import nn

    from core.layers.torch_modules import TokenEmbedding

    return [(name, sub) for name, sub in module.named_children()
            if isinstance(sub, (TokenEmbedding, nn.Embedding))]


def embedding_table(embedding):
    """The ``(num_embeddings, dim)`` weight of a TokenEmbedding or an ``nn.Embedding``."""
    inner = getattr(embedding, "embedding", embedding)
    return inner.weight


def features_read(trainer, embeddings: list[tuple[str, Any]]) -> dict[str, np.ndarray | None]:
    """For each Embedding, the input features its token positions come from (None when it does
    not read the ids straight from an Input).

    One forward pass in eval mode on a row whose feature ``f`` holds the number ``f``: each
    Embedding's input then *is* the list of features it reads. Every Embedding is handed zeros
    instead, so no lookup goes past its table (on a GPU that would end the process).
    """
    import torch

    shape = tuple(trainer.info.input_shape)
    found: dict[str, np.ndarray | None] = {name: None for name, _m in embeddings}
    if len(shape) != 1 or not embeddings:
        return found
    seen: dict[str, Any] = {}

    def capture(name):
        def hook(_module, args):
            seen[name] = args[0].detach().float().cpu().clone()
            return (torch.zeros_like(args[0]),) + tuple(args[1:])
        return hook

    handles = [module.register_forward_pre_hook(capture(name)) for name, module in embeddings]
    device = trainer.placement.device
    try:
        with trainer.evaluating():
            trainer.module(torch.arange(shape[0], dtype=torch.float32, device=device).unsqueeze(0))
    except Exception:  # noqa: BLE001 - a network this trick does not suit: no positions
        return found
    finally:
        for handle in handles:
            handle.remove()
    for name, values in seen.items():
        flat = values.reshape(-1).numpy()
        if len(flat) and np.all(flat == np.round(flat)) and flat.min() >= 0 and flat.max() < shape[0]:
            found[name] = flat.astype(np.int64)
    return found


def column_read(features: np.ndarray | None, columns: list[TextColumn]) -> TextColumn | None:
    """The text column whose features an Embedding reads: the one covering ``features``, or,
    when they are not known, the only text column there is."""
    if features is not None:
        return next((c for c in columns if c.covers(features)), None)
    return columns[0] if len(columns) == 1 else None


def decoder(column: TextColumn | None):
    """``words(ids) -> list[str]`` with the column's tokenizer (``#id`` where it has none)."""
    tokenizer = None
    if column is not None:
        try:
            from core.data.encoder import text_tokenizer

            tokenizer = text_tokenizer(column.column)
        except Exception:  # noqa: BLE001 - no tokenizer (tokenizers missing): ids still show
            tokenizer = None

    def words(ids) -> list[str]:
        out = []
        for token in np.asarray(ids, np.int64).tolist():
            word = tokenizer.id_to_token(int(token)) if tokenizer is not None else None
            out.append(word if word is not None else f"#{token}")
        return out

    return words
