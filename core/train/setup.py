"""From a project (or a run folder) to a ready :class:`Trainer`.

``prepare`` checks the settings, seeds every random generator, builds the network,
freezes layers marked ``trainable: false`` and loads ``init_from`` weights.
``continue_run`` rebuilds the same trainer from a run folder and its ``last.ckpt``, so
that the run goes on exactly where its last completed epoch ended.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterable

from core.data.dataset import DataInfo, Dataset
from core.errors import ShapeError, TrainingError
from core.graph import Graph
from core.project import Project
from core.shapes import Analysis, ShapeInference
from core.train.callbacks import Callback
from core.train.checkpoint import load_checkpoint, load_weights, seed_everything
from core.train.rundir import (CHECKPOINT, data_label, default_run_dir, init_from_file,
                               read_run_json, remove_interrupted_writes)
from core.heads import heads_of
from core.train.spec import TrainSpec
from core.train.trainer import Trainer

#: Settings that may change when a run is continued.
RESUME_OVERRIDES = ("epochs", "learning_rate", "device")


def build_module(graph: Graph, info: DataInfo, spec: TrainSpec, analysis: Analysis | None = None):
    """The torch module of ``graph`` for this data (its Output sized by the data and loss);
    ``analysis``: the graph already checked for these shapes (by :func:`check_ready`)."""
    from core.build import build

    shapes = info.shapes(spec.loss)
    return build(graph, shapes, analysis or ShapeInference().analyze(graph, shapes))


def check_ready(project: Project, info: DataInfo, spec: TrainSpec, training: dict[str, Any]) -> Analysis:
    """Refuse to start with the first sentence ``layerforge check`` would print for this
    project, data and (already parsed) settings; one validator: ``core.check.readiness_problems``,
    with the memory estimate judged against what ``spec.device`` has free now. Returns the
    graph's analysis, for :func:`build_module`."""
    from core.check import readiness_problems
    from core.train.device import free_memory

    analysis = ShapeInference().analyze(project.graph, info.shapes(spec.loss))
    available, where = free_memory(spec.device)
    problems = analysis.errors or [p for p in readiness_problems(project, info, analysis, available,
                                                                 where, training=training)
                                   if p.severity == "error"]
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        error = ShapeError if analysis.errors else TrainingError
        raise error(problems[0].message + more, location=problems[0].node_id)
    return analysis


def freeze(module, graph: Graph) -> list[str]:
    """Turn off gradients of nodes marked ``trainable: false``; returns their ids."""
    frozen = []
    for node_id, node in graph.nodes.items():
        if node.extra.get("trainable", True) is False and hasattr(module, node_id):
            getattr(module, node_id).requires_grad_(False)
            frozen.append(node_id)
    return frozen


def init_from(module, source: str | Path, base_dir: str | Path) -> str:
    """Copy weights from an earlier run (its folder or a ``.safetensors`` file), by name and shape
    (:func:`core.transfer.tensor_matches`).

    Returns a sentence saying what was loaded and listing what did not match; raises
    :class:`TrainingError` when nothing matches.
    """
    from core.transfer import tensor_matches

    file = init_from_file(source, base_dir)
    weights = load_weights(file)
    own = module.state_dict()
    matches = tensor_matches({k: tuple(v.shape) for k, v in own.items()},
                             {k: tuple(v.shape) for k, v in weights.items()})
    if not matches.loaded:
        raise TrainingError(f"training.init_from: none of the weights in {file} fit this network"
                            " (no layer has the same name and shape): check the node ids")
    import torch

    with torch.no_grad():
        for name in matches.loaded:
            own[name].copy_(weights[name])
    text = f"init_from: loaded {len(matches.loaded)} of {len(own)} tensors from {file}"
    if matches.mismatched:
        text += "; not matched: " + ", ".join(matches.mismatched)
    if matches.unused:
        text += "; unused from the run: " + ", ".join(matches.unused)
    return text


