"""Hints for a learner: gentle notes about the design, the data and a run's loss curve.

Hints never block training (severity ``hint`` in :class:`core.shapes.Problem`); the
designer lists them in the Problems panel after the errors and warnings. Everything
here is plain Python (no Qt, no torch), so the CLI or a notebook could show them too.

- :func:`design_hints` looks at a graph, its analysis and the data's facts:
  Linear layers with no activation between them; a network much larger than its
  data; Softmax/Sigmoid feeding an identity Output (the loss applies it); BatchNorm
  with a batch size of 1.
- :func:`training_hints` looks at a run's history (``metrics.csv`` rows): a loss that
  stops falling early, bounces, rises or falls very slowly gets a note about the
  learning rate with a value to try; a validation loss that rises while the training
  loss falls gets a note about overfitting. :func:`run_hints` reads a run folder.

- :func:`adversarial_hints` reads a GAN's columns instead (its losses pull against each
  other, so the rate and overfitting notes would mislead): a generator whose samples
  became alike (mode collapse), a discriminator that wins for good.

Thresholds (chosen to stay quiet on the shipped examples, which train well):

- :data:`PARAMS_PER_TARGET`: a network is "much larger than its data" when it has more
  than 50 parameters per target value it learns from (training samples × values per
  target: 1 for a class label, the input size for reconstruction). The examples have
  at most 38 (LeNet on 1 600 images); a 256-256 MLP on 800 spiral points has 84.
- A loss "stops falling early" when 98% of its whole drop happened within the first
  third of the epochs (at least :data:`MIN_EPOCHS`) and it still sits above 20% of where
  it started. It "bounces" when, over the second half of the run, it travels up and down
  more than four times its net progress with an epoch-to-epoch jitter above 1.5%. A loss
  that fell below :data:`NEAR_ZERO` (5%) of its start has learned the data: no rate hint.
- A GAN's samples "collapsed" when the diversity of its fixed-noise samples (their mean
  distance to each other) stayed below :data:`COLLAPSE_SHARE` of its highest value so far for
  the last two epochs; its discriminator "wins" when D(G(z)) stayed below
  :data:`DISCRIMINATOR_WINS` (0.05) for the last :data:`WINS_EPOCHS` epochs.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core.graph import Graph
from core.layers.frozen import is_frozen
from core.shapes import HINT, Analysis, Problem

#: Parameters per training target value above which the network is "much larger than its data".
PARAMS_PER_TARGET = 50
#: A run needs this many epochs before its loss curve is judged.
MIN_EPOCHS = 5
#: A training loss below this share of where it started has learned the data (no rate hint).
NEAR_ZERO = 0.05
#: Layers that do not make a network non-linear between two Linear layers.
PASS_THROUGH = frozenset({"Dropout", "Dropout2d", "Identity", "Flatten", "Reshape", "BatchNorm1d"})
#: Layers that squash outputs into probabilities, which the loss does itself.
SQUASHING = frozenset({"Softmax", "Sigmoid", "LogSoftmax"})
BATCH_NORMS = frozenset({"BatchNorm1d", "BatchNorm2d"})
#: A GAN's generated samples have collapsed below this share of their highest diversity.
COLLAPSE_SHARE = 0.5
#: D(G(z)) below this for :data:`WINS_EPOCHS` epochs: the discriminator wins.
DISCRIMINATOR_WINS = 0.05
WINS_EPOCHS = 3


# ----------------------------------------------------------------------------- the design
def design_hints(graph: Graph, analysis: Analysis | None = None, info: Any = None,
                 training: Mapping[str, Any] | None = None,
                 data: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every hint about ``graph`` (with its ``analysis``, data facts ``info`` (a
    ``core.data.DataInfo``), the project's ``training`` and ``data`` sections)."""
    hints = linear_stack_hints(graph)
    hints += squashing_output_hints(graph)
    hints += batch_norm_hints(graph, training)
    frozen = [node_id for node_id, node in graph.nodes.items() if is_frozen(node)]
    from core.subnetworks import is_adversarial_graph

    # A GAN does not fit targets (its generator never sees the data): no overfitting note.
    size = None if is_adversarial_graph(graph) else size_hint(analysis, info, data, frozen)
    if size is not None:
        hints.append(size)
    return hints


def _is_linear(graph: Graph, node_id: str) -> bool:
    node = graph.nodes[node_id]
    if node.type == "Linear":
        return True
    return node.type == "Output" and node.params.get("head", "linear") == "linear"


