"""A :class:`~core.stepthrough.record.Record` as an ordered list of steps a person reads.

The order follows the computation: the sample and every layer forward, the loss, the
loss's gradient and every layer backward (the chain rule, output to input), each layer's
weights updated by the optimiser, and the loss again after the step. Only numpy here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.layers import REGISTRY
from core.stepthrough import words
from core.stepthrough.record import Record

SAMPLE, FORWARD, LOSS, BACKWARD, UPDATE, RESULT = "sample", "forward", "loss", "backward", "update", "result"
PHASE_TITLES = {SAMPLE: "The sample", FORWARD: "Forward pass", LOSS: "Loss", BACKWARD: "Backward pass",
                UPDATE: "Weight update", RESULT: "After the step"}


@dataclass(frozen=True)
class Numbers:
    """One labelled array of a step (``output``, ``dL/d weight``...), one sample's values."""

    label: str
    values: np.ndarray


@dataclass(frozen=True)
class Step:
    """One thing to look at: where (``node_id``), what it computed (``numbers``), and why
    (``text``); ``badge`` is the short line shown beside the node's card."""

    phase: str
    title: str
    node_id: str | None
    text: str
    numbers: tuple[Numbers, ...]
    badge: str
    #: The numbers the text works out, as ``(label, flat index)``: a table highlights them.
    focus: tuple[tuple[str, int], ...] = ()

    def value(self, label: str) -> np.ndarray:
        """The numbers labelled ``label`` (KeyError when the step has none)."""
        for numbers in self.numbers:
            if numbers.label == label:
                return numbers.values
        raise KeyError(f"step {self.title!r} has no numbers {label!r}")


def _n(label: str, values) -> Numbers:
    return Numbers(label, np.atleast_1d(np.asarray(values, np.float32)))


def _short(values) -> str:
    return words.vector(values, 3)


def build_steps(record: Record) -> list[Step]:
    """Every step of ``record``, in reading order."""
    steps = [_sample_step(record)]
    steps += [_forward_step(record, n) for n in record.order if record.types[n] != "Input"]
    steps.append(_loss_step(record))
    steps.append(_loss_gradient_step(record))
    steps += [_backward_step(record, n) for n in reversed(record.order)
              if record.types[n] != "Input" and n in record.output_grads]
    steps += [_input_gradient_step(record, n) for n in record.order
              if record.types[n] == "Input" and n in record.output_grads]
    steps += [_update_step(record, n) for n in record.order if record.weights.get(n)]
    steps.append(_result_step(record))
    return steps


# ----------------------------------------------------------------------------- forward
def _target_words(record: Record) -> str:
    if record.label is not None:
        return f"Its class is {_class(record, record.label)}."
    if record.target is not None:
        return f"Its target is {words.vector(record.target)}."
    return "Its target is the sample itself: the network learns to rebuild it."


def _class(record: Record, label: int) -> str:
    names = record.class_names
    return f"'{names[label]}'" if 0 <= label < len(names) else str(label)


def _sample_step(record: Record) -> Step:
    inputs = [n for n in record.order if record.types[n] == "Input"]
    first = inputs[0]
    x = record.outputs[first]
    text = words.forward_input(first, x, record.feature_names, record.scaled, record.sample,
                               record.sample_count) + " " + _target_words(record)
    text += (f" The weights are the ones a new run starts with (seed {record.seed}); one step of"
             f" {record.optimizer} with learning rate {words.num(record.learning_rate)} follows.")
    numbers = [_n("features", x)]
    if record.target is not None:
        numbers.append(_n("target", record.target))
    return Step(SAMPLE, "The sample", first, text, tuple(numbers), "x = " + _short(x))


def _weight_numbers(record: Record, node_id: str, source: dict[str, np.ndarray], prefix: str = "") -> list[Numbers]:
    return [_n(prefix + key.split(".", 1)[1], source[key]) for key in record.weights.get(node_id, [])
            if source.get(key) is not None]


def _linear_parts(record: Record, node_id: str):
    keys = record.weights.get(node_id, [])
    weight = record.before.get(f"{node_id}.weight")
    bias = record.before.get(f"{node_id}.bias")
    if weight is None or weight.ndim != 2 or any(k not in (f"{node_id}.weight", f"{node_id}.bias") for k in keys):
        return None
    return weight, bias


def _is_linear(record: Record, node_id: str) -> bool:
    kind = record.types[node_id]
    if kind == "Output" and record.params[node_id].get("head") == "identity":
        return False
    return kind in ("Linear", "Output") and _linear_parts(record, node_id) is not None \
        and np.asarray(record.outputs[node_id]).ndim == 1


