"""Train the exported model again, on new data of the same kind, without LayerForge.

    python train.py --data DATA [--target COLUMN] [--epochs N] [--batch-size N] [--lr X]
                    [--from-scratch] [--validation 0.2] [--out retrained.safetensors]

DATA is a CSV file with the training columns and the target column(s), or a folder of
images with one sub-folder per class. Training starts from weights.safetensors (or from
fresh weights with --from-scratch) with the settings LayerForge used (model.TRAINING),
keeps the preprocessing of preprocessing.json (so predict.py and model.load_model work
with the new weights: `python predict.py DATA --weights retrained.safetensors`), and
saves the weights of the epoch with the lowest validation loss.

Several processes, GPUs or machines: start it with torchrun; it trains data-parallel
(DistributedDataParallel: NCCL on GPUs, gloo on CPUs) when WORLD_SIZE > 1:

    torchrun --standalone --nproc-per-node 4 train.py --data data.csv
    torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d \\
             --rdzv-endpoint node1.example.org:29400 --rdzv-id run-1 train.py --data data.csv

--batch-size is the global batch: each of N processes takes 1/N of it. Rank 0 prints
the progress and writes the weights.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import predict  # noqa: E402 - this folder's predict.py: the data encoding


# ---------------------------------------------------------------------- data
def label_index(cells, class_names: list[str], decimal: str = ".") -> np.ndarray:
    """Class index of each label cell (-1 when it is missing or not a class of the model)."""
    index = {name: i for i, name in enumerate(class_names)}
    values = predict.numbers(cells.astype(str), decimal)
    out = []
    for text, value in zip(cells.astype(str).str.strip(), values):
        found = index.get(text, -1)
        if found < 0 and np.isfinite(value):  # 1.0 is the class "1"
            found = index.get(str(int(value)) if float(value).is_integer() else repr(float(value)), -1)
        out.append(found)
    return np.array(out, np.int64)


def table_targets(frame, pre: dict, targets: list[str]) -> np.ndarray | None:
    """Targets of each row of a table: class indices, or float values (scaled as in training)."""
    task = pre["task"]
    if task == "reconstruction":
        return None
    decimal = ((pre.get("table") or {}).get("csv") or {}).get("decimal", ".")
    for name in targets:
        if name not in frame.columns:
            raise predict.DataProblem(f"the data has no target column {name!r}: give it with --target")
    if task == "classification":
        return label_index(frame[targets[0]], pre["class_names"], decimal)
    values = np.stack([predict.numbers(frame[t].astype(str), decimal) for t in targets], axis=1)
    scaling = pre.get("target_scaling") if task == "regression" else None
    if scaling:
        values = (values - np.asarray(scaling["mean"])) / np.asarray(scaling["scale"])
    return values.astype(np.float32)


def load_data(path: Path, pre: dict, targets: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Inputs (encoded, not scaled) and targets; samples without a usable target are left out."""
    if predict.is_image_model(pre):
        x, ids = predict.encode_images(path, pre)
        if pre["task"] == "reconstruction":
            return x, None
        folders = [name.split("/")[0] if "/" in name else "" for name in ids]
        y = np.array([pre["class_names"].index(f) if f in pre["class_names"] else -1
                      for f in folders], np.int64)
    else:
        x, _ids, frame = predict.encode_csv(path, pre)
        y = table_targets(frame, pre, targets)
        if y is not None and pre.get("kind") == "sequence":
            window, horizon = int(pre["sequence"]["window"]), int(pre["sequence"].get("horizon", 1))
            count = len(frame) - window - horizon + 1
            if count < 1:
                raise predict.DataProblem(f"{path.name} is too short for windows of {window} rows"
                                          f" and a horizon of {horizon}")
            x, y = x[:count], y[window - 1 + horizon:window - 1 + horizon + count]
    if y is None:
        return x, None
    keep = (y >= 0) if y.dtype == np.int64 else np.isfinite(y).all(axis=1)
    if not keep.all():
        print(f"{int((~keep).sum())} samples without a usable target left out", file=sys.stderr)
    if not keep.any():
        raise predict.DataProblem(f"no sample in {path} has a target the model knows"
                                  " (classes: sub-folder names or the target column's values)")
    return x[keep], y[keep]


