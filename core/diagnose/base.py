"""What every diagnosis shares: its registry entry, its result, and the training it runs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.registry import Registry

PASS, WARN = "pass", "warn"


@dataclass
class Curve:
    """One line of a diagnosis's plot."""

    label: str
    x: list[float]
    y: list[float]


@dataclass
class Diagnosis:
    """A diagnosis's answer: ``verdict`` is the sentence a person reads."""

    name: str
    title: str
    status: str  # PASS or WARN
    verdict: str
    x_label: str
    y_label: str
    curves: list[Curve] = field(default_factory=list)
    log_x: bool = False
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Diagnosis":
        data = dict(data)
        data["curves"] = [Curve(**c) for c in data.get("curves", [])]
        return cls(**data)


@dataclass(frozen=True)
class DiagnosisSpec:
    """One sanity experiment: ``run(project, dataset, progress, cancel) -> Diagnosis``."""

    name: str
    title: str
    question: str
    run: Callable[..., Diagnosis]


DIAGNOSES: Registry[DiagnosisSpec] = Registry("diagnosis")


def run_all(project, names: list[str] | None = None, progress=None, cancel=None) -> list[Diagnosis]:
    """Load the project's data once and run each diagnosis ``names`` (all by default)."""
    from core.data import load

    report = progress or (lambda fraction, message: None)
    specs = [DIAGNOSES.get(n) for n in (names or DIAGNOSES.names())]
    report(0.0, "loading the data")
    dataset = load(project.data, project.directory, cancel=cancel)
    results = []
    for i, spec in enumerate(specs):
        def part(fraction, message, i=i):
            report((i + fraction) / len(specs), message)
        part(0.0, spec.title)
        results.append(spec.run(project, dataset, part, cancel))
    report(1.0, "done")
    return results


# ----------------------------------------------------------------------------- training
class Stop(Exception):
    """Raised by a diagnosis's callback to end its training early (caught by :func:`train`)."""


def subset(dataset, rows: np.ndarray, validation=None):
    """``dataset`` training on ``rows`` only (and validating on ``validation`` if given)."""
    from core.data.dataset import Split

    train = dataset.train
    part = Split(train.x[rows], None if train.y is None else train.y[rows],
                 None if train.ids is None else [train.ids[int(i)] for i in rows])
    return replace(dataset, train=part, augment=None,
                   validation=dataset.validation if validation is None else validation)


def train(project, dataset, overrides: dict[str, Any], callbacks=(), cancel=None):
    """Train ``project`` on ``dataset`` with ``overrides``, without a run folder; the trainer
    and its result. ``cancel()`` stops it at the next batch."""
    from core.train.callbacks import Callback
    from core.train.setup import prepare

    class Cancel(Callback):
        def on_batch_end(self, trainer, event) -> None:
            if cancel is not None and cancel():
                trainer.control.request_stop()

    settings = {"early_stopping": None, "schedule": "none", "init_from": None, **overrides}
    trainer = prepare(project, dataset, overrides=settings, run_dir=None,
                      callbacks=[*callbacks, Cancel()])
    trainer.runs, trainer.run_dir = None, None  # a diagnosis writes no run folder
    result = trainer.fit()
    if cancel is not None and cancel():
        from core.data import Cancelled

        raise Cancelled()
    return trainer, result


def save(results: list[Diagnosis], folder: str | Path) -> Path:
    """``diagnosis.json`` (and a PNG per diagnosis when matplotlib is there) in ``folder``."""
    from core.atomic import write_text_atomic

    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / "diagnosis.json",
                      json.dumps([r.to_dict() for r in results], indent=2) + "\n")
    for result in results:
        plot_png(result, folder / f"{result.name}.png")
    return folder


def plot_png(result: Diagnosis, path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=100)
    for curve in result.curves:
        axes.plot(curve.x, curve.y, label=curve.label, marker="o" if len(curve.x) < 8 else None)
    if result.log_x:
        axes.set_xscale("log")
    axes.set_xlabel(result.x_label)
    axes.set_ylabel(result.y_label)
    axes.set_title(result.title)
    if len(result.curves) > 1:
        axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
