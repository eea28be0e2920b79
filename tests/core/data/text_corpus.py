"""An easy generated corpus for the text-column tests: two classes that use different words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

GOOD = ["good", "great", "fine", "lovely", "superb", "nice", "happy", "bright", "warm", "kind"]
BAD = ["bad", "awful", "poor", "sad", "dull", "ugly", "grim", "weak", "cold", "rude"]


def sentences(rows: int, seed: int = 0, low: int = 3, high: int = 12) -> tuple[list[str], list[str]]:
    """``(texts, labels)``: class ``pos`` (even rows) uses words of GOOD, ``neg`` of BAD."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(rows):
        words = GOOD if i % 2 == 0 else BAD
        texts.append(" ".join(rng.choice(words, rng.integers(low, high))))
        labels.append("pos" if i % 2 == 0 else "neg")
    return texts, labels


def table(texts, labels, extra: dict[str, list[str]] | None = None) -> str:
    """CSV text: ``review`` (quoted), the ``extra`` columns, ``label``."""
    extra = extra or {}
    lines = [",".join(["review", *extra, "label"])]
    for i, (text, label) in enumerate(zip(texts, labels)):
        lines.append(",".join([f'"{text}"', *(values[i] for values in extra.values()), label]))
    return "\n".join(lines) + "\n"


def text_project(folder: Path, rows: int = 400, epochs: int = 3, max_length: int | None = None,
                 seed: int = 4) -> Path:
    """``reviews.csv`` and a project Input(columns=[review]) -> Embedding -> Flatten -> Output."""
    from core.data import describe

    folder.mkdir(parents=True, exist_ok=True)
    texts, labels = sentences(rows, seed=seed)
    (folder / "reviews.csv").write_text(table(texts, labels), encoding="utf-8")
    data = {"kind": "csv", "path": "reviews.csv", "target": "label",
            "split": {"validation": 0.25, "seed": 0}}
    if max_length is not None:
        data["text_options"] = {"max_length": max_length}
    vocab = describe(data, folder).vocab_size  # the Embedding sized by hand to the vocabulary
    project = {
        "format": "layerforge.project", "format_version": 1, "name": "Reviews",
        "graph": {"nodes": [{"id": "words", "type": "Input", "params": {"columns": ["review"]}},
                            {"id": "embed", "type": "Embedding",
                             "params": {"num_embeddings": vocab, "embedding_dim": 8, "padding_idx": 0}},
                            {"id": "flat", "type": "Flatten", "params": {}},
                            {"id": "output", "type": "Output", "params": {}}],
                  "edges": [{"source": "words", "target": "embed"}, {"source": "embed", "target": "flat"},
                            {"source": "flat", "target": "output"}]},
        "data": data,
        "training": {"epochs": epochs, "batch_size": 32, "learning_rate": 0.02, "optimizer": "adam",
                     "seed": 0},
    }
    path = folder / "reviews.lfproj"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path
