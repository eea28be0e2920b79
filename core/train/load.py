"""Open a finished run for prediction and export: the module with its best weights, and its data facts.

Nothing here executes code from the run folder: ``run.json`` and ``preprocessing.json``
are JSON, the weights are safetensors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.data.dataset import DataInfo
from core.data.preprocessing_check import damaged_sentence, preprocessing_problem
from core.errors import TrainingError
from core.project import Project
from core.train.checkpoint import load_weights
from core.train.rundir import PREPROCESSING, WEIGHTS, read_run_json
from core.train.spec import TrainSpec


@dataclass
class TrainedModel:
    """A trained network, ready to predict (eval mode, on the CPU, best weights).

    ``module(x)`` takes **preprocessed** input (``Split.x``: scaled as ``preprocessing``
    says) and returns raw outputs (logits, or scaled regression values); ``predict``
    and :meth:`inference_module` add the output activation and undo target scaling.
    """

    module: Any
    preprocessing: dict[str, Any]
    info: DataInfo
    project: Project
    run: dict[str, Any]
    run_dir: Path
    spec: TrainSpec
    #: The whole trained network (every head) when ``module`` is only the primary head's part.
    network: Any = None

    @property
    def weights(self) -> dict[str, Any]:
        """Every trained weight (all heads), as ``model.safetensors`` holds them."""
        return (self.network if self.network is not None else self.module).state_dict()

    @property
    def output_activation(self) -> str:
        """``softmax`` (classes), ``sigmoid`` (two classes by one logit, labels) or ``none``."""
        return self.run.get("output_activation", "none")

    @property
    def class_names(self) -> list[str] | None:
        return self.info.class_names

    def inference_module(self, raw_input: bool = True):
        """A module from input to final outputs: class probabilities or values in original units.

        With ``raw_input`` the input scaling of ``preprocessing.json`` happens inside
        (``(x - mean) / scale``), so the module takes the encoded feature vector (tables)
        or pixels in [0, 1] (images), as exports do.
        """
        from core.train.inference import InferenceModule

        return InferenceModule(self.module, self.preprocessing, self.output_activation,
                               self.info.task, raw_input=raw_input).eval()

    def predict(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Final outputs for preprocessed inputs ``x`` (float32, ``(N, *input_shape)``).

        Classification gives class probabilities ``(N, K)`` (two columns for a binary
        model); regression gives values in original units ``(N, targets)``.
        """
        import torch

        wrapper = self.inference_module(raw_input=False)
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(x), batch_size):
                batch = torch.from_numpy(np.ascontiguousarray(x[start:start + batch_size], np.float32))
                outputs.append(wrapper(batch).numpy())
        if not outputs:
            return np.zeros((0,), np.float32)
        return np.concatenate(outputs)


def load_trained_model(run_dir: str | Path) -> TrainedModel:
    """Rebuild a run's network from ``run.json`` and load ``model.safetensors`` into it."""
    run_dir = Path(run_dir)
    run = read_run_json(run_dir)
    preprocessing = read_preprocessing(run_dir)
    weights = load_weights(run_dir / WEIGHTS)
    return trained_model_from(run, preprocessing, weights, run_dir, where=run_dir / WEIGHTS)


def read_preprocessing(run_dir: str | Path) -> dict[str, Any]:
    """A run folder's ``preprocessing.json``, checked (:mod:`core.data.preprocessing_check`):
    :class:`TrainingError` with one sentence when it is missing, unreadable, or not what
    LayerForge writes (edited by hand or damaged), before predict, explain or export use it."""
    path = Path(run_dir) / PREPROCESSING
    try:
        preprocessing = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainingError(f"{run_dir} has no {PREPROCESSING}: the run folder is incomplete") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TrainingError(f"{path} cannot be read ({err})") from None
    problem = preprocessing_problem(preprocessing)
    if problem:
        raise TrainingError(damaged_sentence(problem, str(path)))
    return preprocessing


def trained_model_from(run: dict[str, Any], preprocessing: dict[str, Any], weights: dict[str, Any],
                       run_dir: str | Path, where: str | Path | None = None) -> TrainedModel:
    """A :class:`TrainedModel` from a run record (``run.json``'s content, or the copy an
    export carries), its preprocessing and its weights; ``where`` names the weights in messages."""
    from core.train.setup import build_module

    run_dir = Path(run_dir)
    where = where or run_dir
    project_dir = Path(run.get("project_dir") or run_dir.parent)
    try:
        project = Project.from_dict(run["project"], path=project_dir / "project.lfproj")
        info_dict = dict(run["data"]["info"])
        info_dict["input_shape"] = tuple(info_dict["input_shape"])
        info = DataInfo(**info_dict)
    except (KeyError, TypeError) as err:
        raise TrainingError(f"{where} does not describe its network or data ({err}):"
                            " the file is damaged") from None
    spec = TrainSpec.from_dict(run.get("project", {}).get("training"), info)
    import torch

    from core.build import prediction_network

    with torch.random.fork_rng(devices=[]):  # building initialises weights: keep the caller's RNG
        module = build_module(project.graph, info, spec)
    # With several heads the run's weights hold them all, an export's only the layers that
    # feed the primary head; predictions and exports are that head's (core/heads.py).
    predictor = prediction_network(module, project.graph)
    whole = predictor is module or set(weights) == set(module.state_dict())
    try:
        (module if whole else predictor).load_state_dict(weights, strict=True)
    except RuntimeError as err:
        first = str(err).splitlines()[0] if str(err) else "different layers"
        raise TrainingError(f"{where} does not fit the network it was saved with"
                            f" ({first}): the files were changed after training") from None
    module.eval()
    return TrainedModel(predictor, preprocessing, info, project, run, run_dir, spec,
                        network=module if predictor is not module and whole else None)
