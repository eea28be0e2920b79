"""The training loop: callbacks, stop, pause, live changes, resume, determinism, NaN, freezing."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from core.errors import ShapeError, TrainingError
from core.train import Callback, continue_run, prepare, saving
from core.train.checkpoint import load_checkpoint
from core.train.device import resolve
from core.train.rundir import read_metrics_csv
from core.train.setup import build_module
from core.train.spec import TrainSpec
from core.train.trainer import Trainer
from tests.core.train.tiny import dataset, metrics_rows, project, regression_dataset


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_train_start(self, trainer):
        self.events.append(("start",))

    def on_batch_end(self, trainer, event):
        self.events.append(("batch", event.epoch, event.batch, event.step))

    def on_epoch_end(self, trainer, event):
        self.events.append(("epoch", event.epoch, event.is_best))

    def on_train_end(self, trainer, result):
        self.events.append(("end", result.status))


def test_callbacks_come_in_order_with_every_batch(tmp_path):
    proj = project(tmp_path)
    recorder = Recorder()
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[recorder])
    result = trainer.fit()
    assert result.status == "completed" and result.epochs_completed == 3
    events = recorder.events
    per_epoch = len(trainer.plan)
    assert per_epoch == 6  # 96 training samples in batches of 16
    assert events[0] == ("start",) and events[-1] == ("end", "completed")
    kinds = [e[0] for e in events[1:-1]]
    assert kinds == (["batch"] * per_epoch + ["epoch"]) * 3
    steps = [e[3] for e in events if e[0] == "batch"]
    assert steps == list(range(1, 3 * per_epoch + 1))
    assert [e[2] for e in events if e[0] == "batch"][:per_epoch] == list(range(1, per_epoch + 1))


def test_the_run_folder_holds_everything_and_reads_back(tmp_path):
    proj = project(tmp_path, data={"kind": "builtin", "name": "gaussian", "samples": 120, "classes": 3,
                                   "split": {"validation": 0.2, "test": 0.2}})
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run")
    result = trainer.fit()
    run_dir = tmp_path / "run"
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "last.ckpt", "metrics.csv", "model.safetensors", "preprocessing.json", "run.json"]
    run = json.loads((run_dir / "run.json").read_text())
    assert run["format"] == "layerforge.run" and run["status"] == "completed"
    assert run["project"]["name"] == "Tiny" and run["seed"] == 0
    # "auto" picks CUDA, then MPS, then the CPU: the record names the device that trained.
    assert run["device"] == trainer.placement.device == resolve("auto", "float32").device
    assert run["data"]["splits"] == {"train": 72, "validation": 24, "test": 24}
    assert run["epochs_completed"] == 3 and run["best"]["epoch"] == result.best["epoch"]
    assert set(run["test"]) == {"test_loss", "test_accuracy", "test_precision", "test_recall", "test_f1"}
    assert run["versions"]["torch"] == torch.__version__
    header = (run_dir / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["epoch", "train_loss", "val_loss"]
    assert header[-4:] == ["learning_rate", "seconds", "samples_per_second", "train_samples_per_second"]
    assert "val_accuracy" in header and "val_f1" in header
    ckpt = torch.load(run_dir / "last.ckpt", weights_only=True)
    assert {"model", "optimizer", "scheduler", "rng", "epoch"} <= set(ckpt)
    assert set(ckpt["rng"]) >= {"torch", "numpy", "python", "cuda"} and ckpt["epoch"] == 3
    weights = load_file(run_dir / "model.safetensors")
    assert set(weights) == set(trainer.module.state_dict())
    for name, tensor in trainer.module.state_dict().items():  # the module ends with the best weights
        assert torch.equal(weights[name], tensor.cpu())
    assert json.loads((run_dir / "preprocessing.json").read_text())["kind"] == "builtin"


def test_default_run_folder_is_beside_the_project(tmp_path):
    proj = project(tmp_path, training={"epochs": 1})
    result = prepare(proj, dataset(proj)).fit()
    assert result.run_dir.parent == tmp_path / "runs"
    assert result.run_dir.name.startswith("Tiny-")


class StopInEpoch2(Callback):
    def on_batch_end(self, trainer, event):
        if event.epoch == 2 and event.batch == 2:
            trainer.stop()
        self.last = (event.epoch, event.batch)


def test_stop_flag_ends_the_run_after_the_current_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(saving, "KEEP_AFTER", 0.0)  # every epoch is kept, however short
    proj = project(tmp_path)
    stopper = StopInEpoch2()
    result = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[stopper]).fit()
    assert result.status == "stopped" and result.epochs_completed == 1
    assert stopper.last == (2, 2)
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["status"] == "stopped" and "after epoch 1" in run["reason"]
    assert len(read_metrics_csv(tmp_path / "run" / "metrics.csv")) == 1
    assert load_checkpoint(tmp_path / "run" / "last.ckpt")["epoch"] == 1


def test_a_stop_during_an_epoch_after_an_unkept_one_ends_the_run_with_that_epoch(tmp_path, monkeypatch):
    """Epoch 1 was too short to keep (and no write was due): the stop asked for in epoch 2
    waits for its end, which is kept and written, so the checkpoint is the last epoch's."""
    monkeypatch.setattr(saving, "KEEP_AFTER", float("inf"))
    monkeypatch.setattr(saving, "FIRST_WRITE_AFTER", float("inf"))
    proj = project(tmp_path)
    stopper = StopInEpoch2()
    result = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[stopper]).fit()
    assert result.status == "stopped" and result.epochs_completed == 2
    assert stopper.last[0] == 2 and stopper.last[1] > 2  # epoch 2 went on to its end
    assert len(read_metrics_csv(tmp_path / "run" / "metrics.csv")) == 2
    assert load_checkpoint(tmp_path / "run" / "last.ckpt")["epoch"] == 2


