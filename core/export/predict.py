"""``layerforge predict``: a trained model applied to a new CSV file or image folder.

The model comes from a run folder, an exported ``.onnx`` file (run with ONNX Runtime;
its metadata carries ``preprocessing.json``), a LayerForge ``.safetensors`` export, or a
standalone-code folder (rebuilt from the record in its ``weights.safetensors``; its
Python files are never run). The data is encoded exactly as in training
(:func:`core.data.encode_inputs`); the table has one row per sample: the identifier
(``row``: the spreadsheet row number, or ``file``: the image path), ``prediction`` and,
for classification, ``prob_<class>`` per class.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.atomic import write_text_atomic
from core.errors import ExportError
from core.overwrite import write_failure

BATCH = 1024


@dataclass
class Predictor:
    """A model ready to predict: ``run(encoded batch) -> outputs`` plus its preprocessing."""

    preprocessing: dict[str, Any]
    run: Callable[[np.ndarray], np.ndarray]
    source: str  # what it is, for messages: "run Spiral_MLP-2025...", "ONNX file model.onnx"
    #: Sentences about how it predicted (e.g. through ONNX Runtime), added while it runs.
    notes: list[str] = field(default_factory=list)

    @property
    def task(self) -> str:
        return self.preprocessing.get("task") or "classification"


def _check_preprocessing(preprocessing: Any, source: str, outputs: np.ndarray | None = None) -> None:
    """:class:`ExportError` for a preprocessing LayerForge did not write (edited by hand or
    damaged): one sentence naming the field, instead of a traceback from deep in the encoder.
    Given the model's ``outputs``, only whether their values per sample fit the names given
    them (the rest was checked where the preprocessing was read)."""
    from core.data.preprocessing_check import damaged_sentence, outputs_problem, preprocessing_problem

    if outputs is None:
        problem = preprocessing_problem(preprocessing)
    else:
        problem = outputs_problem(preprocessing, outputs.shape[1]) if outputs.ndim == 2 and len(outputs) else None
    if problem:
        raise ExportError(damaged_sentence(problem, source))


@dataclass
class PredictionTable:
    """Predictions as a table: ``header`` then ``rows`` of text cells; ``outputs`` as numbers."""

    header: list[str]
    rows: list[list[str]]
    outputs: np.ndarray
    ids: list[str]
    notes: list[str] = field(default_factory=list)

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue()

    def write_csv(self, path: str | Path) -> Path:
        path = Path(path).expanduser()
        try:
            write_text_atomic(path, self.csv_text())
        except OSError as err:
            raise ExportError(write_failure(path, err)) from None
        return path


# ---------------------------------------------------------------------- opening a model
def open_predictor(path: str | Path) -> Predictor:
    """A run folder, ``.onnx``, ``.safetensors`` export or standalone-code folder, ready to predict."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ExportError(f"{path} does not exist: give a run folder, an exported .onnx file, a"
                          " LayerForge .safetensors file or an exported standalone-code folder")
    if path.is_dir():
        if (path / "run.json").is_file():
            from core.export.source import open_run

            refuse_generative(path)
            return _from_trained(open_run(path), f"run {path.name}", run_dir=path)
        if (path / "weights.safetensors").is_file():
            return _from_weights(path / "weights.safetensors", f"standalone-code folder {path.name}")
        raise ExportError(f"{path} is neither a training run folder (no run.json) nor an exported"
                          " standalone-code folder (no weights.safetensors)")
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return _from_onnx(path)
    if suffix == ".safetensors":
        return _from_weights(path, f"weights {path.name}")
    raise ExportError(f"{path.name} is not a model predict can open: give a run folder, an .onnx"
                      " file, a LayerForge .safetensors file or a standalone-code folder (.pt2 and"
                      " TorchScript files are for other programs: predict from their run folder)")


def gan_refusal(run_dir: Path) -> str | None:
    """The sentence that refuses to predict with a GAN's run (None for other runs): a GAN makes
    new samples and predicts nothing. Reads run.json only (no torch)."""
    import json

    from core.generative_kind import is_gan_project

    try:
        run = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(run, dict) and isinstance(run.get("project"), dict) and is_gan_project(run["project"]):
        return (f"{Path(run_dir).name} is a GAN, which makes new samples instead of predicting:"
                " draw them with layerforge generate (Export ▸ Generate Samples… in the app)")
    return None


def refuse_generative(run_dir: Path) -> None:
    """:class:`ExportError` with :func:`gan_refusal`'s sentence for a GAN's run."""
    refusal = gan_refusal(run_dir)
    if refusal:
        raise ExportError(refusal)


