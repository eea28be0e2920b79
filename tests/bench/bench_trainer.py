"""The core trainer against hand-written PyTorch loops, and the cost of the live probes.

Run: ``.venv/bin/python -m tests.bench.bench_trainer [--repeats N] [--only mlp|cnn]``.

Models: MLP 784-256-128-10 and a LeNet-style CNN (LayerForge graphs built by
``core.build``; the hand-written loops use the same layers written as
``nn.Sequential``), 60 000 synthetic samples, batch size 64, Adam with lr 0.001.

Arms, run alternately (A B C D, then B C D A, ...) and timed end to end (model
creation, every epoch, and for the trainer its run folder and checkpoints):

- ``trainer``: ``core.train`` with its defaults (data on the device, fused Adam, ...);
- ``hand``: a typical script: a random permutation, ``X[idx]`` per batch,
  ``zero_grad / backward / step``, ``loss.item()`` and accuracy ``.item()`` per batch;
- ``hand+DataLoader``: the same loop over ``DataLoader(TensorDataset, shuffle=True)``;
- ``trainer+probes``: the trainer with every live probe at its default rate
  (``standard_probes``) and a validation split of 2 000 samples for the final report.

The table shows the median samples/s of each arm and the median of the per-round
ratios with their spread. Targets (issue 5): trainer/hand >= 1.0, trainer/DataLoader
>= 1.2, probes cost <= 5% (trainer+probes/trainer-with-validation >= 0.95).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.data.dataset import CLASSIFICATION, DataInfo, Dataset, Split
from core.graph import Edge, Graph, Node
from core.project import Project
from core.train import prepare
from core.train.probes import standard_probes

SAMPLES, BATCH, LR, CLASSES = 60_000, 64, 1e-3, 10
MODELS = {
    "mlp": ((784,), [("fc1", "Linear", {"out_features": 256}), ("relu1", "ReLU", {}),
                     ("fc2", "Linear", {"out_features": 128}), ("relu2", "ReLU", {})]),
    "cnn": ((1, 28, 28), [("conv1", "Conv2d", {"out_channels": 6, "kernel_size": 5, "padding": 2}),
                          ("relu1", "ReLU", {}), ("pool1", "MaxPool2d", {"kernel_size": 2}),
                          ("conv2", "Conv2d", {"out_channels": 16, "kernel_size": 5}),
                          ("relu2", "ReLU", {}), ("pool2", "MaxPool2d", {"kernel_size": 2}),
                          ("flatten", "Flatten", {}),
                          ("fc1", "Linear", {"out_features": 120}), ("relu3", "ReLU", {}),
                          ("fc2", "Linear", {"out_features": 84}), ("relu4", "ReLU", {})]),
}


def hand_model(kind: str) -> nn.Module:
    if kind == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, CLASSES))
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, CLASSES))


def synthetic(kind: str, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Learnable synthetic data: the class is decided by a random linear map of the input."""
    rng = np.random.default_rng(0)
    shape = MODELS[kind][0]
    x = rng.random((samples, *shape), dtype=np.float32)
    w = rng.normal(size=(int(np.prod(shape)), CLASSES)).astype(np.float32)
    y = (x.reshape(samples, -1) @ w).argmax(1).astype(np.int64)
    return x, y


def project_for(kind: str, epochs: int) -> Project:
    shape, layers = MODELS[kind]
    graph = Graph()
    graph.add_node(Node("input", "Input", {"shape": list(shape)}))
    previous = "input"
    for node_id, type_name, params in layers:
        graph.add_node(Node(node_id, type_name, dict(params)))
        graph.add_edge(Edge(previous, node_id))
        previous = node_id
    graph.add_node(Node("output", "Output"))
    graph.add_edge(Edge(previous, "output"))
    return Project(name=f"bench-{kind}", graph=graph,
                   training={"epochs": epochs, "batch_size": BATCH, "optimizer": "adam",
                             "learning_rate": LR, "seed": 0})


def dataset_for(x: np.ndarray, y: np.ndarray, validation: int = 0) -> Dataset:
    info = DataInfo(tuple(x.shape[1:]), CLASSIFICATION, [f"c{i}" for i in range(CLASSES)], ["class"],
                    samples=len(x))
    val = Split(x[:validation], y[:validation]) if validation else None
    return Dataset(info, Split(x, y), val, None, {"kind": "table", "input_scaling": None}, "bench")


