"""An import on disk: a project file and a run folder marked ``imported`` beside it.

The run folder looks like a finished training run (``run.json``, ``model.safetensors``,
``preprocessing.json``), so everything that starts from a run works unchanged: ``layerforge
predict``, ``layerforge export`` and ``training.init_from`` (which the project gets, so
that its first training starts from the imported weights). ``run.json`` says
``"imported": {...}``: the source file, how it was converted, and the verification.
The run folder is written first and the project last, each file atomically; a failure
removes what was written.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from core.atomic import write_bytes_atomic, write_text_atomic
from core.importers.ends import Imported, info_dict
from core.importers.errors import ImportModelError
from core.overwrite import write_failure
from core.project import Project
from core.train.rundir import (PREPROCESSING, RUN_FORMAT, RUN_JSON, RUN_VERSION, WEIGHTS,
                               default_run_dir, json_text)


def run_record(imported: Imported, project: Project, run_dir: Path,
               imported_facts: dict[str, Any]) -> dict[str, Any]:
    """The ``run.json`` of an imported model (what ``load_trained_model`` reads, and more)."""
    from core.train.record import versions
    from core.train.spec import TrainSpec

    spec = TrainSpec.from_dict(imported.training, imported.info)
    record = project.to_dict()
    record["training"] = dict(imported.training)
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    output = next(n.id for n in project.graph.nodes.values() if n.type == "Output")
    return {
        "format": RUN_FORMAT, "format_version": RUN_VERSION, "name": run_dir.name,
        "status": "completed", "reason": f"imported from {imported_facts['source']}",
        "imported": imported_facts,
        "project": record, "project_dir": str(project.directory),
        "training": spec.to_dict(),
        "data": {"fingerprint": None, "info": info_dict(imported.info), "splits": {}, "notes": []},
        "task": imported.task, "loss": spec.loss_name,
        "heads": [{"output": output, "target": "data", "loss": spec.loss_name, "weight": 1.0,
                   "primary": True}],
        "output_activation": imported.output_activation,
        "seed": None, "versions": versions(), "device": "cpu", "frozen": [],
        "epochs": 0, "epochs_completed": 0, "best": None, "final": None, "test": None,
        "notes": list(imported.notes), "changes": [], "started": now, "finished": now, "seconds": 0.0,
    }


def new_project(imported: Imported, path: Path, run_dir: Path, source: Path) -> Project:
    """The project file's content: the graph, no data yet, and ``init_from`` the run folder."""
    relative = os.path.relpath(run_dir, path.parent)
    training = {**imported.training, "init_from": Path(relative).as_posix()}
    description = (f"Imported from {source.name} with its weights (run folder {run_dir.name});"
                   " load data, then train to fine-tune from them.")
    return Project(imported.name, imported.graph, imported.data, training, description, path=path)


def run_folder(project_path: Path, name: str) -> Path:
    """``runs/<name>-imported-<time>/`` beside the project (the folder is made when written)."""
    folder = project_path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder == project_path.parent:
        return default_run_dir(project_path.parent, name, data_label="imported")
    # The project's folder does not exist yet: its runs go inside it all the same.
    made = default_run_dir(folder, name, data_label="imported")
    return project_path.parent / "runs" / made.name


def write(imported: Imported, project: Project, run_dir: Path, record: dict[str, Any],
          weights: dict[str, Any]) -> Path:
    """Write the run folder, then the project; returns the project's path."""
    from core.train.checkpoint import weights_bytes

    try:
        run_dir.mkdir(parents=True, exist_ok=False)
        project.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ImportModelError(write_failure(run_dir, err)) from None
    try:
        write_bytes_atomic(run_dir / WEIGHTS, weights_bytes(
            weights, {"format": "layerforge.weights", "run": run_dir.name, "imported": record["reason"]}))
        write_text_atomic(run_dir / PREPROCESSING, json_text(imported.preprocessing))
        write_text_atomic(run_dir / RUN_JSON, json_text(record))
        project.save()
    except OSError as err:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise ImportModelError(write_failure(getattr(err, "filename", None) or run_dir, err)) from None
    return project.path
