"""Tiny projects and datasets that train in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data import load
from core.data.dataset import CLASSIFICATION, REGRESSION, DataInfo, Dataset, Split
from core.project import Project
from core.train.callbacks import Callback
from tests.core.helpers import chain

MLP = (("fc1", "Linear", {"out_features": 16}), ("relu1", "ReLU", {}),
       ("fc2", "Linear", {"out_features": 16}), ("relu2", "ReLU", {}))


def project(tmp_path: Path | None = None, *, layers=MLP, data=None, training=None,
            name: str = "Tiny") -> Project:
    """Input -> layers -> Output on 120 'gaussian' points (3 classes), saved in ``tmp_path``."""
    data = data if data is not None else {"kind": "builtin", "name": "gaussian", "samples": 120,
                                          "classes": 3, "noise": 0.05, "seed": 0}
    training = training if training is not None else {"epochs": 3, "batch_size": 16, "seed": 0}
    proj = Project(name=name, graph=chain(*layers), data=data, training=training)
    if tmp_path is not None:
        proj.save(tmp_path / f"{name.lower()}.lfproj")
    return proj


def dataset(proj: Project) -> Dataset:
    return load(proj.data, proj.directory)


def regression_dataset(n: int = 96, targets: int = 1, seed: int = 0, scale: float = 10.0) -> Dataset:
    """y = x·w + noise, stored scaled as ``target_scaling`` says (the data contract)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    w = rng.normal(size=(3, targets)).astype(np.float32)
    y = x @ w + 0.05 * rng.normal(size=(n, targets)).astype(np.float32)
    mean, std = y.mean(0), y.std(0)
    y_scaled = ((y - mean) / std).astype(np.float32)
    names = [f"t{i}" for i in range(targets)]
    info = DataInfo(input_shape=(3,), task=REGRESSION, target_names=names,
                    feature_names=["a", "b", "c"], samples=n, description="synthetic regression")
    cut = int(n * 0.75)
    preprocessing = {"format": "layerforge.preprocessing", "format_version": 1, "kind": "table",
                     "task": REGRESSION, "input_shape": [3], "feature_names": ["a", "b", "c"],
                     "class_names": None, "target_names": names, "input_scaling": None,
                     "target_scaling": {"mean": (mean * scale).tolist(), "scale": (std * scale).tolist()}}
    return Dataset(info=info, train=Split(x[:cut], y_scaled[:cut]), validation=Split(x[cut:], y_scaled[cut:]),
                   test=None, preprocessing=preprocessing, fingerprint=f"regression-{seed}-{n}")


def classification_dataset(x: np.ndarray, y: np.ndarray, classes: int) -> Dataset:
    info = DataInfo(input_shape=tuple(x.shape[1:]), task=CLASSIFICATION,
                    class_names=[f"c{i}" for i in range(classes)], target_names=["class"],
                    samples=len(x))
    preprocessing = {"format": "layerforge.preprocessing", "format_version": 1, "kind": "table",
                     "task": CLASSIFICATION, "input_shape": list(x.shape[1:]), "input_scaling": None,
                     "target_scaling": None, "class_names": info.class_names}
    return Dataset(info=info, train=Split(x, y), validation=Split(x, y), test=None,
                   preprocessing=preprocessing, fingerprint="fixed")


def metrics_rows(run_dir: Path) -> list[dict]:
    """metrics.csv rows without the timing columns (which differ from run to run)."""
    from core.train.rundir import read_metrics_csv

    return [{k: v for k, v in row.items() if k not in ("seconds", "samples_per_second", "train_samples_per_second")}
            for row in read_metrics_csv(Path(run_dir) / "metrics.csv")]


class StopAt(Callback):
    """Asks the trainer to stop at the end of epoch ``epoch`` (as the Stop button does)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, trainer, event) -> None:
        if event.epoch == self.epoch:
            trainer.stop()
