"""The shortcuts that make a small table's epochs cheap give the same numbers, bit for bit,
as the general paths they stand in for (issue 16): metrics from counts in Python, loss sums
on the host, held outputs, one-op state copies, reused shuffling, incremental metrics.csv."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from core.data.dataset import CLASSIFICATION, MULTILABEL
from core.train import metrics as metrics_module
from core.train.batches import BatchPlan, DeviceBatches, epoch_seed
from core.train.checkpoint import detached_copy
from core.train.metrics import Accumulator, classification_metrics
from core.train.rundir import metrics_csv_text
from core.train.saving import MetricsText
from core.train.setup import prepare
from tests.core.train.tiny import PauseAt, dataset, project


def test_few_classes_metrics_equal_numpys_bit_for_bit():
    """Integer confusions of fewer than 8 classes take the Python path; the float64 one is
    numpy's: they must agree exactly (this also catches a numpy that sums in another order)."""
    rng = np.random.default_rng(0)
    for _ in range(3000):
        k = int(rng.integers(1, 8))
        confusion = rng.integers(0, rng.choice([3, 50, 10 ** 6]), size=(k, k))
        if rng.random() < 0.3:
            confusion[:, rng.integers(0, k)] = 0  # a class never predicted
        assert classification_metrics(confusion) == classification_metrics(confusion.astype(np.float64))
    assert classification_metrics(np.zeros((3, 3), int))["accuracy"] == 0.0


def _feed(acc: Accumulator, batches) -> None:
    start = 0
    for loss, out in batches:
        stop = start + len(out)
        acc.add_loss(loss, stop - start)
        acc.update(out, start, stop)
        start = stop


@pytest.mark.parametrize("task, classes, outputs", [(CLASSIFICATION, 4, 4), (CLASSIFICATION, 2, 1),
                                                    (MULTILABEL, 0, 3)])
def test_host_sums_and_held_outputs_equal_the_device_path(monkeypatch, task, classes, outputs):
    """The CPU accumulator (Python loss sum, numpy counts, outputs held and predicted at once)
    against the device path run on the CPU (tensor sums, a prediction per batch)."""
    generator = torch.Generator().manual_seed(1)
    sizes = [16, 16, 16, 7]
    n = sum(sizes)
    batches = [(torch.rand((), generator=generator) * 3, torch.randn(size, outputs, generator=generator))
                for size in sizes]
    targets = (torch.randint(0, classes, (n,), generator=generator) if task == CLASSIFICATION
               else (torch.rand(n, outputs, generator=generator) > 0.5).float())
    order = torch.randperm(n, generator=generator)
    binary = task == CLASSIFICATION and outputs == 1

    host = Accumulator(task, n, "cpu", num_classes=classes, binary=binary, outputs=outputs)
    _feed(host, batches)
    fast = host.result(order, targets)

    monkeypatch.setattr(metrics_module, "HELD_OUTPUTS", 0)  # a prediction per batch
    device = Accumulator(task, n, "cpu", num_classes=classes, binary=binary, outputs=outputs)
    device.host, device.loss_sum = False, torch.zeros((), dtype=torch.float64)
    _feed(device, batches)
    general = device.compute(device.totals(order, targets))

    assert host.preds.tolist() == device.preds.tolist()
    assert fast.loss == general.loss and fast.samples == general.samples == n
    assert fast.metrics == general.metrics
    if task == CLASSIFICATION:
        assert fast.confusion.dtype == general.confusion.dtype == np.int64
        assert fast.confusion.tolist() == general.confusion.tolist()
    host.reset()  # emptied for the next pass: the same result again
    _feed(host, batches)
    assert host.result(order, targets).loss == fast.loss


def test_a_state_copy_is_independent_and_keeps_structure_and_layout():
    weight = torch.randn(4, 3, 2, 2).contiguous(memory_format=torch.channels_last).requires_grad_()
    state = {"model": {"w": weight, "n": torch.tensor(3)},
             "optimizer": {"state": {0: {"step": torch.tensor(1.0), "exp_avg": torch.ones(2)}},
                           "param_groups": [{"lr": 0.1, "betas": (0.9, 0.99), "params": [0]}]},
             "rng": (torch.ones(1), 5), "epoch": 2, "empty": []}
    before = weight.detach().clone()
    copy = detached_copy(state)
    with torch.no_grad():
        weight.add_(1)
        state["optimizer"]["state"][0]["exp_avg"].add_(1)
    state["optimizer"]["param_groups"][0]["lr"] = 1.0
    assert torch.equal(copy["model"]["w"], before) and not copy["model"]["w"].requires_grad
    assert copy["model"]["w"].is_contiguous(memory_format=torch.channels_last)
    assert copy["optimizer"]["state"][0]["exp_avg"].tolist() == [1.0, 1.0]
    assert copy["optimizer"]["param_groups"][0] == {"lr": 0.1, "betas": (0.9, 0.99), "params": [0]}
    assert copy["rng"][1] == 5 and copy["epoch"] == 2 and copy["empty"] == []


def test_reused_shuffling_and_in_order_views_draw_the_same_batches():
    plan = BatchPlan(50, 16, shuffle=True, seed=7)
    for epoch in (1, 2, 1, 9):
        fresh = torch.randperm(50, generator=torch.Generator().manual_seed(epoch_seed(7, epoch)))
        assert plan.order(epoch).tolist() == fresh.tolist()
    x, y = torch.randn(50, 3), torch.arange(50)
    in_order = BatchPlan(50, 16, shuffle=False, seed=0, for_training=False)
    source = DeviceBatches(x, y, in_order, "cpu")
    got = list(source.batches(in_order.order(0)))
    assert [(b.start, b.stop) for b in got] == [(0, 16), (16, 32), (32, 48), (48, 50)]
    for batch in got:
        assert torch.equal(batch.x, x[batch.start:batch.stop])
        assert batch.y.tolist() == list(range(batch.start, batch.stop))


def test_incremental_metrics_text_equals_the_whole_text():
    rng = random.Random(0)
    for _ in range(200):
        text, history = MetricsText(), []
        for _ in range(rng.randint(1, 20)):
            for _ in range(rng.randint(0, 3)):
                keys = ["epoch", "train_loss"] + (["val_loss"] if rng.random() < 0.9 else [])
                history.append({key: len(history) + 1 if key == "epoch" else rng.random() for key in keys})
            assert text(list(history)) == metrics_csv_text(history)


def test_the_last_epoch_leaves_run_json_to_the_end_but_a_pause_there_writes_it(tmp_path):
    proj = project(tmp_path, training={"epochs": 4, "batch_size": 16, "seed": 0, "device": "cpu"})
    pause = PauseAt(4, lambda trainer: json.loads((trainer.run_dir / "run.json").read_text())["epochs_completed"])
    result = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[pause]).fit()
    assert pause.seen == 4
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert result.status == "completed" and record["status"] == "completed"
    assert record["epochs_completed"] == 4
