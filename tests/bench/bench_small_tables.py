"""Small tables: the whole fit against a lean hand-written loop, and per-epoch cost over time.

Run: ``.venv/bin/python -m tests.bench.bench_small_tables [--repeats N]``.

Where most people start (a table of a few hundred rows), a run is thousands of tiny
epochs, so what the trainer does around each epoch (metrics, checkpoints, run.json)
decides its speed. Arms, alternated (A B, B A, ...) after one untimed run of each, one torch
thread each (GUIDE §4):

- ``trainer``: ``prepare`` + ``fit`` with a run folder, as ``layerforge train`` does;
- ``lean``: the same network written by hand (``nn.Sequential`` for a chain, a small module
  for each branching example), fused Adam, a permutation per epoch,
  no ``.item()`` per batch, and the validation loss and accuracy once per epoch (what
  the trainer computes), nothing written to disk.

Tables: a wine-sized table (178 rows, 13 features, 3 classes: 142 training rows) and
the shipped table examples (their own epochs and batch sizes). Target (issue 16): the
trainer's whole fit of each shipped example at least 0.9x the lean loop's speed (the
wine-sized table, a user's own, is shown beside them). Then three 1,000-epoch runs: the
median wall time of epochs 901-1000 over that of epochs 1-100, the median of the three
(target: flat, about 1.0; one run alone swings with the machine's other load). The load
average is printed at the start and the end: compare runs made under similar loads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.data import load
from core.project import Project
from core.train import prepare
from core.train.callbacks import Callback

ROOT = Path(__file__).resolve().parents[2]


def wine_like_csv(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 13)) * 1.5
    labels = np.repeat(np.arange(3), [59, 71, 48])
    x = centres[labels] + rng.normal(size=(len(labels), 13))
    path = folder / "wine_like.csv"
    header = ",".join([f"f{i}" for i in range(13)] + ["cultivar"])
    rows = [",".join([f"{v:.4f}" for v in row] + [f"c{y}"]) for row, y in zip(x, labels)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def wine_project(folder: Path) -> Project:
    csv = wine_like_csv(folder)
    data = json.loads((ROOT / "resources/examples/spiral_mlp.lfproj").read_text())
    data["name"] = "Wine-like"
    data["data"] = {"kind": "csv", "path": str(csv), "target": "cultivar"}
    data["training"] = {"epochs": 200, "batch_size": 16, "optimizer": "adam", "learning_rate": 0.01,
                        "seed": 0, "early_stopping": None}
    return Project.from_dict(data, path=folder / "wine.lfproj")


def example(name: str, folder: Path) -> Project:
    """A shipped example with early stopping off: both arms run every epoch."""
    data = json.loads((ROOT / "resources/examples" / f"{name}.lfproj").read_text())
    data["training"]["early_stopping"] = None
    if "path" in data["data"]:  # the project is saved elsewhere: its data path made absolute
        data["data"]["path"] = str((ROOT / "resources/examples" / data["data"]["path"]).resolve())
    return Project.from_dict(data, path=folder / f"{name}.lfproj")


def hand_model(project: Project, dataset) -> nn.Module:
    """The project's network written by hand: a chain as a plain ``nn.Sequential`` (Linear
    layers and activations), the two shipped branching examples as small modules of their own."""
    out = dataset.info.target_shape(project.training.get("loss", "auto"))[0]
    width = dataset.info.input_shape[0]
    nodes = project.graph.nodes
    if "join" in nodes:
        widths = {node_id: node.params.get("out_features") for node_id, node in nodes.items()}
        if "fc_mix" in nodes:
            return TwoBranch(width, widths["fc_relu"], widths["fc_tanh"], widths["fc_mix"], out)
        columns = dataset.info.feature_columns
        picks = [[columns.index(c) for c in nodes[name].params["columns"]] for name in ("sepals", "petals")]
        return WideAndDeep(picks, widths["fc_sepals"], widths["fc_petals"], out)
    layers: list[nn.Module] = []
    for node in nodes.values():
        if node.type == "Linear":
            layers.append(nn.Linear(width, node.params["out_features"]))
            width = node.params["out_features"]
        elif node.type in ("ReLU", "Tanh"):
            layers.append(getattr(nn, node.type)())
    layers.append(nn.Linear(width, out))
    return nn.Sequential(*layers)


class TwoBranch(nn.Module):
    """two_branch.lfproj by hand: a ReLU and a Tanh branch of the input, joined, then mixed."""

    def __init__(self, width: int, relu: int, tanh: int, mix: int, out: int) -> None:
        super().__init__()
        self.relu_branch = nn.Sequential(nn.Linear(width, relu), nn.ReLU())
        self.tanh_branch = nn.Sequential(nn.Linear(width, tanh), nn.Tanh())
        self.mix = nn.Sequential(nn.Linear(relu + tanh, mix), nn.ReLU(), nn.Linear(mix, out))

    def forward(self, x):
        return self.mix(torch.cat([self.relu_branch(x), self.tanh_branch(x)], 1))


class WideAndDeep(nn.Module):
    """flowers_wide_deep.lfproj by hand: the sepal and the petal columns each through their own
    Linear and ReLU, joined, then the output layer."""

    def __init__(self, picks: list[list[int]], sepals: int, petals: int, out: int) -> None:
        super().__init__()
        self.picks = [torch.tensor(p) for p in picks]
        self.sepals = nn.Sequential(nn.Linear(len(picks[0]), sepals), nn.ReLU())
        self.petals = nn.Sequential(nn.Linear(len(picks[1]), petals), nn.ReLU())
        self.head = nn.Linear(sepals + petals, out)

    def forward(self, x):
        sepal_columns, petal_columns = (x.index_select(1, p) for p in self.picks)
        return self.head(torch.cat([self.sepals(sepal_columns), self.petals(petal_columns)], 1))


def lean_fit(project: Project, dataset) -> float:
    started = time.perf_counter()
    torch.manual_seed(0)
    model = hand_model(project, dataset)
    training = project.training
    opt = torch.optim.Adam(model.parameters(), lr=training.get("learning_rate", 0.001), fused=True)
    x = torch.from_numpy(dataset.train.x)
    y = torch.from_numpy(dataset.train.y.astype(np.int64)).reshape(-1)
    vx = torch.from_numpy(dataset.validation.x)
    vy = torch.from_numpy(dataset.validation.y.astype(np.int64)).reshape(-1)
    binary = [m for m in model.modules() if isinstance(m, nn.Linear)][-1].out_features == 1
    loss_fn = nn.BCEWithLogitsLoss() if binary else nn.CrossEntropyLoss()
    target = (lambda t: t.float().reshape(-1, 1)) if binary else (lambda t: t)
    batch = training.get("batch_size", 32)
    for _epoch in range(training["epochs"]):
        model.train()
        order = torch.randperm(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), target(y[idx]))
            loss.backward()
            opt.step()
        model.eval()
        with torch.inference_mode():
            out = model(vx)
            val_loss = loss_fn(out, target(vy))
            predicted = (out[:, 0] > 0).long() if binary else out.argmax(1)
            (val_loss + (predicted == vy).float().mean()).item()  # one sync per epoch
    return time.perf_counter() - started


def trainer_fit(project: Project, dataset, folder: Path) -> float:
    started = time.perf_counter()
    result = prepare(project, dataset, run_dir=folder / f"run-{time.monotonic_ns()}").fit()
    assert result.status == "completed", result.reason
    return time.perf_counter() - started


class EpochClock(Callback):
    def __init__(self) -> None:
        self.times = [time.perf_counter()]

    def on_epoch_end(self, trainer, event) -> None:
        self.times.append(time.perf_counter())


def flatness(folder: Path, runs: int = 3) -> tuple[float, float, float]:
    """Medians over ``runs`` 1,000-epoch runs: epoch wall time early, late, and their ratio."""
    project = wine_project(folder)
    project.training["epochs"] = 1000
    dataset = load(project.data, project.directory)
    measured = []
    for run in range(runs):
        clock = EpochClock()
        prepare(project, dataset, run_dir=folder / f"long-{run}", callbacks=[clock]).fit()
        walls = np.diff(clock.times)
        first, last = float(np.median(walls[:100])), float(np.median(walls[-100:]))
        measured.append((first, last, last / first))
    return tuple(statistics.median(m[i] for m in measured) for i in range(3))


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:  # not Linux
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)  # the ratios swing ±5% per fit here
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"one torch thread on each side; medians of alternated runs; load average {load_average()}\n")
    print(f"{'table':<18} {'epochs':>6} {'trainer s':>10} {'lean s':>8} {'speed ratio':>12}  spread")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tables = [("wine-like", wine_project(folder))] + [
            (name, example(name, folder))
            for name in ("perceptron", "spiral_mlp", "two_branch", "flowers_wide_deep")]
        verdicts = []
        for name, project in tables:
            dataset = load(project.data, project.directory)
            trainer_times, lean_times, ratios = [], [], []
            # One untimed run of each arm first: a process's first fit pays one-time imports
            # (torch's optimiser code loads its compiler stack), which is no per-fit cost.
            trainer_fit(project, dataset, folder)
            lean_fit(project, dataset)
            for repeat in range(args.repeats):
                order = ("trainer", "lean") if repeat % 2 == 0 else ("lean", "trainer")
                times = {arm: trainer_fit(project, dataset, folder) if arm == "trainer"
                         else lean_fit(project, dataset) for arm in order}
                trainer_times.append(times["trainer"])
                lean_times.append(times["lean"])
                ratios.append(times["lean"] / times["trainer"])
            ratio = statistics.median(ratios)
            if name != "wine-like":  # the target is the shipped examples'; wine-like is shown beside
                verdicts.append(ratio)
            print(f"{name:<18} {project.training['epochs']:>6} {statistics.median(trainer_times):>10.3f}"
                  f" {statistics.median(lean_times):>8.3f} {ratio:>11.2f}x  {min(ratios):.2f}-{max(ratios):.2f}")
        first, last, growth = flatness(folder)
    print(f"\nwhole fit of the shipped examples, trainer speed / lean loop speed: worst {min(verdicts):.2f}x"
          f" (target >= 0.9x: {'MET' if min(verdicts) >= 0.9 else 'NOT MET'})")
    print(f"1,000 epochs: median epoch wall time {first * 1e3:.2f} ms (epochs 1-100),"
          f" {last * 1e3:.2f} ms (901-1000): {growth:.2f}x (target: flat; median of 3 runs)")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