def prepare(project: Project, dataset: Dataset, *, overrides: dict[str, Any] | None = None,
            data_spec: dict[str, Any] | None = None, run_dir: str | Path | None = None,
            callbacks: Iterable[Callback] = (), distributed=None) -> Trainer:
    """A trainer for ``project`` on an already loaded ``dataset``.

    ``overrides`` replace training settings (the CLI's ``--epochs``, ``--lr``...);
    ``data_spec`` is the data section actually used when it differs from the project's
    (``--data``), recorded in ``run.json``. Run this in the thread that will train: it
    initialises weights, which runs torch kernels.
    """
    training = {**(project.training or {}), **(overrides or {})}
    spec = TrainSpec.from_dict(training, dataset.info)
    analysis = check_ready(project, dataset.info, spec, training)
    seed_everything(spec.seed)
    module = build_module(project.graph, dataset.info, spec, analysis)
    notes = list(spec.notes) + list(dataset.notes)
    frozen = freeze(module, project.graph)
    if spec.init_from:
        notes.append(init_from(module, spec.init_from, project.directory))
    record = project.to_dict()
    record["training"] = training
    if data_spec is not None:
        record["data"] = copy.deepcopy(data_spec)
    if run_dir is None:
        run_dir = default_run_dir(project.directory, project.name,
                                  data_label=data_label(data_spec if data_spec is not None else project.data))
    if distributed is not None:
        run_dir = distributed.broadcast_object(str(run_dir))
    return Trainer(module, dataset, spec, run_dir=run_dir, callbacks=callbacks, project=record,
                   project_dir=project.directory, distributed=distributed, notes=notes, frozen=frozen,
                   **_ends(module, project))


def _ends(module, project: Project) -> dict[str, Any]:
    """The trainer's heads and prediction module for the project's Output nodes, and the
    layers' learning-rate multipliers."""
    from core.build import prediction_network
    from core.layers.lr_multiplier import layer_multipliers

    return {"heads": heads_of(project.graph), "predictor": prediction_network(module, project.graph),
            "lr_multipliers": layer_multipliers(project.graph)}


def run_project(run_dir: str | Path) -> Project:
    """The project as a run trained it, with relative data paths resolving as they did."""
    run = read_run_json(run_dir)
    project_dir = Path(run.get("project_dir") or Path(run_dir).parent)
    return Project.from_dict(run["project"], path=project_dir / "project.lfproj")


def continue_run(run_dir: str | Path, *, dataset: Dataset | None = None,
                 overrides: dict[str, Any] | None = None, callbacks: Iterable[Callback] = (),
                 distributed=None) -> Trainer:
    """A trainer that goes on with the run in ``run_dir`` from its last completed epoch.

    ``overrides`` may change ``epochs`` (to train longer), ``learning_rate`` and ``device``.
    The data must be the same as when the run started (its fingerprint is compared).
    """
    run_dir = Path(run_dir)
    run = read_run_json(run_dir)
    remove_interrupted_writes(run_dir)
    for key in overrides or {}:
        if key not in RESUME_OVERRIDES:
            raise TrainingError(f"{key} cannot change when a run is continued (only"
                                f" {', '.join(RESUME_OVERRIDES)}): start a new run instead")
    state = load_checkpoint(run_dir / CHECKPOINT)
    project = run_project(run_dir)
    if dataset is None:
        from core.data import load

        dataset = load(project.data, project.directory)
    expected = (run.get("data") or {}).get("fingerprint")
    if expected and dataset.fingerprint != expected:
        raise TrainingError(f"the data of {run_dir.name} changed since the run started (its"
                            " fingerprint differs): a run continues only on the same data;"
                            " start a new run instead")
    training = dict(project.training or {})
    lr_override = (overrides or {}).get("learning_rate")
    training.update({k: v for k, v in (overrides or {}).items() if k != "learning_rate"})
    spec = TrainSpec.from_dict(training, dataset.info)
    analysis = check_ready(project, dataset.info, spec,
                           {k: v for k, v in training.items() if k != "init_from"})
    done = int(state["epoch"])
    if spec.epochs <= done and "epochs" in (overrides or {}):
        raise TrainingError(f"{run_dir.name} has already completed {done} epochs: give more"
                            f" epochs than {done} to train further")
    module = build_module(project.graph, dataset.info, spec, analysis)
    frozen = freeze(module, project.graph)
    record = project.to_dict()
    record["training"] = training
    trainer = Trainer(module, dataset, spec, run_dir=run_dir, callbacks=callbacks, project=record,
                      project_dir=project.directory, distributed=distributed,
                      notes=list(spec.notes), resume_state=state, run_record=run, frozen=frozen,
                      **_ends(module, project))
    if lr_override is not None:
        trainer.update_optimizer(learning_rate=lr_override)
    return trainer