def linear_stack_hints(graph: Graph) -> list[Problem]:
    """Linear → (Dropout, Flatten, ...) → Linear with no activation: one linear map."""
    hints = []
    for start in graph.nodes:
        if graph.nodes[start].type != "Linear":
            continue
        seen, stack = {start}, [e.target for e in graph.outgoing(start)]
        while stack:
            node_id = stack.pop()
            if node_id in seen or node_id not in graph.nodes:
                continue
            seen.add(node_id)
            if _is_linear(graph, node_id):
                hints.append(_linear_pair_hint(graph, start, node_id))
            elif graph.nodes[node_id].type in PASS_THROUGH and len(graph.incoming(node_id)) == 1:
                stack.extend(e.target for e in graph.outgoing(node_id))
    return hints


def _linear_pair_hint(graph: Graph, first: str, second: str) -> Problem:
    second_text = ("the Output's linear head" if graph.nodes[second].type == "Output"
                   else f"Linear '{second}'")
    return Problem(
        f"Linear '{first}' and {second_text} have no activation between them, so together they"
        " are equivalent to one linear layer (a product of matrices is one matrix): insert a ReLU"
        " (or another activation) between them to let the network learn curved boundaries",
        second, HINT)


def squashing_output_hints(graph: Graph) -> list[Problem]:
    """Softmax/Sigmoid right before an identity Output: the loss applies it already."""
    hints = []
    for node_id, node in graph.nodes.items():
        if node.type != "Output" or node.params.get("head", "linear") != "identity":
            continue
        if node.params.get("target") == "generator":
            continue  # a generator's samples are what it outputs: no loss squashes them
        for edge in graph.incoming(node_id):
            source = graph.nodes.get(edge.source)
            if source is not None and source.type in SQUASHING:
                hints.append(Problem(
                    f"{source.type} '{source.id}' feeds the Output, but the loss applies"
                    f" {'sigmoid' if source.type == 'Sigmoid' else 'softmax'} to the Output"
                    " itself: delete it, or training squashes twice and learns slowly",
                    source.id, HINT))
    return hints


def batch_norm_hints(graph: Graph, training: Mapping[str, Any] | None) -> list[Problem]:
    """BatchNorm normalises over the batch: with ``batch_size`` 1 there is nothing to average."""
    batch_size = (training or {}).get("batch_size")
    if batch_size != 1:
        return []
    return [Problem(f"{node.type} '{node_id}' normalises each value over the batch, but"
                    " training.batch_size is 1, so there is nothing to average (BatchNorm1d cannot"
                    " even train): use a batch size of 16 or more, or LayerNorm instead",
                    node_id, HINT)
            for node_id, node in graph.nodes.items() if node.type in BATCH_NORMS]


def training_samples(info: Any, data: Mapping[str, Any] | None = None) -> int:
    """How many samples the training split holds (the data's samples less validation and test)."""
    samples = int(getattr(info, "samples", 0) or 0)
    data = data or {}
    if data.get("validation_path"):
        return samples
    split = data.get("split") or {}
    try:
        kept = 1.0 - float(split.get("validation", 0.2)) - float(split.get("test", 0.0))
    except (TypeError, ValueError):
        kept = 0.8
    return max(1, int(round(samples * min(max(kept, 0.1), 1.0)))) if samples else 0


def target_values(info: Any) -> int:
    """Numbers one training sample's target holds (1 for a class label)."""
    task = getattr(info, "task", None)
    if task == "reconstruction":
        return max(1, math.prod(getattr(info, "input_shape", ()) or (1,)))
    if task in ("regression", "multilabel"):
        return max(1, len(getattr(info, "target_names", []) or []))
    return 1


def size_hint(analysis: Analysis | None, info: Any, data: Mapping[str, Any] | None = None,
              frozen: Sequence[str] = ()) -> Problem | None:
    """A note about overfitting when parameters ≫ training target values (see the module doc);
    the ``frozen`` layers' weights are not learnt, so they do not count."""
    if analysis is None or info is None:
        return None
    samples = training_samples(info, data)
    if not samples:
        return None
    params = analysis.total_params - sum(analysis.results[n].params for n in frozen
                                         if n in analysis.results)
    per_target = params / (samples * target_values(info))
    if per_target <= PARAMS_PER_TARGET:
        return None
    return Problem(
        f"the network has {params:,} parameters to learn from {samples:,} training samples"
        f" ({per_target:,.0f} per target value), so it can memorise them instead of learning the"
        " pattern (overfitting): watch the validation loss; if it rises while the training loss"
        " falls, add Dropout, make the layers smaller, or use more data",
        None, HINT)