def test_pause_waits_between_batches_and_settings_change_while_paused(tmp_path):
    paused, go_on = threading.Event(), threading.Event()

    class PauseOnce(Callback):
        def on_batch_end(self, trainer, event):
            if event.step == 3:
                trainer.pause()

        def on_pause(self, trainer):
            paused.set()

    proj = project(tmp_path, training={"epochs": 2, "batch_size": 16, "optimizer": "sgd",
                                       "momentum": 0.5, "learning_rate": 0.05})
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[PauseOnce()])
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("result", trainer.fit()))
    worker.start()
    try:
        assert paused.wait(30), "the trainer never paused"
        assert trainer.paused and trainer.step == 3
        trainer.update_optimizer(learning_rate=0.123, momentum=0.8)
        for _ in range(200):  # applied by the training thread although it is paused
            if trainer.optimizer_settings()["learning_rate"] == 0.123:
                break
            go_on.wait(0.01)
        assert trainer.optimizer_settings()["learning_rate"] == 0.123
        assert trainer.optimizer_settings()["momentum"] == 0.8
        go_on.wait(0.2)
        assert trainer.step == 3, "a paused trainer must not take steps"
        with pytest.raises(TrainingError, match="betas cannot be changed for the 'sgd' optimizer"):
            trainer.update_optimizer(betas=(0.9, 0.99))
        with pytest.raises(TrainingError, match="learning_rate must be a number above 0"):
            trainer.update_optimizer(learning_rate=-1)
        trainer.resume()
    finally:
        trainer.resume()
        worker.join(60)
    result = outcome["result"]
    assert result.status == "completed" and trainer.step == 12
    rows = read_metrics_csv(tmp_path / "run" / "metrics.csv")
    assert [r["learning_rate"] for r in rows] == [0.123, 0.123]
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["changes"] == [{"epoch": 1, "step": 3,
                               "settings": {"learning_rate": 0.123, "momentum": 0.8}}]


def test_stop_while_paused(tmp_path):
    class PauseThenStop(Callback):
        def on_batch_end(self, trainer, event):
            if event.step == 2:
                trainer.pause()

        def on_pause(self, trainer):
            threading.Timer(0.05, trainer.stop).start()

    proj = project(tmp_path)
    result = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[PauseThenStop()]).fit()
    assert result.status == "stopped" and result.epochs_completed == 0


def test_same_seed_same_result_other_seed_other_result(tmp_path):
    proj = project(tmp_path, layers=(("fc1", "Linear", {"out_features": 16}), ("relu1", "ReLU", {}),
                                     ("drop", "Dropout", {"p": 0.3})))
    ds = dataset(proj)
    for name in ("a", "b"):
        prepare(proj, ds, run_dir=tmp_path / name).fit()
    prepare(proj, ds, run_dir=tmp_path / "c", overrides={"seed": 1}).fit()
    assert metrics_rows(tmp_path / "a") == metrics_rows(tmp_path / "b")
    assert metrics_rows(tmp_path / "a") != metrics_rows(tmp_path / "c")