# ---------------------------------------------------------------------- LayerForge's tables
# LayerForge writes the two tables below when it exports this folder, from its optimiser
# and loss registries; train.py knows the optimisers and losses listed here, no others.
#: optimiser name -> (torch.optim class, the model.TRAINING settings it takes by the same name)
OPTIMIZERS: dict = {}
#: loss name -> (torch.nn class, {its keyword: the model.TRAINING setting that gives it})
LOSSES: dict = {}


class SettingProblem(Exception):
    """A training setting this train.py cannot use; the message says what to do."""


def table_entry(table: dict, kind: str, name) -> tuple:
    """``table[name]``, or a clear error naming the unknown ``kind`` (never a silent default)."""
    if name not in table:
        known = ", ".join(repr(k) for k in table) or "none"
        raise SettingProblem(f"model.TRAINING names the {kind} {name!r}, which this train.py does"
                             f" not know (it knows {known}): export the model again with LayerForge")
    return table[name]


# ---------------------------------------------------------------------- training
def loss_function(training: dict):
    """The training loss, as LayerForge resolved it (model.TRAINING["loss"])."""
    from torch import nn

    torch_class, options = table_entry(LOSSES, "loss", training.get("loss"))
    kwargs = {keyword: training[setting] for keyword, setting in options.items()
              if training.get(setting) is not None}
    return getattr(nn, torch_class)(**kwargs)


def compute_loss(loss_fn, logits, y, training: dict):
    """The loss of a batch; two classes by one logit use 0/1 (BCE) or -1/+1 (hinge) targets."""
    import torch

    if training["task"] == "classification" and logits.shape[1] == 1:
        target = y.float().reshape(logits.shape)
        if training["loss"] == "hinge":
            return torch.clamp(1 - (2 * target - 1) * logits, min=0).mean()
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    return loss_fn(logits, y)


def optimizer_for(parameters, training: dict, lr: float):
    """The optimiser LayerForge trained with (model.TRAINING["optimizer"]) and its settings."""
    import torch

    torch_class, settings = table_entry(OPTIMIZERS, "optimizer", training.get("optimizer"))
    extra = {key: tuple(training[key]) if isinstance(training[key], list) else training[key]
             for key in settings if training.get(key) is not None}
    return getattr(torch.optim, torch_class)(parameters, lr=lr,
                                             weight_decay=training.get("weight_decay") or 0.0, **extra)


def scale_inputs(x: np.ndarray, pre: dict) -> np.ndarray:
    """(encoded - mean) / scale, as the network was trained (the Predictor does this at use)."""
    scaling = pre.get("input_scaling")
    if not scaling:
        return x
    shape = [1] * x.ndim
    shape[1 if pre.get("kind") == "image" else -1] = -1
    scale = np.asarray(scaling["scale"], np.float32).reshape(shape)
    scale = np.where(scale == 0, np.float32(1), scale)
    return ((x - np.asarray(scaling["mean"], np.float32).reshape(shape)) / scale).astype(np.float32)


class Distributed:
    """This process's place among the processes torchrun started (one process without it)."""

    def __init__(self, device_name: str):
        import torch
        import torch.distributed as dist

        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if device_name == "auto":
            device_name = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device_name)
        if self.world > 1:
            if self.device.type == "cuda":
                torch.cuda.set_device(self.device)
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
            if self.device.type == "cpu":
                torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ.get(
                    "LOCAL_WORLD_SIZE", self.world))))

    @property
    def main(self) -> bool:
        return self.rank == 0

    def total(self, values):
        """The sum of a tensor over all processes."""
        import torch.distributed as dist

        if self.world > 1:
            dist.all_reduce(values)
        return values

    def close(self) -> None:
        import torch.distributed as dist

        if self.world > 1:
            dist.barrier()
            dist.destroy_process_group()


def split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    count = int(round(n * fraction)) if n > 1 else 0
    return np.sort(order[count:]), np.sort(order[:count])