# ----------------------------------------------------------------------------- a run's history
def _losses(history: Sequence[Mapping[str, Any]], column: str) -> list[float]:
    values = []
    for row in history:
        value = _number(row.get(column))
        if value is None:
            return []
        values.append(value)
    return values


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def training_hints(history: Sequence[Mapping[str, Any]],
                   training: Mapping[str, Any] | None = None) -> list[Problem]:
    """Hints from a run's metrics rows (``metrics.csv``: ``epoch``, ``train_loss``,
    ``val_loss``, ``learning_rate``, ...), with the run's ``training`` settings if known.

    The training panel may call this after every epoch; it is cheap (one pass over the rows).
    """
    if _gan_prefix(history) is not None:
        return adversarial_hints(history, training)
    hints = []
    lr_hint = learning_rate_hint(history, training)
    if lr_hint is not None:
        hints.append(lr_hint)
    over = overfitting_hint(history)
    if over is not None:
        hints.append(over)
    return hints


def _learning_rate(history: Sequence[Mapping[str, Any]], training: Mapping[str, Any] | None) -> float | None:
    value = _number((training or {}).get("learning_rate"))
    if value is None and history:
        value = _number(history[0].get("learning_rate"))
    return value


def learning_rate_hint(history: Sequence[Mapping[str, Any]],
                       training: Mapping[str, Any] | None = None) -> Problem | None:
    """A note about the learning rate when the training loss rises, bounces, stalls early or crawls."""
    losses = _losses(history, "train_loss")
    n = len(losses)
    if n < MIN_EPOCHS:
        return None
    lr = _learning_rate(history, training)
    lower = f" (such as {_fmt(lr / 10)})" if lr else ""
    higher = f" (such as {_fmt(lr * 10)})" if lr else ""
    now = f" (now {_fmt(lr)})" if lr else ""
    start = sorted(losses[:3])[1]  # the median of the first epochs: one wild first epoch is ignored
    best, last = min(losses), losses[-1]
    if last > start * 1.05 and last > best * 1.5:
        return Problem(f"the training loss rose from {_fmt(start)} to {_fmt(last)} over {n} epochs:"
                       f" the learning rate{now} is probably too high; try a tenth of it{lower},"
                       " or set training.gradient_clip (such as 1.0)", None, HINT)
    if best <= NEAR_ZERO * start:
        return None  # it learned the training data: nothing to say about the rate
    half = losses[n // 2:]
    travel = sum(abs(b - a) for a, b in zip(half, half[1:]))
    progress = half[0] - half[-1]
    jitter = travel / max(1, len(half) - 1) / max(sum(half) / len(half), 1e-12)
    if travel > 4 * max(progress, 0.0) and jitter > 0.015:
        return Problem(f"the training loss goes up and down from epoch to epoch instead of falling"
                       f" (now {_fmt(last)}, best {_fmt(best)}): the steps overshoot, so the learning"
                       f" rate{now} is probably too high; try a third to a tenth of it{lower}, or a"
                       " schedule (cosine or reduce_on_plateau) that lowers it as training goes",
                       None, HINT)
    drop = max(start - best, 0.0)
    settled = next(i for i, value in enumerate(losses) if value <= best + 0.02 * drop)
    if settled <= (n - 1) / 3 and best > 0.2 * start:
        epoch = history[settled].get("epoch", settled + 1)
        return Problem(f"the training loss stopped falling early, after epoch {_int(epoch)} of {n}, at"
                       f" {_fmt(best)} (it started at {_fmt(losses[0])}): a smooth, flat loss often means the"
                       f" learning rate{now} is too low to get out of a plateau; try ten times more"
                       f"{higher}; if the loss then bounces, the network may be too small, or try the"
                       " adam optimiser", None, HINT)
    steps = [b - a for a, b in zip(losses, losses[1:])]
    if last >= 0.9 * start and sum(1 for s in steps if s > 0) <= 0.2 * len(steps):
        return Problem(f"the training loss falls very slowly ({_fmt(start)} to {_fmt(last)} in {n}"
                       f" epochs): the learning rate{now} may be too low; try ten times more{higher}",
                       None, HINT)
    return None


def overfitting_hint(history: Sequence[Mapping[str, Any]]) -> Problem | None:
    """The validation loss rose for 3+ epochs after its best (by more than 10% of it and 5% of its
    start) while the training loss kept falling."""
    val = _losses(history, "val_loss")
    train = _losses(history, "train_loss")
    if len(val) < MIN_EPOCHS or len(train) != len(val):
        return None
    best = min(range(len(val)), key=val.__getitem__)
    after = len(val) - 1 - best
    if after < 3 or val[-1] <= val[best] * 1.1 or train[-1] >= train[best]:
        return None
    if val[-1] - val[best] < NEAR_ZERO * val[0]:
        return None  # a rise too small to matter next to where the loss started
    epoch = history[best].get("epoch", best + 1)
    return Problem(f"the validation loss has risen since epoch {_int(epoch)} ({_fmt(val[best])} to"
                   f" {_fmt(val[-1])}) while the training loss kept falling: the network is memorising"
                   " the training samples (overfitting); the run keeps the best epoch's weights;"
                   " early stopping, Dropout, weight decay or more data help", None, HINT)


# ----------------------------------------------------------------------------- a GAN's history
def _gan_prefix(history: Sequence[Mapping[str, Any]]) -> str | None:
    """``val_`` or ``train_``: where a GAN's columns are (None when the rows are not a GAN's)."""
    first = history[0] if history else {}
    for prefix in ("val_", "train_"):
        if f"{prefix}d_fake" in first:
            return prefix
    return None


def adversarial_hints(history: Sequence[Mapping[str, Any]],
                      training: Mapping[str, Any] | None = None) -> list[Problem]:
    """Mode collapse and a discriminator that wins, from a GAN's metrics rows."""
    prefix = _gan_prefix(history)
    if prefix is None:
        return []
    hints = [hint for hint in (mode_collapse_hint(history, prefix),
                               discriminator_wins_hint(history, prefix, training)) if hint]
    return hints


def mode_collapse_hint(history: Sequence[Mapping[str, Any]], prefix: str = "val_") -> Problem | None:
    """The generated samples' diversity fell below :data:`COLLAPSE_SHARE` of its best."""
    values = _losses(history, f"{prefix}diversity")
    if len(values) < 3:
        return None
    best = max(values[:-2])
    if best <= 0 or max(values[-2:]) >= COLLAPSE_SHARE * best:
        return None
    return Problem(f"the generated samples look alike (mode collapse): they differ from one another"
                   f" by {_fmt(values[-1])} per value now, against {_fmt(best)} earlier, so the"
                   " generator makes a few pictures whatever its noise; a lower learning rate, label"
                   " smoothing (training.adversarial.label_smoothing, such as 0.1) or a"
                   " discriminator with Dropout often helps, and it may recover on its own", None, HINT)


def discriminator_wins_hint(history: Sequence[Mapping[str, Any]], prefix: str = "val_",
                            training: Mapping[str, Any] | None = None) -> Problem | None:
    """D(G(z)) stayed near 0: the generator's gradients vanish, it stops learning."""
    values = _losses(history, f"{prefix}d_fake")
    if len(values) < WINS_EPOCHS or max(values[-WINS_EPOCHS:]) >= DISCRIMINATOR_WINS:
        return None
    adversarial = (training or {}).get("adversarial") or {}
    rate = _number(adversarial.get("discriminator_learning_rate")) or _number((training or {}).get("learning_rate"))
    now = f" (now {_fmt(rate)})" if rate else ""
    return Problem(f"the discriminator wins: for the last {WINS_EPOCHS} epochs it gave the generated"
                   f" samples a chance of being real of {_fmt(values[-1])} or less (D(G(z))), so the"
                   " generator learns little from it; lower"
                   f" training.adversarial.discriminator_learning_rate{now}, add label smoothing"
                   " (such as 0.1), or give the generator more units", None, HINT)


def _int(value: Any) -> str:
    number = _number(value)
    return str(int(number)) if number is not None else str(value)


def read_history(run_dir: str | Path) -> list[dict[str, Any]]:
    """The rows of a run folder's ``metrics.csv`` as dicts of numbers (empty if there is none)."""
    path = Path(run_dir) / "metrics.csv"
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        return []
    return [{key: (_number(value) if value not in ("", None) else None) for key, value in row.items()}
            for row in rows]


def run_hints(run_dir: str | Path) -> list[Problem]:
    """:func:`training_hints` for a run folder (``metrics.csv`` and ``run.json``'s ``training``)."""
    try:
        run = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        run = {}
    training = run.get("training") if isinstance(run, dict) else None
    return training_hints(read_history(run_dir), training if isinstance(training, dict) else None)