@pytest.mark.parametrize("keep_after, completed", [(0.0, 2), (float("inf"), 3)])
def test_stopped_and_continued_equals_uninterrupted(tmp_path, monkeypatch, keep_after, completed):
    """Dropout (global RNG), shuffling, momentum and a schedule all continue exactly: from
    the epoch before the stop (every epoch kept), or from the end of the epoch the stop was
    asked for in (epochs too short to keep, no write due: it waits for the epoch's end)."""
    monkeypatch.setattr(saving, "KEEP_AFTER", keep_after)
    monkeypatch.setattr(saving, "FIRST_WRITE_AFTER", float("inf"))
    training = {"epochs": 4, "batch_size": 16, "optimizer": "sgd", "momentum": 0.9,
                "learning_rate": 0.05, "schedule": {"type": "step", "step_size": 2, "gamma": 0.5},
                "seed": 3}
    proj = project(tmp_path, training=training,
                   layers=(("fc1", "Linear", {"out_features": 16}), ("relu1", "ReLU", {}),
                           ("drop", "Dropout", {"p": 0.2})))
    ds = dataset(proj)
    prepare(proj, ds, run_dir=tmp_path / "whole").fit()

    class StopInEpoch3(Callback):
        def on_batch_end(self, trainer, event):
            if event.epoch == 3 and event.batch == 3:
                trainer.stop()

    stopped = prepare(proj, ds, run_dir=tmp_path / "parts", callbacks=[StopInEpoch3()]).fit()
    assert stopped.status == "stopped" and stopped.epochs_completed == completed
    result = continue_run(tmp_path / "parts").fit()
    assert result.status == "completed" and result.epochs_completed == 4
    assert metrics_rows(tmp_path / "parts") == metrics_rows(tmp_path / "whole")  # bitwise
    whole = load_file(tmp_path / "whole" / "model.safetensors")
    parts = load_file(tmp_path / "parts" / "model.safetensors")
    assert all(torch.equal(whole[k], parts[k]) for k in whole)
    run = json.loads((tmp_path / "parts" / "run.json").read_text())
    assert run["status"] == "completed" and run["resumed"][0]["at_epoch"] == completed


def test_continue_can_train_longer_but_not_change_the_batch_size(tmp_path):
    proj = project(tmp_path, training={"epochs": 2, "seed": 0})
    prepare(proj, dataset(proj), run_dir=tmp_path / "run").fit()
    result = continue_run(tmp_path / "run", overrides={"epochs": 3}).fit()
    assert result.epochs_completed == 3 and len(metrics_rows(tmp_path / "run")) == 3
    with pytest.raises(TrainingError, match="batch_size cannot change when a run is continued"):
        continue_run(tmp_path / "run", overrides={"batch_size": 8})
    with pytest.raises(TrainingError, match="has already completed 3 epochs"):
        continue_run(tmp_path / "run", overrides={"epochs": 2})


def test_continue_refuses_other_data(tmp_path):
    proj = project(tmp_path, training={"epochs": 1})
    prepare(proj, dataset(proj), run_dir=tmp_path / "run").fit()
    other = project(data={"kind": "builtin", "name": "gaussian", "samples": 120, "classes": 3, "seed": 5})
    with pytest.raises(TrainingError, match="changed since the run started"):
        continue_run(tmp_path / "run", dataset=dataset(other))


def test_a_loss_diverging_after_epochs_too_short_to_keep_says_no_checkpoint_was_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(saving, "KEEP_AFTER", float("inf"))
    monkeypatch.setattr(saving, "FIRST_WRITE_AFTER", float("inf"))

    class PoisonAfterEpoch2(Callback):  # a weight becomes NaN: epoch 3's first batch diverges
        def on_epoch_end(self, trainer, event):
            if event.epoch == 2:
                with torch.no_grad():
                    next(trainer.module.parameters()).fill_(float("nan"))

    proj = project(tmp_path, training={"epochs": 4, "batch_size": 16, "seed": 0, "device": "cpu"})
    result = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[PoisonAfterEpoch2()]).fit()
    assert result.status == "failed" and result.epochs_completed == 2
    assert "epoch 3, batch 1" in result.reason and "no checkpoint was kept" in result.reason
    assert not (tmp_path / "run" / "last.ckpt").exists()
    # What was learnt is still on disk: the metrics of both epochs and the best weights.
    assert len(read_metrics_csv(tmp_path / "run" / "metrics.csv")) == 2
    assert all(torch.isfinite(t).all() for t in load_file(tmp_path / "run" / "model.safetensors").values())