def _forward_step(record: Record, node_id: str) -> Step:
    kind = record.types[node_id]
    spec = REGISTRY.get(kind)
    ins = record.inputs.get(node_id, [])
    x = ins[0] if ins else None
    y = record.outputs.get(node_id)
    numbers: list[Numbers] = []
    if len(ins) == 1:
        numbers.append(_n("input", x))
    else:
        numbers += [_n(f"input {i + 1}", v) for i, v in enumerate(ins)]
    numbers += _weight_numbers(record, node_id, record.before)
    if y is not None:
        numbers.append(_n("output", y))
    if _is_linear(record, node_id) and x is not None:
        weight, bias = _linear_parts(record, node_id)
        text = words.forward_linear(node_id, weight, bias, x, y, kind == "Output")
    elif kind == "Dropout" and x is not None:
        text = words.forward_dropout(node_id, x, y, float(record.params[node_id].get("p", 0.5)))
    elif spec.category == "Activations" and x is not None and y is not None:
        formula = spec.shape_formula.split(";")[0]
        text = words.forward_activation(node_id, kind, formula, x, y)
    else:
        text = words.forward_generic(node_id, kind, spec.summary)
    title = "Forward: the Output" if kind == "Output" else f"Forward: {kind} '{node_id}'"
    badge = "out = " + _short(y) if y is not None else kind
    focus: tuple[tuple[str, int], ...] = ()
    if _is_linear(record, node_id) and x is not None:  # the products the text writes out
        written = [j for j in range(np.asarray(x).size) if np.asarray(x).reshape(-1)[j] != 0][:words.TERMS]
        focus = (("output", 0), ("bias", 0), *((label, j) for j in written for label in ("weight", "input")))
    return Step(FORWARD, title, node_id, text, tuple(numbers), badge, focus)


# ----------------------------------------------------------------------------- loss
def _probability(record: Record, z: np.ndarray) -> np.ndarray | None:
    if record.label is None:
        return None
    z = np.asarray(z, np.float64).reshape(-1)
    if z.size == 1:
        return 1 / (1 + np.exp(-z))
    p = np.exp(z - z.max())
    return p / p.sum()


def _loss_step(record: Record) -> Step:
    from core.train.losses import LOSSES

    output = record.outputs[record.primary]
    spec = LOSSES.get(record.loss_name)
    z = np.asarray(output, np.float64).reshape(-1)
    details = ""
    several = len(record.heads) > 1
    if not several and record.label is not None and record.loss_name == "bce" and z.size == 1:
        positive = _class(record, 1)
        details = words.bce_details(float(z[0]), float(record.target.reshape(-1)[0]), _class(record, record.label),
                                    positive, record.loss_before)
    elif not several and record.label is not None and record.loss_name == "cross_entropy":
        details = words.cross_entropy_details(z, record.label, _class(record, record.label),
                                              record.loss_before, record.label_smoothing)
    elif not several and record.loss_name == "mse" and record.target is not None:
        details = words.squared_details(output, record.target)
    target_words = ("the target is the input itself" if record.target is None
                    else f"the target is {words.vector(record.target)}")
    text = words.loss_text(record.loss_name, spec.title, spec.doc, output, target_words,
                           record.loss_before, details)
    if several:
        text += (f" This network has {len(record.heads)} Outputs: the loss is the sum of each"
                 " Output's loss times its weight.")
    numbers = [_n("output", output)]
    probability = _probability(record, output)
    if probability is not None:
        numbers.append(_n("probability", probability))
    if record.target is not None:
        numbers.append(_n("target", record.target))
    numbers.append(_n("loss", [record.loss_before]))
    return Step(LOSS, f"Loss: {spec.title}", record.primary, text, tuple(numbers),
                f"loss = {words.num(record.loss_before)}", (("loss", 0),))


# ----------------------------------------------------------------------------- backward
def _loss_gradient_step(record: Record) -> Step:
    output = record.outputs[record.primary]
    grad = record.output_grads.get(record.primary, np.zeros_like(output))
    probability = _probability(record, output)
    text = words.loss_gradient(record.loss_name, record.primary, grad, output, probability, record.target)
    return Step(BACKWARD, "Backward: the loss's gradient", record.primary, text,
                (_n("output", output), _n("dL/d output", grad)), "dL/dout = " + _short(grad))


def _passed_back(record: Record, node_id: str) -> list[np.ndarray | None]:
    return record.input_grads.get(node_id, [])


