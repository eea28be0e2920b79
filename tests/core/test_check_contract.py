"""The contract: what ``check`` passes trains, and what it refuses, training refuses the same way.

Each case here once passed ``check`` ("ready to train") and then crashed in training.
Now ``layerforge check`` exits 2 with a sentence naming the node or setting, and
``prepare`` (the start of every run, CLI and designer) refuses with that same sentence.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.check import check_project
from core.cli import main
from core.data import load
from core.errors import LayerForgeError, TrainingError
from core.project import Project
from core.train.setup import prepare
from tests.core.helpers import chain


def _csv(tmp_path, features=4, classes=3, rows=60):
    rng = np.random.default_rng(0)
    lines = [",".join([f"f{i}" for i in range(features)] + ["label"])]
    for r in range(rows):
        values = [f"{v:.3f}" for v in rng.normal(size=features)]
        lines.append(",".join(values + [f"c{r % classes}"]))
    path = tmp_path / "table.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _project(tmp_path, graph, data=None, training=None) -> Project:
    data = data or {"kind": "csv", "path": str(_csv(tmp_path)), "target": "label"}
    project = Project("Contract", graph=graph, data=data,
                      training={"epochs": 1, "batch_size": 8, "seed": 0, **(training or {})})
    project.save(tmp_path / "contract.lfproj")
    return project


def _check(project, capsys) -> tuple[int, str]:
    code = main(["check", str(project.path)])
    captured = capsys.readouterr()
    return code, captured.err


def _refusal(project) -> str:
    dataset = load(project.data, project.directory)
    with pytest.raises(LayerForgeError) as caught:
        prepare(project, dataset, run_dir=project.directory / "run")
    return str(caught.value)


def _assert_same_refusal(project, capsys, *words):
    code, err = _check(project, capsys)
    assert code == 2, err
    refusal = _refusal(project)
    for word in words:
        assert word in err and word in refusal, (word, err, refusal)
    first_error = next(line for line in err.splitlines() if line.startswith("error: "))
    assert refusal.startswith(first_error.removeprefix("error: ").split(" (and ")[0])


MLP = (("fc1", "Linear", {"out_features": 8}), ("relu1", "ReLU", {}))


def test_an_input_shape_set_by_hand_that_the_data_does_not_give(tmp_path, capsys):
    project = _project(tmp_path, chain(*MLP, input_shape=[7]))
    _assert_same_refusal(project, capsys, "Input 'input'", "(N, 7)", "(N, 4)", "clear its shape")


def test_an_output_whose_units_do_not_match_the_classes(tmp_path, capsys):
    project = _project(tmp_path, chain(*MLP, units=5))
    _assert_same_refusal(project, capsys, "Output 'output'", "5 units", "(N, 3)", "clear its units")


def test_a_network_that_cannot_fit_in_memory_is_refused_before_allocating(tmp_path, capsys):
    huge = (("fc1", "Linear", {"out_features": 1_000_000}), ("fc2", "Linear", {"out_features": 1_000_000}))
    project = _project(tmp_path, chain(*huge))
    _assert_same_refusal(project, capsys, "the network needs at least", "TB", "Linear 'fc2'",
                         "lower the batch size")


def test_init_from_pointing_at_nothing(tmp_path, capsys):
    project = _project(tmp_path, chain(*MLP), training={"init_from": "runs/never-trained"})
    _assert_same_refusal(project, capsys, "training.init_from", "never-trained", "model.safetensors")


def test_monitoring_accuracy_on_a_reconstruction_task(tmp_path, capsys):
    csv = _csv(tmp_path)
    graph = chain(("fc1", "Linear", {"out_features": 2}), ("relu1", "ReLU", {}))
    project = _project(tmp_path, graph, data={"kind": "csv", "path": str(csv), "task": "reconstruction",
                                              "columns": {"label": "ignore"}},
                       training={"monitor": "val_accuracy"})
    _assert_same_refusal(project, capsys, "training.monitor", "'val_accuracy'")


def test_a_learning_rate_is_judged_the_same_at_the_start_and_while_paused(tmp_path, capsys):
    from core.train.optim import check_update

    project = _project(tmp_path, chain(*MLP), training={"learning_rate": 500})
    code, err = _check(project, capsys)
    assert code == 2 and "learning_rate must be" in err and "at most 100" in err
    with pytest.raises(TrainingError, match="learning_rate must be a number above 0 and at most 100"):
        check_update("adam", {"learning_rate": 500})
    # ... and what the start accepts, the pause dialog accepts.
    assert check_update("adam", {"learning_rate": 100}) == {"learning_rate": 100.0}
    assert check_update("sgd", {"nesterov": True}, {"momentum": 0.9}) == {"nesterov": True}
    with pytest.raises(TrainingError, match="nesterov needs optimizer 'sgd' with a momentum above 0"):
        check_update("sgd", {"nesterov": True}, {"momentum": 0.0})


def test_a_project_check_passes_trains_its_first_epoch(tmp_path, capsys):
    project = _project(tmp_path, chain(*MLP))
    code, err = _check(project, capsys)
    assert code == 0, err
    dataset = load(project.data, project.directory)
    result = prepare(project, dataset, run_dir=tmp_path / "run").fit()
    assert result.status == "completed", result


def test_the_problems_are_the_ones_the_designer_shows(tmp_path):
    """check_project (the CLI) and readiness_problems (the Problems panel) share one list."""
    project = _project(tmp_path, chain(*MLP, units=5), training={"init_from": "nowhere"})
    report = check_project(project)
    messages = [p.message for p in report.problems]
    assert any("Output 'output'" in m for m in messages)
    assert any("training.init_from" in m for m in messages)
    assert not report.ready


def test_running_out_of_memory_mid_run_is_a_sentence_not_a_bug(tmp_path):
    project = _project(tmp_path, chain(*MLP))
    trainer = prepare(project, load(project.data, project.directory), run_dir=tmp_path / "run")

    def allocator_failure(*_args, **_kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: not enough memory:"
                           " you tried to allocate 4000000000000 bytes.")

    trainer.module.forward = allocator_failure
    result = trainer.fit()
    assert result.status == "failed"
    assert result.reason.startswith("training ran out of memory on the computer with batches of 8:")
    assert "lower the batch size" in result.reason and "bug" not in result.reason


def test_continuing_a_run_removes_the_temporary_files_of_a_killed_write(tmp_path):
    from core.train.setup import continue_run

    project = _project(tmp_path, chain(*MLP), training={"epochs": 2})
    run = tmp_path / "run"
    prepare(project, load(project.data, project.directory), run_dir=run).fit()
    stale = [run / ".last.ckpt.k1ll3d.tmp", run / ".run.json.x7y8z9.tmp"]
    for path in stale:
        path.write_bytes(b"half a checkpoint")
    keep = run / "notes.txt.tmp"  # not ours: left alone
    keep.write_text("mine")
    result = continue_run(run, overrides={"epochs": 3}).fit()
    assert result.status == "completed" and result.epochs_completed == 3
    assert not any(path.exists() for path in stale)
    assert keep.exists()