def _from_trained(trained, source: str, run_dir: Path | None = None) -> Predictor:
    """PyTorch runs the network; for a run folder, ONNX Runtime takes over once it is
    checked equal (:mod:`core.export.predict_onnx`)."""
    import torch

    module = trained.inference_module()

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return module(torch.from_numpy(np.ascontiguousarray(x, np.float32))).numpy()

    predictor = Predictor(trained.preprocessing, run, source)
    if run_dir is not None:
        from core.export.predict_onnx import cached_session, verified_runner

        predictor.run = verified_runner(run, cached_session(trained, run_dir), predictor.notes)
    return predictor


def _from_weights(path: Path, source: str) -> Predictor:
    from core.export.weights_format import open_weights

    return _from_trained(open_weights(path), source)


def _from_onnx(path: Path) -> Predictor:
    from core.export.onnx_format import PREPROCESSING_KEY, session
    from core.export.onnx_preprocess import RAW_INPUTS_KEY

    try:
        runner = session(path)
    except Exception as err:  # noqa: BLE001 - onnxruntime raises its own kinds for bad files
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        raise ExportError(f"{path} is not a valid ONNX model ({first})") from None
    meta = dict(runner.get_modelmeta().custom_metadata_map)
    try:
        preprocessing = json.loads(meta[PREPROCESSING_KEY]) if PREPROCESSING_KEY in meta else None
    except json.JSONDecodeError:
        preprocessing = None
    if RAW_INPUTS_KEY in meta:
        raise ExportError(f"{path.name} takes the CSV's raw columns, one input each: predict from"
                          f" {path.name.replace('.raw.onnx', '.onnx')} beside it (the same model)")
    if preprocessing is None:
        preprocessing = _json_beside(path)
    _check_preprocessing(preprocessing, f"ONNX file {path.name}")  # run folders' are checked on reading
    from core.export.heads import primary_output
    from core.export.text_inputs import feeds

    wanted = primary_output(meta)  # an every-head export: the primary head's output, by name
    outputs = None if wanted is None else [wanted]

    def run(x: np.ndarray) -> np.ndarray:  # a text run's model also takes the attention_mask
        return runner.run(outputs, feeds(runner, preprocessing, x))[0]

    return Predictor(preprocessing, run, f"ONNX file {path.name}")


def _json_beside(path: Path) -> dict[str, Any]:
    for candidate in (path.with_name(f"{path.stem}.preprocessing.json"), path.with_name("preprocessing.json")):
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                raise ExportError(f"{candidate} cannot be read ({err})") from None
    raise ExportError(f"{path.name} has no LayerForge preprocessing in its metadata and no"
                      " preprocessing.json beside it: export it from LayerForge again")


# ---------------------------------------------------------------------- predicting
def predict_file(model: str | Path | Predictor, data: str | Path, progress=None,
                 notes: list[str] | None = None, cancel=None) -> PredictionTable:
    """Predictions of ``model`` for every sample of ``data`` (a CSV file, image folder or image).

    ``cancel()`` returning true stops it between batches (:class:`core.data.Cancelled`).
    """
    from core.data import encode_inputs

    report = progress or (lambda fraction, message: None)
    notes = notes if notes is not None else []
    report(0.0, "opening the model")
    predictor = model if isinstance(model, Predictor) else open_predictor(model)
    report(0.1, f"reading {Path(data).name}")
    encoded = encode_inputs(predictor.preprocessing, data, notes)
    id_name = "file" if _is_images(predictor.preprocessing) else "row"
    return predict_encoded(predictor, encoded.x, list(encoded.ids), id_name, notes, report, cancel)


def predict_encoded(predictor: Predictor, x: np.ndarray, ids: list[str], id_name: str,
                    notes: list[str], report, cancel=None) -> PredictionTable:
    """Run ``predictor`` on encoded inputs ``x`` a batch at a time and tabulate the outputs
    (the ``id_name`` column holds ``ids``). Every way of predicting ends here."""
    from core.data import Cancelled
    from core.data.encoder import prediction_table

    outputs = []
    for start in range(0, len(x), BATCH):
        if cancel is not None and cancel():
            raise Cancelled()
        outputs.append(predictor.run(x[start:start + BATCH]))
        report(0.3 + 0.7 * min(1.0, (start + BATCH) / max(len(x), 1)),
               f"predicting: {min(start + BATCH, len(x)):,} of {len(x):,}")
    notes.extend(note for note in predictor.notes if note not in notes)
    result = np.concatenate(outputs) if outputs else np.zeros((0, 0), np.float32)
    if predictor.task == "reconstruction":
        result = ((result - x) ** 2).reshape(len(result), -1).mean(axis=1)
    _check_preprocessing(predictor.preprocessing, predictor.source, result)
    header, rows = prediction_table(result, ids, id_name, predictor.preprocessing)
    return PredictionTable(header, rows, result, list(ids), notes)


def _is_images(pre: dict[str, Any]) -> bool:
    return pre.get("kind") == "image" or (pre.get("kind") == "builtin" and len(pre.get("input_shape") or []) == 3)
