"""Small runs for the attribution tests, trained for an epoch from the command line.

Each test then edits the loaded network's weights (or puts a mask in front of it) so that
it provably ignores one input: a table column, the right half of an image, a text column.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.core.export import projects as export_projects

WORDS = ["good", "bad", "fine", "cheap", "broken", "great", "slow", "fast", "nice", "poor"]


def _project(folder: Path, name: str, nodes, edges, data, **training) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    project = {"format": "layerforge.project", "format_version": 3, "name": name,
               "graph": {"nodes": [{"id": i, "type": t, "params": p} for i, t, p in nodes],
                         "edges": [dict(zip(("source", "target", "target_port"), e)) for e in edges]},
               "data": data, "training": {"epochs": 1, "batch_size": 16, **training}}
    path = folder / f"{name}.lfproj"
    path.write_text(json.dumps(project, indent=1), encoding="utf-8")
    return path


def table_project(folder: Path) -> Path:
    """An MLP on the export tests' table: a, b (numbers), colour (one-hot), city (codes)."""
    folder.mkdir(parents=True, exist_ok=True)
    export_projects.write_table(folder / "table.csv")
    return _project(folder, "Table", [("input", "Input", {}), ("hidden", "Linear", {"out_features": 8}),
                                      ("act", "ReLU", {}), ("output", "Output", {})],
                    [("input", "hidden"), ("hidden", "act"), ("act", "output")],
                    {"kind": "csv", "path": "table.csv", "target": "label",
                     "ignore": ["id", "note", "price"]})


def image_project(folder: Path) -> Path:
    """A CNN whose first layer is an Identity (a test swaps in a mask) and whose 1×1
    convolution mixes channels only, so a masked pixel reaches nothing."""
    from tests.core.data.images import make_folder

    make_folder(folder / "images", {"circle": 6, "square": 6}, size=(16, 16))
    nodes = [("input", "Input", {}), ("mask", "Identity", {}),
             ("conv", "Conv2d", {"out_channels": 3, "kernel_size": 1, "bias": False}),
             ("act", "ReLU", {}), ("flat", "Flatten", {}), ("output", "Output", {})]
    edges = [("input", "mask"), ("mask", "conv"), ("conv", "act"), ("act", "flat"), ("flat", "output")]
    return _project(folder, "Masked", nodes, edges,
                    {"kind": "image_folder", "path": "images", "image_size": [8, 8], "color": "rgb"},
                    batch_size=4)


def write_reviews(path: Path, rows: int = 120, seed: int = 0) -> Path:
    """A text column (a few words each), a number, and a label that depends on both."""
    rng = np.random.default_rng(seed)
    lines = ["review,stars,label"]
    for _ in range(rows):
        words = " ".join(rng.choice(WORDS, rng.integers(3, 7)))
        stars = rng.integers(1, 6)
        label = "up" if ("good" in words) + stars / 3 > 1.2 else "down"
        lines.append(f"{words},{stars},{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def text_project(folder: Path) -> Path:
    """Words (Embedding, SequencePool) and stars (Linear) added together: two Inputs."""
    folder.mkdir(parents=True, exist_ok=True)
    write_reviews(folder / "reviews.csv")
    nodes = [("words", "Input", {"columns": ["review"]}), ("embed", "Embedding", {"embedding_dim": 4, "padding_idx": 0}),
             ("pool", "SequencePool", {"mode": "mean"}), ("fc_text", "Linear", {"out_features": 2}),
             ("stars", "Input", {"columns": ["stars"]}), ("fc_stars", "Linear", {"out_features": 2}),
             ("join", "Add", {}), ("output", "Output", {})]
    edges = [("words", "embed"), ("embed", "pool"), ("words", "pool", 1), ("pool", "fc_text"),
             ("stars", "fc_stars"), ("fc_text", "join"), ("fc_stars", "join", 1), ("join", "output")]
    return _project(folder, "Reviews", nodes, edges,
                    {"kind": "csv", "path": "reviews.csv", "target": "label", "text": ["review"],
                     "text_options": {"max_length": 8}}, loss="cross_entropy")


def train(project: Path, run_dir: Path) -> Path:
    return export_projects.train(project, run_dir, epochs=1)


def noise_image_project(folder: Path, per_class: int = 20) -> Path:
    """Random-noise images in two class folders: nothing to learn, so the trained network
    gets many validation samples wrong (what the errors-first views are for)."""
    from PIL import Image

    rng = np.random.default_rng(1)
    for name in ("left", "right"):
        (folder / "images" / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
            Image.fromarray(pixels, "RGB").save(folder / "images" / name / f"{name}_{i:02d}.png")
    nodes = [("input", "Input", {}), ("conv", "Conv2d", {"out_channels": 2, "kernel_size": 3}),
             ("act", "ReLU", {}), ("flat", "Flatten", {}), ("output", "Output", {})]
    edges = [("input", "conv"), ("conv", "act"), ("act", "flat"), ("flat", "output")]
    return _project(folder, "Noise", nodes, edges,
                    {"kind": "image_folder", "path": "images", "image_size": [8, 8], "color": "rgb"},
                    batch_size=8)
