"""Two-stage fine-tuning: frozen layers train again from ``training.unfreeze_at_epoch``, at the
learning rate × ``unfreeze_learning_rate_factor``, and a run killed before or after that
epoch resumes exactly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import torch

from core.cli import main
from core.train import Callback, continue_run, prepare
from core.train.param_groups import MULTIPLIER
from core.train.spec import training_problems
from tests.core.train.test_cli_train import ROOT, _env, layerforge
from tests.core.train.tiny import MLP, StopAt, dataset, metrics_rows, project

TWO_STAGE = {"epochs": 5, "batch_size": 16, "optimizer": "sgd", "momentum": 0.9,
             "learning_rate": 0.05, "schedule": {"type": "step", "step_size": 2, "gamma": 0.5},
             "unfreeze_at_epoch": 3, "unfreeze_learning_rate_factor": 0.2, "seed": 2}
#: The tiny MLP with a BatchNorm in the part that starts frozen.
WITH_NORM = (("fc1", "Linear", {"out_features": 16}), ("bn1", "BatchNorm1d", {}),
             ("relu1", "ReLU", {})) + MLP[2:]


def two_stage(tmp_path, name="Tiny", **training):
    proj = project(tmp_path, name=name, layers=WITH_NORM, training={**TWO_STAGE, **training})
    for node_id in ("fc1", "bn1"):
        proj.graph.nodes[node_id].extra["trainable"] = False
    proj.graph.nodes["fc2"].extra["lr_multiplier"] = 0.5
    proj.save(proj.path)
    return proj


class Watch(Callback):
    """Per epoch: fc1's weights, bn1's running mean and mode, and the rates of the groups."""

    def __init__(self):
        self.weights, self.means, self.modes, self.rates = {}, {}, {}, {}

    def on_batch_end(self, trainer, event):
        self.modes.setdefault(event.epoch, trainer.module.bn1.training)

    def on_epoch_end(self, trainer, event):
        self.weights[event.epoch] = trainer.module.fc1.weight.detach().clone()
        self.means[event.epoch] = trainer.module.bn1.running_mean.clone()
        self.rates[event.epoch] = [g["lr"] for g in trainer.optimizer.param_groups]


def test_frozen_layers_train_from_the_unfreeze_epoch_at_the_smaller_rate(tmp_path):
    proj = two_stage(tmp_path)
    watch = Watch()
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[watch])
    start = trainer.module.fc1.weight.detach().clone()
    start_mean = trainer.module.bn1.running_mean.clone()
    assert trainer.fit().status == "completed"
    # epochs 1-2: fc1 and its BatchNorm keep their weights and statistics (eval mode)
    assert torch.equal(watch.weights[2], start) and torch.equal(watch.means[2], start_mean)
    assert watch.modes[1] is False and watch.modes[2] is False
    # from epoch 3 they learn, and the BatchNorm follows the data again
    assert not torch.equal(watch.weights[3], watch.weights[2])
    assert not torch.equal(watch.means[3], watch.means[2]) and watch.modes[3] is True
    # groups: trainable ×1, fc2 ×0.5, then the unfrozen layers at ×0.2; the step schedule moves all
    groups = trainer.optimizer.param_groups
    assert [g[MULTIPLIER] for g in groups] == [1.0, 0.5, 0.2]
    assert watch.rates[1] == pytest.approx([0.05, 0.025, 0.01])
    assert watch.rates[3] == pytest.approx([0.025, 0.0125, 0.005])
    note = ("from epoch 3 the frozen layers (fc1, bn1) train too, at the learning rate × 0.2"
            " (training.unfreeze_at_epoch)")
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert note in run["notes"] and run["frozen"] == ["fc1", "bn1"]
    assert run["training"]["unfreeze_at_epoch"] == 3


def test_without_the_option_frozen_layers_stay_frozen(tmp_path):
    proj = two_stage(tmp_path, unfreeze_at_epoch=None, epochs=3)
    watch = Watch()
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run", callbacks=[watch])
    start = trainer.module.fc1.weight.detach().clone()
    trainer.fit()
    assert torch.equal(watch.weights[3], start) and watch.modes[3] is False
    assert [g[MULTIPLIER] for g in trainer.optimizer.param_groups] == [1.0, 0.5]


def test_early_stopping_waits_for_the_second_stage_and_restarts_its_patience(tmp_path):
    never_better = {"patience": 1, "min_delta": 1e9}  # every epoch after the first is "no better"
    alone = two_stage(tmp_path, name="Alone", unfreeze_at_epoch=None, early_stopping=never_better)
    assert prepare(alone, dataset(alone), run_dir=tmp_path / "alone").fit().epochs_completed == 2
    proj = two_stage(tmp_path, early_stopping=never_better, unfreeze_at_epoch=4, epochs=8)
    result = prepare(proj, dataset(proj), run_dir=tmp_path / "run").fit()
    assert result.epochs_completed == 4 and result.reason.startswith("early stopping")
    stopped = prepare(proj, dataset(proj), run_dir=tmp_path / "parts", callbacks=[StopAt(2)]).fit()
    assert stopped.epochs_completed == 2
    assert continue_run(tmp_path / "parts").fit().epochs_completed == 4
    assert metrics_rows(tmp_path / "parts") == metrics_rows(tmp_path / "run")


@pytest.mark.parametrize("stop_after", [1, 3])  # before the unfreeze epoch (3), and after it
def test_a_stopped_run_continues_exactly_before_and_after_the_unfreeze(tmp_path, stop_after):
    proj = two_stage(tmp_path)
    prepare(proj, dataset(proj), run_dir=tmp_path / "whole").fit()
    stopped = prepare(proj, dataset(proj), run_dir=tmp_path / "parts", callbacks=[StopAt(stop_after)]).fit()
    assert stopped.epochs_completed == stop_after
    resumed = continue_run(tmp_path / "parts")
    assert resumed.fit().status == "completed"
    assert metrics_rows(tmp_path / "parts") == metrics_rows(tmp_path / "whole")  # bitwise
    run = json.loads((tmp_path / "parts" / "run.json").read_text())
    assert sum("from epoch 3 the frozen layers" in n for n in run["notes"]) == 1


KILL_AT = """
import os, signal, sys
from core.data import load
from core.project import Project
from core.train import Callback, prepare, saving