def test_nan_loss_stops_at_once_keeps_the_last_checkpoint_and_fails_the_run(tmp_path):
    ds = regression_dataset()
    # On the CPU the loss is checked after every batch (on a GPU every 32 steps, to spare
    # the synchronisation), so "at once" means mid-epoch there: pin the CPU.
    proj = project(tmp_path, training={"epochs": 3, "batch_size": 8, "optimizer": "sgd",
                                       "learning_rate": 1.0, "seed": 0, "device": "cpu"})

    class DivergeInEpoch2(Callback):
        def on_epoch_end(self, trainer, event):
            trainer.update_optimizer(learning_rate=90.0)

        def on_batch_end(self, trainer, event):
            self.last = (event.epoch, event.batch)

    watcher = DivergeInEpoch2()
    trainer = prepare(proj, ds, run_dir=tmp_path / "run", callbacks=[watcher])
    result = trainer.fit()
    assert result.status == "failed" and result.epochs_completed == 1
    assert "loss became" in result.reason and "epoch 2" in result.reason
    assert "lower learning rate" in result.reason and "gradient clipping" in result.reason
    assert "check the data" in result.reason and "epoch 1 was kept" in result.reason
    assert watcher.last[0] == 2 and watcher.last[1] < len(trainer.plan)  # stopped mid-epoch
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["status"] == "failed" and run["reason"] == result.reason
    ckpt = torch.load(tmp_path / "run" / "last.ckpt", weights_only=True)
    assert ckpt["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in ckpt["model"].values())
    assert all(torch.isfinite(t).all() for t in trainer.module.state_dict().values())


def test_frozen_layers_keep_their_weights(tmp_path):
    proj = project(tmp_path)
    proj.graph.nodes["fc1"].extra["trainable"] = False
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run")
    before = {k: v.clone() for k, v in trainer.module.state_dict().items()}
    trainer.fit()
    after = {k: v.cpu() for k, v in trainer.module.state_dict().items()}  # it trained on auto's device
    assert torch.equal(before["fc1.weight"], after["fc1.weight"])
    assert torch.equal(before["fc1.bias"], after["fc1.bias"])
    assert not torch.equal(before["fc2.weight"], after["fc2.weight"])
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["frozen"] == ["fc1"] and run["parameters"]["trainable"] < run["parameters"]["total"]


def test_everything_frozen_is_refused(tmp_path):
    proj = project(tmp_path)
    for node in proj.graph.nodes.values():
        node.extra["trainable"] = False
    with pytest.raises(TrainingError, match="every layer is frozen"):
        prepare(proj, dataset(proj), run_dir=tmp_path / "run").fit()


def test_init_from_loads_matching_weights_and_names_the_rest(tmp_path):
    proj = project(tmp_path, training={"epochs": 1})
    prepare(proj, dataset(proj), run_dir=tmp_path / "first").fit()
    source = load_file(tmp_path / "first" / "model.safetensors")
    wider = project(tmp_path, name="Wider", layers=(("fc1", "Linear", {"out_features": 16}),
                                                    ("relu1", "ReLU", {}),
                                                    ("fc2", "Linear", {"out_features": 32}),
                                                    ("relu2", "ReLU", {})),
                    training={"epochs": 1})
    wider.training["init_from"] = "first"  # relative to the saved project's folder
    trainer = prepare(wider, dataset(wider), run_dir=tmp_path / "second")
    assert torch.equal(trainer.module.state_dict()["fc1.weight"], source["fc1.weight"])
    note = next(n for n in trainer.notes if n.startswith("init_from"))
    assert "loaded 3 of 6 tensors" in note  # fc1 and the output bias
    assert "fc2.weight (16×16 in the run, 32×16 here)" in note
    assert "output.weight (3×16 in the run, 3×32 here)" in note
    nothing = project(tmp_path, name="Other", layers=(("dense", "Linear", {"out_features": 4}),),
                      data={"kind": "builtin", "name": "moons", "samples": 60},
                      training={"init_from": str(tmp_path / "first")})
    with pytest.raises(TrainingError, match="none of the weights"):
        prepare(nothing, dataset(nothing), run_dir=tmp_path / "third")
    missing = project(tmp_path, name="Missing")
    missing.training["init_from"] = "nowhere"
    with pytest.raises(TrainingError, match="has no model.safetensors"):
        prepare(missing, dataset(missing), run_dir=tmp_path / "fourth")


def test_dataloader_path_gives_the_same_result_as_the_device_path(tmp_path):
    proj = project(tmp_path)
    ds = dataset(proj)
    prepare(proj, ds, run_dir=tmp_path / "device").fit()
    trainer = prepare(proj, ds, run_dir=tmp_path / "loader",
                      overrides={"data_loading": "loader", "workers": 0})
    trainer.fit()
    assert not trainer.train_batches.on_device
    a, b = metrics_rows(tmp_path / "device"), metrics_rows(tmp_path / "loader")
    assert [r["epoch"] for r in a] == [r["epoch"] for r in b]
    for row_a, row_b in zip(a, b):
        for key in row_a:
            assert row_a[key] == pytest.approx(row_b[key], rel=1e-6, abs=1e-7), key


def test_memory_mapped_data_trains_through_a_loader_with_workers(tmp_path):
    from core.data.dataset import Split

    # On the CPU a memory-mapped array is read through a loader; a GPU copies it to the device.
    proj = project(tmp_path, training={"epochs": 1, "batch_size": 16, "workers": 1, "device": "cpu"})
    ds = dataset(proj)
    path = tmp_path / "x.npy"
    np.save(path, ds.train.x)
    ds.train = Split(np.load(path, mmap_mode="r"), ds.train.y, ds.train.ids)
    trainer = prepare(proj, ds, run_dir=tmp_path / "run")
    assert trainer.fit().status == "completed"
    assert not trainer.train_batches.on_device and trainer.train_batches.workers == 1


def test_early_stopping_ends_the_run_and_restores_the_best_weights(tmp_path):
    proj = project(tmp_path, training={"epochs": 50, "batch_size": 16, "learning_rate": 0.05,
                                       "early_stopping": {"patience": 2, "min_delta": 10.0}})
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run")
    result = trainer.fit()
    assert result.status == "completed" and result.epochs_completed == 3
    assert result.reason.startswith("early stopping: val_loss did not improve for 2 epochs")
    assert result.best["epoch"] == 1
    best = load_file(tmp_path / "run" / "model.safetensors")
    assert all(torch.equal(best[k], v.cpu()) for k, v in trainer.module.state_dict().items())


def test_regression_metrics_are_in_original_units(tmp_path):
    ds = regression_dataset(scale=10.0)
    proj = project(tmp_path, training={"epochs": 2, "batch_size": 8, "seed": 0})
    result = prepare(proj, ds, run_dir=tmp_path / "run").fit()
    row = result.final
    assert {"val_mae", "val_rmse", "val_r2", "train_mae"} <= set(row)
    # The loss is on scaled targets; the RMSE in original units is 10 × larger (scale × std).
    target_std = np.asarray(ds.preprocessing["target_scaling"]["scale"])[0]
    assert row["val_rmse"] == pytest.approx(np.sqrt(row["val_loss"]) * target_std, rel=1e-4)


def test_an_output_that_does_not_fit_the_data_is_explained(tmp_path):
    proj = project(tmp_path)
    proj.graph.nodes["output"].params["units"] = 5
    ds = dataset(proj)
    with pytest.raises(ShapeError, match=r"Output 'output' is set to 5 units but the data needs \(N, 3\)"):
        build_module(proj.graph, ds.info, TrainSpec.from_dict({}, ds.info))


def test_trainer_can_be_built_by_hand(tmp_path):
    """The low-level constructor: any module, any Dataset, no run folder."""
    ds = regression_dataset()
    spec = TrainSpec.from_dict({"epochs": 2, "batch_size": 24}, ds.info)
    module = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    result = Trainer(module, ds, spec).fit()
    assert result.status == "completed" and result.run_dir is None and result.final["epoch"] == 2


def test_augmentation_touches_training_batches_only_and_resumes_exactly(tmp_path):
    calls = []

    def jitter(batch, generator):
        calls.append((tuple(batch.shape), isinstance(generator, torch.Generator)))
        return batch + 0.05 * torch.randn(batch.shape, generator=generator, device=batch.device)

    proj = project(tmp_path, training={"epochs": 3, "batch_size": 16, "seed": 2})
    ds = dataset(proj)
    ds.augment = jitter
    prepare(proj, ds, run_dir=tmp_path / "whole").fit()
    assert len(calls) == 3 * 6 and calls[0] == ((16, 2), True)  # 96 training samples, never validation

    class StopInEpoch2(Callback):
        def on_batch_end(self, trainer, event):
            if event.epoch == 2:
                trainer.stop()

    prepare(proj, ds, run_dir=tmp_path / "parts", callbacks=[StopInEpoch2()]).fit()
    continue_run(tmp_path / "parts", dataset=ds).fit()
    assert metrics_rows(tmp_path / "parts") == metrics_rows(tmp_path / "whole")
