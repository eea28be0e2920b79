"""How the trainer writes its run folder: spaced out on fast epochs, never losing an epoch
that a stop, a pause or the end of the run has to keep."""

from __future__ import annotations

import pytest
import torch

from core.train import saving as saving_module
from core.train.rundir import CHECKPOINT, RunDirectory, read_metrics_csv
from core.train.setup import prepare
from tests.core.train.tiny import PauseAt, StopAt, dataset, project


def _count_checkpoints(monkeypatch) -> list[int]:
    written: list[int] = []
    original = RunDirectory.write

    def write(self, name, data):
        if name == CHECKPOINT:
            written.append(1)
        return original(self, name, data)

    monkeypatch.setattr(RunDirectory, "write", write)
    return written


@pytest.mark.parametrize("first_after, share, writes", [(0.0, 1e-9, 2), (1e9, 1e-9, 1), (0.0, 1e9, 120)])
def test_writes_are_spaced_by_their_cost_and_the_last_epoch_is_always_written(
        tmp_path, monkeypatch, first_after, share, writes):
    """The first write waits FIRST_WRITE_AFTER seconds of training (never reached: only the
    last epoch is written); then SAVE_SHARE bounds the time writing may take: tiny, only the
    first and last epochs are written; huge, every epoch is whose previous files are done
    (here: always; the bench measures the real default)."""
    monkeypatch.setattr(saving_module, "FIRST_WRITE_AFTER", first_after)
    monkeypatch.setattr(saving_module, "SAVE_SHARE", share)
    monkeypatch.setattr(RunDirectory, "idle", property(lambda self: True))
    written = _count_checkpoints(monkeypatch)
    proj = project(tmp_path, training={"epochs": 120, "batch_size": 64, "seed": 0, "device": "cpu"})
    run = tmp_path / "run"
    result = prepare(proj, dataset(proj), run_dir=run).fit()
    assert result.status == "completed" and result.epochs_completed == 120
    assert len(written) == writes
    assert torch.load(run / CHECKPOINT, weights_only=True)["epoch"] == 120
    assert [row["epoch"] for row in read_metrics_csv(run / "metrics.csv")] == list(range(1, 121))


def test_a_stop_keeps_exactly_the_last_completed_epoch(tmp_path):
    from core.train.setup import continue_run

    training = {"epochs": 80, "batch_size": 16, "seed": 0, "device": "cpu"}
    proj = project(tmp_path, training=training)
    run = tmp_path / "stopped"
    result = prepare(proj, dataset(proj), run_dir=run, callbacks=[StopAt(37)]).fit()
    assert result.status == "stopped"
    assert torch.load(run / CHECKPOINT, weights_only=True)["epoch"] == 37
    assert len(read_metrics_csv(run / "metrics.csv")) == 37
    continue_run(run).fit()
    whole = tmp_path / "whole"
    prepare(proj, dataset(proj), run_dir=whole).fit()
    strip = ("seconds", "samples_per_second", "train_samples_per_second")
    rows = [[{k: v for k, v in r.items() if k not in strip} for r in read_metrics_csv(d / "metrics.csv")]
            for d in (run, whole)]
    assert rows[0] == rows[1]  # stopped and continued = never stopped


def test_a_paused_run_has_its_last_epoch_on_disk(tmp_path):
    proj = project(tmp_path, training={"epochs": 60, "batch_size": 16, "seed": 0, "device": "cpu"})
    pause = PauseAt(23, lambda trainer: torch.load(trainer.run_dir / CHECKPOINT, weights_only=True)["epoch"])
    prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[pause]).fit()
    assert pause.seen == 23