# ---------------------------------------------------------------------- the arms
def run_trainer(kind, x, y, epochs, workdir, probes=False, validation=0) -> float:
    started = time.perf_counter()
    project = project_for(kind, epochs)
    callbacks = standard_probes(lambda snapshot: None, dataset_for(x[:1], y[:1]).info) if probes else []
    trainer = prepare(project, dataset_for(x, y, validation), callbacks=callbacks,
                      run_dir=Path(tempfile.mkdtemp(dir=workdir)))
    result = trainer.fit()
    assert result.status == "completed", result.reason
    return len(x) * epochs / (time.perf_counter() - started)


def run_hand(kind, x, y, epochs, workdir, loader=False) -> float:
    started = time.perf_counter()
    torch.manual_seed(0)
    model = hand_model(kind)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    if loader:
        batches_of = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y),
                                                 batch_size=BATCH, shuffle=True)
    for _epoch in range(epochs):
        model.train()
        if loader:
            batches = batches_of
        else:
            perm = torch.randperm(len(X))
            batches = ((X[perm[i:i + BATCH]], Y[perm[i:i + BATCH]]) for i in range(0, len(X), BATCH))
        total, correct = 0.0, 0
        for xb, yb in batches:
            optimizer.zero_grad()
            out = model(xb)
            loss = nn.functional.cross_entropy(out, yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
    return len(x) * epochs / (time.perf_counter() - started)


# ---------------------------------------------------------------------- measuring
def measure(kind: str, repeats: int, epochs: int, workdir: Path) -> dict[str, list[float]]:
    x, y = synthetic(kind, SAMPLES)
    arms = {
        "trainer": lambda: run_trainer(kind, x, y, epochs, workdir),
        "hand": lambda: run_hand(kind, x, y, epochs, workdir),
        "hand+DataLoader": lambda: run_hand(kind, x, y, epochs, workdir, loader=True),
        "trainer+val": lambda: run_trainer(kind, x, y, epochs, workdir, validation=2000),
        "trainer+val+probes": lambda: run_trainer(kind, x, y, epochs, workdir, probes=True,
                                                  validation=2000),
    }
    names = list(arms)
    speeds: dict[str, list[float]] = {name: [] for name in names}
    run_hand(kind, x[:2048], y[:2048], 1, workdir)  # warm-up: first kernels, allocator
    run_trainer(kind, x[:2048], y[:2048], 1, workdir)
    for round_ in range(repeats):
        order = names[round_ % len(names):] + names[:round_ % len(names)]
        for name in order:
            speeds[name].append(arms[name]())
        print(f"  {kind} round {round_ + 1}/{repeats}: "
              + ", ".join(f"{n} {speeds[n][-1]:,.0f}" for n in names), flush=True)
    return speeds


def ratio_row(label: str, a: list[float], b: list[float], target: float) -> str:
    ratios = [p / q for p, q in zip(a, b)]
    median = statistics.median(ratios)
    verdict = "ok" if median >= target else "BELOW TARGET"
    return (f"{label:<42} {median:>6.2f}  [{min(ratios):.2f} .. {max(ratios):.2f}]"
            f"  target >= {target:.2f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=sorted(MODELS))
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {SAMPLES} samples,"
          f" batch {BATCH}, Adam lr {LR}, {args.epochs} epoch(s) per run, {args.repeats} rounds")
    tables = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in [args.only] if args.only else list(MODELS):
            speeds = measure(kind, args.repeats, args.epochs, Path(tmp))
            lines = [f"{kind.upper()}: median samples/s"]
            lines += [f"  {name:<22} {statistics.median(v):>10,.0f}" for name, v in speeds.items()]
            lines.append(f"  {'ratio (median of rounds)':<42} {'value':>6}  [spread]")
            lines.append("  " + ratio_row("trainer / hand-written loop", speeds["trainer"], speeds["hand"], 1.0))
            lines.append("  " + ratio_row("trainer / hand-written loop + DataLoader", speeds["trainer"],
                                          speeds["hand+DataLoader"], 1.2))
            lines.append("  " + ratio_row("probes on / off (with validation)",
                                          speeds["trainer+val+probes"], speeds["trainer+val"], 0.95))
            tables.append("\n".join(lines))
    print()
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