saving.KEEP_AFTER = 0.0  # every epoch kept, however short: the one before the kill is written

class KillMidEpoch(Callback):
    def on_batch_end(self, trainer, event):
        if event.epoch == int(sys.argv[3]) and event.batch == 2:
            trainer.saver.write_pending()  # the epoch before is on disk, as it is when it is due
            trainer.runs.flush()
            os.kill(os.getpid(), signal.SIGKILL)

project = Project.load(sys.argv[1])
prepare(project, load(project.data, project.directory), run_dir=sys.argv[2],
        callbacks=[KillMidEpoch()]).fit()
"""


@pytest.mark.slow
@pytest.mark.parametrize("killed_in", [2, 4])  # the last checkpoint before / after epoch 3 unfroze
def test_a_run_killed_before_or_after_the_unfreeze_resumes_as_if_never_killed(tmp_path, killed_in):
    proj = two_stage(tmp_path)
    killed = tmp_path / "killed"
    process = subprocess.run([sys.executable, "-c", KILL_AT, str(proj.path), str(killed), str(killed_in)],
                             cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert torch.load(killed / "last.ckpt", weights_only=True)["epoch"] == killed_in - 1
    resumed = layerforge("train", "--resume", str(killed), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    prepare(proj, dataset(proj), run_dir=tmp_path / "whole").fit()
    assert metrics_rows(killed) == metrics_rows(tmp_path / "whole")  # bitwise
    whole = torch.load(tmp_path / "whole" / "last.ckpt", weights_only=True)
    again = torch.load(killed / "last.ckpt", weights_only=True)
    assert all(torch.equal(whole["model"][k], again["model"][k]) for k in whole["model"])


@pytest.mark.parametrize("training, words", [
    ({"unfreeze_at_epoch": 1}, "training.unfreeze_at_epoch must be a whole number of at least 2"),
    ({"unfreeze_at_epoch": "3"}, "training.unfreeze_at_epoch must be a whole number of at least 2"),
    ({"unfreeze_learning_rate_factor": 0}, "training.unfreeze_learning_rate_factor must be a number"
                                           " above 0 and at most 1 (such as 0.1), got 0"),
    ({"unfreeze_learning_rate_factor": 2}, "training.unfreeze_learning_rate_factor must be"),
])
def test_bad_values_are_one_sentence_in_check(tmp_path, capsys, training, words):
    assert any(p.startswith(words) for p in training_problems(training))  # the form, training
    proj = project(tmp_path, training={"epochs": 3, **training})
    assert main(["check", str(proj.path)]) == 2  # it opens; the settings table refuses it
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and words in errors[0], err
    assert "Traceback" not in out + err


def test_an_unfreeze_after_the_last_epoch_is_noted(tmp_path):
    proj = two_stage(tmp_path, epochs=2)
    trainer = prepare(proj, dataset(proj), run_dir=tmp_path / "run")
    assert any("after the last epoch (2): the frozen layers stay frozen" in n for n in trainer.notes)


def test_the_cli_honours_the_two_stage_schedule(tmp_path):
    proj = two_stage(tmp_path, epochs=3)
    result = subprocess.run([sys.executable, "-m", "core.cli", "train", str(proj.path), "--run-dir",
                             str(tmp_path / "run")], cwd=ROOT, env=_env(), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "note: from epoch 3 the frozen layers (fc1, bn1) train too" in result.stderr
    state = torch.load(tmp_path / "run" / "last.ckpt", weights_only=True)
    assert [g[MULTIPLIER] for g in state["optimizer"]["param_groups"]] == [1.0, 0.5, 0.2]
    assert os.path.exists(tmp_path / "run" / "model.safetensors")


@pytest.mark.slow
def test_two_processes_sync_the_unfrozen_layers_gradients(tmp_path):
    """DistributedDataParallel syncs only the gradients it saw when it was made: after the
    unfreeze the trainer wraps the module again, so both processes keep equal weights and
    match a single process."""
    import textwrap

    from safetensors.torch import load_file

    from tests.core.train.test_distributed import GLOO_ON_CPU, _close, _run

    proj = project(tmp_path, training={**GLOO_ON_CPU, "epochs": 3, "unfreeze_at_epoch": 2})
    proj.graph.nodes["fc1"].extra["trainable"] = False
    proj.save(proj.path)
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(f"""
        from safetensors.torch import save_file
        from core.data import load
        from core.project import Project
        from core.train import Callback, prepare
        from core.train.distributed import init_from_env, shutdown

        ctx = init_from_env("cpu")
        project = Project.load({str(proj.path)!r})

        class SaveWeights(Callback):
            def on_train_end(self, trainer, result):
                assert result.status == "completed", result.reason
                save_file({{k: v.contiguous() for k, v in trainer.module.state_dict().items()}},
                          {str(tmp_path)!r} + f"/rank{{ctx.rank}}.safetensors")

        prepare(project, load(project.data, project.directory), distributed=ctx,
                run_dir={str(tmp_path / "ddp")!r}, callbacks=[SaveWeights()]).fit()
        shutdown()
    """))
    launched = _run(["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
                     str(script)], tmp_path)
    assert launched.returncode == 0, launched.stderr[-3000:]
    rank0, rank1 = (load_file(tmp_path / f"rank{r}.safetensors") for r in range(2))
    assert all(torch.equal(rank0[name], rank1[name]) for name in rank0)
    single = prepare(proj, dataset(proj), run_dir=tmp_path / "single")
    start = single.module.fc1.weight.detach().clone()
    single.fit()
    assert not torch.equal(rank0["fc1.weight"], start)  # it did train after the unfreeze
    _close(metrics_rows(tmp_path / "ddp"), metrics_rows(tmp_path / "single"))