def _backward_step(record: Record, node_id: str) -> Step:
    kind = record.types[node_id]
    spec = REGISTRY.get(kind)
    grad_out = record.output_grads[node_id]
    ins = record.inputs.get(node_id, [])
    back = _passed_back(record, node_id)
    numbers = [_n("dL/d output", grad_out)]
    numbers += [Numbers(n.label, n.values) for n in _weight_numbers(record, node_id, record.grads, "dL/d ")]
    for i, g in enumerate(back):
        if g is not None:
            numbers.append(_n("dL/d input" if len(back) == 1 else f"dL/d input {i + 1}", g))
    focus: tuple[tuple[str, int], ...] = ()
    if _is_linear(record, node_id) and ins:
        weight, _bias = _linear_parts(record, node_id)
        i = words.pick(grad_out, columns=words.SHOWN_ROWS)
        j = words.pick(ins[0])
        numbers.insert(1, _n("input", ins[0]))
        focus = (("dL/d weight", i * weight.shape[1] + j), ("dL/d output", i), ("dL/d bias", i), ("input", j))
        if back and back[0] is not None:
            focus += (("dL/d input", words.pick(back[0])),)
        text = words.backward_linear(node_id, weight, ins[0], grad_out, record.grads.get(f"{node_id}.weight"),
                                     back[0] if back else None, kind == "Output")
    elif kind == "ReLU" and ins:
        text = words.backward_relu(node_id, ins[0], grad_out)
    elif spec.category == "Activations":
        text = words.backward_activation(node_id, kind)
    else:
        text = words.backward_generic(node_id, kind, bool(record.weights.get(node_id)))
    title = "Backward: the Output" if kind == "Output" else f"Backward: {kind} '{node_id}'"
    shown = back[0] if back and back[0] is not None else grad_out
    label = "dL/din = " if back and back[0] is not None else "dL/dout = "
    return Step(BACKWARD, title, node_id, text, tuple(numbers), label + _short(shown), focus)


def _input_gradient_step(record: Record, node_id: str) -> Step:
    grad = record.output_grads[node_id]
    return Step(BACKWARD, f"Backward: the Input '{node_id}'", node_id, words.backward_input(node_id, grad),
                (_n("features", record.outputs[node_id]), _n("dL/d features", grad)), "dL/dx = " + _short(grad))


# ----------------------------------------------------------------------------- update
def _update_step(record: Record, node_id: str) -> Step:
    keys = record.weights[node_id]
    texts, numbers = [], []
    for key in keys:
        name = key.split(".", 1)[1]
        before, grad, after = record.before[key], record.grads.get(key), record.after[key]
        texts.append(words.update_text(node_id, record.optimizer, record.learning_rate, name, before, grad,
                                       after, record.weight_decay, record.momentum))
        numbers += [_n(f"{name} before", before)]
        if grad is not None:
            numbers.append(_n(f"dL/d {name}", grad))
        numbers += [_n(f"{name} after", after), _n(f"{name} change", after - before)]
    kind = record.types[node_id]
    text = texts[0] + (" The other weights of the layer (" + ", ".join(k.split(".", 1)[1] for k in keys[1:])
                       + ") move by the same rule." if len(keys) > 1 else "")
    changes = np.concatenate([(record.after[k] - record.before[k]).reshape(-1) for k in keys])
    moved = int((changes != 0).sum())
    badge = (f"{moved} of {changes.size} weights moved, by up to {words.num(np.abs(changes).max())}"
             if moved else "no weight moved")
    title = "Update: the Output" if kind == "Output" else f"Update: {kind} '{node_id}'"
    first = keys[0].split(".", 1)[1]
    grad = record.grads.get(keys[0])
    k = words.pick(grad) if grad is not None else 0
    focus = tuple((f"{first} {part}", k) for part in ("before", "after", "change")) + ((f"dL/d {first}", k),)
    return Step(UPDATE, title, node_id, text, tuple(numbers), badge, focus)


def _result_step(record: Record) -> Step:
    text = words.result_text(record.loss_before, record.loss_after, record.learning_rate, record.batch_size,
                             record.epochs)
    numbers = [_n("loss before", [record.loss_before]), _n("loss after", [record.loss_after]),
               _n("output before", record.outputs[record.primary])]
    if record.output_after is not None:
        numbers.append(_n("output after", record.output_after))
    badge = f"loss {words.num(record.loss_before)} → {words.num(record.loss_after)}"
    return Step(RESULT, "After the step", record.primary, text, tuple(numbers), badge)