def run_epoch(network, loss_fn, optimizer, x, y, rows, batch_size, dist, training, train: bool):
    """One pass over ``rows``; each process takes its share of every global batch."""
    import torch

    network.train(train)
    total = torch.zeros(2, dtype=torch.float64, device=dist.device)  # loss sum, samples
    correct = torch.zeros(1, dtype=torch.float64, device=dist.device)
    clip = training.get("gradient_clip")
    with torch.set_grad_enabled(train):
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size][dist.rank::dist.world]
            if len(batch) == 0:
                continue
            inputs = x[batch].to(dist.device)
            logits = network(inputs)
            target = inputs if y is None else y[batch].to(dist.device)
            loss = compute_loss(loss_fn, logits, target, training)
            if train:
                optimizer.zero_grad(set_to_none=True)
                # Weighted by this process's share, so the averaged gradient is the global batch's.
                (loss * len(batch) * dist.world / len(rows[start:start + batch_size])).backward()
                if clip:
                    torch.nn.utils.clip_grad_norm_(network.parameters(), clip)
                optimizer.step()
            total += torch.tensor([loss.item() * len(batch), len(batch)], dtype=torch.float64,
                                  device=dist.device)
            if y is not None and training["task"] == "classification":
                if logits.shape[1] == 1:
                    guess = (logits[:, 0] > 0).long()
                else:
                    guess = logits.argmax(dim=1)
                correct += (guess == y[batch].to(dist.device)).sum()
    total, correct = dist.total(total), dist.total(correct)
    samples = max(total[1].item(), 1)
    return total[0].item() / samples, correct.item() / samples


def main(argv: list[str] | None = None) -> int:
    import torch

    import model as model_code  # this folder's model.py

    training = model_code.TRAINING
    pre = predict.load_preprocessing()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a CSV file or an image folder")
    parser.add_argument("--target", action="append",
                        help=f"target column (default: {', '.join(pre.get('target_names') or []) or 'none'})")
    parser.add_argument("--epochs", type=int, default=training["epochs"])
    parser.add_argument("--batch-size", type=int, default=training["batch_size"])
    parser.add_argument("--lr", type=float, default=training["learning_rate"])
    parser.add_argument("--validation", type=float, default=0.2, help="share kept for validation")
    parser.add_argument("--from-scratch", action="store_true", help="start from fresh weights")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda ...")
    parser.add_argument("--seed", type=int, default=training.get("seed") or 0)
    parser.add_argument("--out", type=Path, default=HERE / "retrained.safetensors")
    args = parser.parse_args(argv)

    dist = Distributed(args.device)
    torch.manual_seed(args.seed)
    try:
        x, y = load_data(args.data, pre, args.target or list(pre.get("target_names") or []))
    except predict.DataProblem as err:
        print(f"train.py: {err}", file=sys.stderr)
        return 2
    x = torch.from_numpy(np.ascontiguousarray(scale_inputs(x, pre)))
    y = None if y is None else torch.from_numpy(y)
    train_rows, val_rows = split(len(x), args.validation, args.seed)

    predictor = model_code.load_model(HERE)
    network = predictor.network
    if args.from_scratch:
        network = type(network)()
    network = network.to(dist.device)
    trained = network
    if dist.world > 1:
        network = torch.nn.parallel.DistributedDataParallel(
            network, device_ids=[dist.device.index] if dist.device.type == "cuda" else None)
    try:
        loss_fn = loss_function(training)
        optimizer = optimizer_for(network.parameters(), training, args.lr)
    except SettingProblem as err:
        print(f"train.py: {err}", file=sys.stderr)
        return 2
    generator = np.random.default_rng(args.seed)
    best = float("inf")
    from safetensors.torch import save_file

    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        order = train_rows[generator.permutation(len(train_rows))]  # the same on every process
        train_loss, train_acc = run_epoch(network, loss_fn, optimizer, x, y, order, args.batch_size,
                                          dist, training, train=True)
        val_loss, val_acc = (run_epoch(network, loss_fn, optimizer, x, y, val_rows, args.batch_size,
                                       dist, training, train=False) if len(val_rows) else (train_loss, train_acc))
        if dist.main:
            accuracy = (f", train accuracy {train_acc:.4f}, val accuracy {val_acc:.4f}"
                        if training["task"] == "classification" else "")
            print(f"epoch {epoch}/{args.epochs}: train loss {train_loss:.6g}, val loss {val_loss:.6g}"
                  f"{accuracy} ({time.perf_counter() - started:.1f} s)", flush=True)
            if val_loss <= best:
                best = val_loss
                state = {k: v.detach().cpu().contiguous() for k, v in trained.state_dict().items()}
                save_file(state, str(args.out), metadata={"format": "pytorch"})
    if dist.main:
        print(f"best validation loss {best:.6g}; weights written to {args.out}")
    dist.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
