"""Tiny projects and datasets that train in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data import load
from core.data.dataset import CLASSIFICATION, REGRESSION, DataInfo, Dataset, Split
from core.project import Project
from core.train.callbacks import Callback
from tests.core.helpers import chain

MLP = (("fc1", "Linear", {"out_features": 16}), ("relu1", "ReLU", {}),
       ("fc2", "Linear", {"out_features": 16}), ("relu2", "ReLU", {}))


def project(tmp_path: Path | None = None, *, layers=MLP, data=None, training=None,
            name: str = "Tiny") -> Project:
    """Input -> layers -> Output on 120 'gaussian' points (3 classes), saved in ``tmp_path``."""
    data = data if data is not None else {"kind": "builtin", "name": "gaussian", "samples": 120,
                                          "classes": 3, "noise": 0.05, "seed": 0}
    training = training if training is not None else {"epochs": 3, "batch_size": 16, "seed": 0}
    proj = Project(name=name, graph=chain(*layers), data=data, training=training)
    if tmp_path is not None:
        proj.save(tmp_path / f"{name.lower()}.lfproj")
    return proj


def dataset(proj: Project) -> Dataset:
    return load(proj.data, proj.directory)


def regression_dataset(n: int = 96, targets: int = 1, seed: int = 0, scale: float = 10.0) -> Dataset:
    """y = x·w + noise, stored scaled as ``target_scaling`` says (the data contract)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    w = rng.normal(size=(3, targets)).astype(np.float32)
    y = x @ w + 0.05 * rng.normal(size=(n, targets)).astype(np.float32)
    mean, std = y.mean(0), y.std(0)
    y_scaled = ((y - mean) / std).astype(np.float32)
    names = [f"t{i}" for i in range(targets)]
    info = DataInfo(input_shape=(3,), task=REGRESSION, target_names=names,
                    feature_names=["a", "b", "c"], samples=n, description="synthetic regression")
    cut = int(n * 0.75)
    preprocessing = {"format": "layerforge.preprocessing", "format_version": 1, "kind": "table",
                     "task": REGRESSION, "input_shape": [3], "feature_names": ["a", "b", "c"],
                     "class_names": None, "target_names": names, "input_scaling": None,
                     "target_scaling": {"mean": (mean * scale).tolist(), "scale": (std * scale).tolist()}}
    return Dataset(info=info, train=Split(x[:cut], y_scaled[:cut]), validation=Split(x[cut:], y_scaled[cut:]),
                   test=None, preprocessing=preprocessing, fingerprint=f"regression-{seed}-{n}")


def classification_dataset(x: np.ndarray, y: np.ndarray, classes: int) -> Dataset:
    info = DataInfo(input_shape=tuple(x.shape[1:]), task=CLASSIFICATION,
                    class_names=[f"c{i}" for i in range(classes)], target_names=["class"],
                    samples=len(x))
    preprocessing = {"format": "layerforge.preprocessing", "format_version": 1, "kind": "table",
                     "task": CLASSIFICATION, "input_shape": list(x.shape[1:]), "input_scaling": None,
                     "target_scaling": None, "class_names": info.class_names}
    return Dataset(info=info, train=Split(x, y), validation=Split(x, y), test=None,
                   preprocessing=preprocessing, fingerprint="fixed")


def metrics_rows(run_dir: Path) -> list[dict]:
    """metrics.csv rows without the timing columns (which differ from run to run)."""
    from core.train.rundir import read_metrics_csv

    return [{k: v for k, v in row.items() if k not in ("seconds", "samples_per_second", "train_samples_per_second")}
            for row in read_metrics_csv(Path(run_dir) / "metrics.csv")]


class StopAt(Callback):
    """Asks the trainer to stop at the end of epoch ``epoch`` (as the Stop button does)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, trainer, event) -> None:
        if event.epoch == self.epoch:
            trainer.stop()


class PauseAt(Callback):
    """Pauses at the end of epoch ``epoch``, keeps ``read(trainer)`` of what the pause wrote
    (once the run's files are flushed) in ``seen``, and resumes."""

    def __init__(self, epoch: int, read) -> None:
        self.epoch, self.read, self.seen = epoch, read, None

    def on_epoch_end(self, trainer, event) -> None:
        if event.epoch == self.epoch:
            trainer.pause()

    def on_pause(self, trainer) -> None:
        trainer.runs.flush()
        self.seen = self.read(trainer)
        trainer.resume()


# ---------------------------------------------------------------------- text
#: Words of the tiny text data: the first four say "yes", the others are filler.
TEXT_WORDS = ("great", "love", "fine", "nice", "the", "a", "box", "came", "late", "it", "was",
              "blue", "red", "and", "so", "on", "day", "one", "two", "shop")
#: The text layers of :func:`text_project`: (node id, type, params, wired to the token ids).
TEXT_LAYERS = {
    "transformer": (("encoder", "TransformerEncoderLayer",
                     {"nhead": 2, "dim_feedforward": 16, "dropout": 0.0}, True),),
    "attention": (("attn", "MultiheadAttention", {"num_heads": 2}, False),),
    "bag": (),
}


def text_project(tmp_path: Path, kind: str = "transformer", *, rows: int = 160, max_length: int = 10,
                 embedding_dim: int = 8, epochs: int = 2, tokenizer: str = "word",
                 name: str = "TinyText") -> Project:
    """A CSV of short texts (1 to 9 of :data:`TEXT_WORDS`, a word more likely the earlier it is
    listed; padded to ``max_length``) with a yes/no label, and Input -> Embedding ->
    ``TEXT_LAYERS[kind]`` -> masked mean -> Output; saved in ``tmp_path``."""
    import csv

    from core.graph import Edge, Graph, Node

    rng = np.random.default_rng(0)
    weights = 1.0 / np.arange(1, len(TEXT_WORDS) + 1)
    path = tmp_path / "texts.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for _ in range(rows):
            words = rng.choice(TEXT_WORDS, size=int(rng.integers(1, 10)), p=weights / weights.sum())
            writer.writerow([" ".join(words), "yes" if set(words) & set(TEXT_WORDS[:4]) else "no"])
    graph = Graph()
    graph.add_node(Node("text", "Input", {"columns": ["text"]}))
    graph.add_node(Node("embed", "Embedding", {"embedding_dim": embedding_dim, "padding_idx": 0}))
    graph.add_edge(Edge("text", "embed"))
    previous = "embed"
    for node_id, type_name, params, masked in TEXT_LAYERS[kind]:
        graph.add_node(Node(node_id, type_name, dict(params)))
        graph.add_edge(Edge(previous, node_id))
        if masked:
            graph.add_edge(Edge("text", node_id, 1))
        previous = node_id
    graph.add_node(Node("pool", "SequencePool", {"mode": "mean"}))
    graph.add_edge(Edge(previous, "pool"))
    graph.add_edge(Edge("text", "pool", 1))
    graph.add_node(Node("output", "Output", {}))
    graph.add_edge(Edge("pool", "output"))
    data = {"kind": "csv", "path": str(path), "target": "label", "text": ["text"],
            "text_options": {"max_length": max_length, "tokenizer": tokenizer}}
    proj = Project(name=name, graph=graph, data=data,
                   training={"epochs": epochs, "batch_size": 16, "seed": 0, "device": "cpu"})
    proj.save(tmp_path / f"{name.lower()}.lfproj")
    return proj
