"""Step through one training step of a small network, number by number.

What the articles on backpropagation explain in prose, shown with the real numbers of
the project's own network: one training sample goes forward layer by layer, the loss
compares the answer with the target, the chain rule carries the gradient back layer by
layer, and the optimiser moves every weight. :func:`step_through` returns a
:class:`Walkthrough`: an ordered list of :class:`Step` (title, node, numbers as small
numpy arrays, a sentence that redoes one number by hand).

Every number is shown, so only small networks qualify (:data:`PARAMETER_LIMIT`); a larger
one is refused with one sentence (:func:`too_big`). The network, loss and optimiser are
built the way a run builds them (``core.train.setup``), from the weights a new run starts
with. Torch runs in :mod:`core.stepthrough.record` only; call this off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core.stepthrough.record import Record, StepThroughError
from core.stepthrough.steps import (BACKWARD, FORWARD, LOSS, PHASE_TITLES, RESULT, SAMPLE, UPDATE, Numbers,
                                    Step, build_steps)

#: The most weights a network may have to be stepped through (the spiral MLP has 4,417).
PARAMETER_LIMIT = 10_000

__all__ = ["BACKWARD", "FORWARD", "LOSS", "PARAMETER_LIMIT", "PHASE_TITLES", "RESULT", "SAMPLE", "UPDATE",
           "Numbers", "Record", "Step", "StepThroughError", "Walkthrough", "size_problem", "step_through",
           "too_big"]


@dataclass
class Walkthrough:
    """One training step of one sample, as steps to read (``steps``) and the raw numbers
    (``record``: every layer's outputs and gradients, the weights before and after)."""

    steps: list[Step]
    record: Record
    sample: int
    sample_count: int
    parameters: int
    notes: list[str] = field(default_factory=list)

    def index_of(self, phase: str, node_id: str | None = None) -> int:
        """The first step of ``phase`` (at ``node_id`` if given); ValueError when there is none."""
        for i, step in enumerate(self.steps):
            if step.phase == phase and (node_id is None or step.node_id == node_id):
                return i
        raise ValueError(f"no {phase} step" + (f" at {node_id!r}" if node_id else ""))


def too_big(parameters: int, limit: int = PARAMETER_LIMIT) -> str:
    """The sentence that refuses a network too large to show every number of."""
    return (f"Step Through shows every number, so it takes networks of up to {limit:,} weights, and"
            f" this one has {parameters:,}: try it on the Perceptron or Spiral MLP example, or make"
            " the layers narrower.")


def size_problem(analysis, limit: int = PARAMETER_LIMIT) -> str | None:
    """Why a design (its :class:`core.shapes.Analysis`) cannot be stepped through, or None.
    Cheap (no torch): the designer asks before starting the worker."""
    if analysis is None:
        return None
    if not analysis.ready:
        return "The network has problems to fix first (see the Problems panel)."
    if analysis.total_params > limit:
        return too_big(analysis.total_params, limit)
    return None


def step_through(project, sample: int = 0, *, dataset=None, weights: dict[str, np.ndarray] | None = None,
                 limit: int = PARAMETER_LIMIT, progress: Callable[[float, str], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> Walkthrough:
    """One training step of ``project``'s network on training sample ``sample``.

    ``dataset``: the loaded data (else the project's is loaded); ``weights``: tensors by
    name (``fc1.weight``) to start from instead of a new run's. Raises
    :class:`StepThroughError` (a network above ``limit`` weights, a sample that does not
    exist), and the data's and settings' own errors, each one sentence.
    """
    from core.stepthrough.record import record_step

    report = progress or (lambda fraction, message: None)
    if project.data is None and dataset is None:
        raise StepThroughError("the project has no data yet: load data (Data menu) so that there"
                               " is a sample to step through")
    if dataset is None:
        from core.data import load

        report(0.0, "Loading the data…")
        dataset = load(project.data, project.directory, cancel=cancel)
    report(0.6, "Running one training step…")
    record = record_step(project, dataset, int(sample), weights, limit)
    parameters = sum(int(np.asarray(v).size) for v in record.before.values())
    report(1.0, "Done")
    return Walkthrough(build_steps(record), record, int(sample), len(dataset.train), parameters,
                       list(record.notes))
