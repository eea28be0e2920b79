"""The training thread's relay (throttled messages) and the GUI's live buffers, without Qt."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from core.train.callbacks import BatchEnd, EpochEnd, TrainResult
from designer.training.live import Growable, LiveRun, smoothing_weight
from designer.training.relay import BatchUpdate, EpochUpdate, Finished, Paused, Relay, Resumed, RunStarted


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fake_trainer(epochs: int = 3, batches: int = 10):
    return SimpleNamespace(
        run_dir=None, spec=SimpleNamespace(epochs=epochs, optimizer="adam"), plan=range(batches), epoch=0,
        step=0, history=[], optimizer_settings=lambda: {"learning_rate": 0.1},
        placement=SimpleNamespace(device="cpu"), info=SimpleNamespace(task="classification", class_names=["a", "b"]),
        notes=["a note"], callbacks=SimpleNamespace(callbacks=[SimpleNamespace(probe_inputs=np.zeros((7, 2)))]),
        optimizer=SimpleNamespace(param_groups=[{"lr": 0.1}]))


def test_batches_are_sent_at_most_10_times_a_second_and_none_is_lost():
    clock, posted = Clock(), []
    relay = Relay(posted.append, clock=clock)
    trainer = fake_trainer(epochs=1, batches=1000)
    relay.on_train_start(trainer)
    started = posted.pop(0)
    assert isinstance(started, RunStarted) and started.batches == 1000 and started.probe_samples == 7
    for step in range(1, 1001):  # 1000 batches in one second
        clock.now += 0.001
        relay.on_batch_end(trainer, BatchEnd(1, step, 1000, step, 32, None, float(step)))
    relay.on_epoch_end(trainer, EpochEnd(1, 1, {"epoch": 1, "train_loss": 0.5}, True, 1))
    batches = [m for m in posted if isinstance(m, BatchUpdate)]
    assert 10 <= len(batches) <= 11  # UPDATES_PER_SECOND, and the epoch's end
    steps = np.concatenate([b.steps for b in batches])
    assert steps.tolist() == list(range(1, 1001))
    assert np.concatenate([b.losses for b in batches]).tolist() == [float(s) for s in range(1, 1001)]
    assert abs(batches[-1].samples_per_second - 32_000) < 1_000
    assert isinstance(posted[-1], EpochUpdate) and posted[-1].row["train_loss"] == 0.5


def test_paused_time_does_not_count_and_the_time_left_is_estimated():
    clock, posted = Clock(), []
    relay = Relay(posted.append, rate=20, clock=clock)  # an update after every 0.1 s batch
    trainer = fake_trainer(epochs=2, batches=10)
    relay.on_train_start(trainer)
    for step in range(1, 6):
        clock.now += 0.1
        relay.on_batch_end(trainer, BatchEnd(1, step, 10, step, 10, None, 1.0))
    relay.on_pause(trainer)
    clock.now += 60.0  # a long pause
    relay.on_resume(trainer)
    assert isinstance(posted[-2], Paused) and isinstance(posted[-1], Resumed)
    for step in range(6, 11):
        clock.now += 0.1
        relay.on_batch_end(trainer, BatchEnd(1, step, 10, step, 10, None, 1.0))
    updates = [m for m in posted if isinstance(m, BatchUpdate)]
    assert all(abs(u.samples_per_second - 100) < 1 for u in updates)  # 10 samples per 0.1 s
    assert abs(updates[-1].seconds_left - 1.0) < 0.05  # 10 batches of 0.1 s to go
    relay.on_train_end(trainer, TrainResult("completed", None, None, 1))
    assert isinstance(posted[-1], Finished)


def test_live_run_smooths_and_replaces_epochs_of_a_continued_run():
    live = LiveRun()
    live.start(batches_per_epoch=4, epochs=3, history=[{"epoch": 1, "train_loss": 1.0}])
    live.add_batches(np.array([5, 6, 7, 8]), np.array([2.0, 2.0, 2.0, 2.0]), 0.01)
    assert live.batch_x.data.tolist() == [1.25, 1.5, 1.75, 2.0]
    assert np.allclose(live.batch_smooth.data, 2.0)  # a debiased average of equal values
    live.add_epoch({"epoch": 2, "train_loss": 0.5, "val_accuracy": 0.8, "train_accuracy": 0.7})
    live.add_epoch({"epoch": 2, "train_loss": 0.4})  # the same epoch again replaces it
    assert live.column("train_loss")[1].tolist() == [1.0, 0.4]
    assert 0.95 < smoothing_weight(1000) < 1


def test_growable_keeps_rows():
    buffer = Growable(3, capacity=2)
    for i in range(10):
        buffer.extend(np.full(3, i))
    assert buffer.data.shape == (10, 3) and buffer.data[-1].tolist() == [9, 9, 9]
