"""The sentences of a step-through: each step's numbers said in words, with the real values.

Only numpy here. The numbers are one sample's (the batch dimension is dropped); a sentence
writes out one worked example (the first output of a Linear layer, the first weight's
update) so a learner can redo it by hand, and says the rule for the rest.
"""

from __future__ import annotations

import math

import numpy as np

#: At most this many products are written out in a weighted sum before "…".
TERMS = 4
#: At most this many values of a vector in a short text (the canvas badge, a sentence).
SHOWN = 5
#: What a table of numbers shows before cutting: values per row, rows of a matrix. Worked
#: examples are picked inside this window, so the person finds them in the table.
SHOWN_COLUMNS, SHOWN_ROWS = 12, 8


def num(value: float) -> str:
    """A number as a person writes it: 3 significant digits, a real minus sign."""
    value = float(value)
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}×10^{int(exponent)}"
    return text.replace("-", "−")


def signed(value: float) -> str:
    """A factor in a product: negative numbers in brackets, ``(−0.1)``."""
    text = num(value)
    return f"({text})" if text.startswith("−") else text


def vector(values: np.ndarray, shown: int = SHOWN) -> str:
    """``[0.31, 0, 1.2, … 64 values]``: the first few values of an array, flattened."""
    flat = np.asarray(values, np.float64).reshape(-1)
    head = ", ".join(num(v) for v in flat[:shown])
    if len(flat) > shown:
        return f"[{head}, … {len(flat)} values]"
    return f"[{head}]"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def weighted_sum(weights: np.ndarray, inputs: np.ndarray, bias: float | None, result: float) -> str:
    """``0.31 = 0.5×0.2 + (−0.1)×0.4 + 0.05``: one output of a Linear layer, written out.
    Inputs that are 0 (units a ReLU silenced) add nothing and are counted, not written."""
    weights, inputs = np.asarray(weights).reshape(-1), np.asarray(inputs).reshape(-1)
    live = [i for i in range(len(inputs)) if inputs[i] != 0]
    terms = [f"{signed(weights[i])}×{signed(inputs[i])}" for i in live[:TERMS]]
    if len(live) > TERMS:
        terms.append(f"… ({len(live)} products)")
    if bias is not None:
        terms.append(f"{signed(bias)} (bias)")
    text = f"{num(result)} = " + (" + ".join(terms) if terms else "0")
    zeros = len(inputs) - len(live)
    if zeros:
        text += f"; the {zeros} inputs that are 0 add nothing"
    return text


def pick(values: np.ndarray, rows: int = SHOWN_ROWS, columns: int = SHOWN_COLUMNS) -> int:
    """The flat index of the worked example: the largest value by size among those a table
    shows first (``rows`` × ``columns``), else anywhere; 0 when all are 0."""
    a = np.abs(np.asarray(values, np.float64))
    if a.size == 0:
        return 0
    if a.ndim >= 2:
        matrix = a.reshape(a.shape[0], -1)
        window = matrix[:rows, :columns]
        if window.max() > 0:
            r, c = np.unravel_index(int(window.argmax()), window.shape)
            return int(r * matrix.shape[1] + c)
    else:
        window = a.reshape(-1)[:columns]
        if window.max() > 0:
            return int(window.argmax())
    flat = a.reshape(-1)
    return int(flat.argmax()) if flat.max() > 0 else 0


def position(shape: tuple[int, ...], flat: int) -> str:
    """``[3, 1]`` for flat index 7 of a 4×2 array; ``[7]`` for a vector."""
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]" if shape else ""


# ----------------------------------------------------------------------------- forward
def forward_linear(node_id: str, weight: np.ndarray, bias: np.ndarray | None, x: np.ndarray,
                   y: np.ndarray, is_output: bool) -> str:
    outs, ins = weight.shape
    first = weighted_sum(weight[0], x, None if bias is None else bias[0], y[0])
    what = "The Output" if is_output else f"Linear '{node_id}'"
    text = (f"{what} mixes its {plural(ins, 'input')} into {plural(outs, 'output')}: each output is"
            f" a weighted sum of every input{' plus a bias' if bias is not None else ''}."
            f" The first one: {first}.")
    if outs > 1:
        text += f" The other {outs - 1} use their own row of weights the same way."
    if is_output:
        text += (" These raw scores (logits) are the network's answer; the loss turns them into"
                 " probabilities or compares them with the target.")
    return text


def forward_relu(node_id: str, x: np.ndarray) -> str:
    negative = int((np.asarray(x) <= 0).sum())
    return (f"ReLU '{node_id}' keeps every positive number and replaces the others by 0:"
            f" max(0, x). Here {negative} of the {x.size} values were not positive and became 0,"
            " so those units are silent for this sample. Without such a bend the layers before"
            " and after would collapse into one straight-line (linear) map.")


_ACTIVATION_WORDS = {
    "Sigmoid": "squeezes every number into (0, 1): σ(x) = 1 / (1 + e^(−x))",
    "Tanh": "squeezes every number into (−1, 1): tanh(x)",
    "LeakyReLU": "keeps positive numbers and multiplies the others by a small slope",
    "ELU": "keeps positive numbers and bends the others smoothly towards −1",
    "GELU": "lets a number through in proportion to how likely it is to be large: x·Φ(x)",
    "SiLU": "multiplies every number by its own sigmoid: x·σ(x)",
    "Softmax": "turns the scores into probabilities that sum to 1: e^(xᵢ) / Σ e^(xⱼ)",
}


def forward_activation(node_id: str, type_name: str, formula: str, x: np.ndarray, y: np.ndarray) -> str:
    if type_name == "ReLU":
        return forward_relu(node_id, x)
    rule = _ACTIVATION_WORDS.get(type_name) or f"applies {formula} to every number"
    first = f"{num(np.asarray(x).reshape(-1)[0])} → {num(np.asarray(y).reshape(-1)[0])}"
    return (f"{type_name} '{node_id}' {rule}, one number at a time. The first value: {first}."
            " This bend is what lets the network draw curved boundaries.")


def forward_dropout(node_id: str, x: np.ndarray, y: np.ndarray, p: float) -> str:
    zeroed = int(((np.asarray(y) == 0) & (np.asarray(x) != 0)).sum())
    return (f"Dropout '{node_id}' sets each value to 0 with probability {num(p)} while training"
            f" (here {zeroed} of {x.size}) and multiplies the rest by 1/(1 − p) = {num(1 / (1 - p))},"
            " so the next layer cannot rely on any single unit. It does nothing at prediction time.")


def forward_input(node_id: str, x: np.ndarray, names: list[str], scaled: bool, sample: int = 0,
                  count: int = 0) -> str:
    flat = np.asarray(x).reshape(-1)
    if names and len(names) == flat.size and flat.size <= 8:
        values = ", ".join(f"{n} = {num(v)}" for n, v in zip(names, flat))
    else:
        values = vector(flat)
    which = f"Training sample {sample}" + (f" (of {count:,})" if count else "")
    text = f"{which} enters the network at the Input '{node_id}': {values}."
    if scaled:
        text += (" These are the numbers the network sees: each feature was shifted and scaled"
                 " (by the training data's mean and spread) so that all are of similar size.")
    return text


def forward_generic(node_id: str, type_name: str, summary: str) -> str:
    return f"{type_name} '{node_id}': {summary} Its output goes on to the next layer."


# ----------------------------------------------------------------------------- the loss
def loss_text(loss_name: str, title: str, doc: str, output: np.ndarray, target_words: str,
              value: float, details: str) -> str:
    text = f"The loss measures how wrong the answer is: {title}. {doc}"
    if details:
        text += " " + details
    else:
        text += f" The Output gave {vector(output)}; {target_words}."
    return text + f" Loss = {num(value)}. Training tries to make this number small."


def bce_details(z: float, target: float, true_name: str, positive_name: str, value: float) -> str:
    p = 1 / (1 + math.exp(-z))
    term = f"−log σ(z) = −log {num(p)}" if target >= 0.5 else f"−log(1 − σ(z)) = −log {num(1 - p)}"
    return (f"The sigmoid turns the score z = {num(z)} into a probability σ(z) = {num(p)} that the"
            f" sample is {positive_name}. The true class is {true_name} (target {num(target)}), so the"
            f" loss is {term} = {num(value)}.")


def cross_entropy_details(z: np.ndarray, label: int, class_name: str, value: float, smoothing: float) -> str:
    z = np.asarray(z, np.float64).reshape(-1)
    p = np.exp(z - z.max())
    p /= p.sum()
    text = (f"Softmax turns the scores {vector(z)} into probabilities {vector(p)} that sum to 1."
            f" The true class is {class_name} (number {label}), given p = {num(p[label])}, so the loss"
            f" is −log {num(p[label])} = {num(-math.log(max(p[label], 1e-300)))}.")
    if smoothing:
        text += f" With label smoothing {num(smoothing)} a little of every other class's −log p is added."
    return text


def squared_details(prediction: np.ndarray, target: np.ndarray) -> str:
    prediction, target = np.asarray(prediction).reshape(-1), np.asarray(target).reshape(-1)
    if prediction.size == 1:
        return (f"The prediction is {num(prediction[0])} and the target {num(target[0])}: the loss is"
                f" the squared difference ({num(prediction[0])} − {signed(target[0])})².")
    return (f"The predictions {vector(prediction)} are compared with the targets {vector(target)}:"
            f" the loss is the mean of the {prediction.size} squared differences.")


# ----------------------------------------------------------------------------- backward
def loss_gradient(loss_name: str, output_id: str, grad: np.ndarray, output: np.ndarray,
                  probability: np.ndarray | None, target: np.ndarray | None) -> str:
    g = np.asarray(grad).reshape(-1)
    start = ("The backward pass starts at the loss and goes back through the network: for every"
             " number it asks how much the loss would change if that number grew a little (its"
             " gradient). ")
    if loss_name == "bce" and probability is not None and target is not None and g.size == 1:
        rule = (f"For binary cross-entropy the gradient of the score is σ(z) − target ="
                f" {num(probability.reshape(-1)[0])} − {signed(target.reshape(-1)[0])} = {num(g[0])}.")
    elif loss_name == "cross_entropy" and probability is not None:
        rule = (f"For cross-entropy the gradient of each score is its probability minus 1 for the"
                f" true class (minus 0 for the others): {vector(g)}.")
    elif loss_name == "mse" and target is not None:
        rule = (f"For the squared error the gradient is 2 × (prediction − target) / {g.size}:"
                f" {vector(g)}.")
    else:
        rule = f"The gradient of the loss with respect to the Output's numbers is {vector(g)}."
    sign = ""
    if g.size == 1 and g[0] != 0:
        sign = (" It is negative: raising the score would lower the loss." if g[0] < 0
                else " It is positive: lowering the score would lower the loss.")
    return start + rule + sign


def backward_linear(node_id: str, weight: np.ndarray, x: np.ndarray, grad_out: np.ndarray,
                    grad_weight: np.ndarray | None, grad_in: np.ndarray | None, is_output: bool) -> str:
    what = "the Output" if is_output else f"Linear '{node_id}'"
    g, x = np.asarray(grad_out).reshape(-1), np.asarray(x).reshape(-1)
    i, j = pick(g, columns=SHOWN_ROWS), pick(x)
    text = (f"The chain rule at {what}: a weight's gradient is the gradient arriving at its output"
            f" times the input it multiplied, dL/dW[i, j] = dL/dy[i] × x[j]. For W[{i}, {j}]:"
            f" {signed(g[i])} × {signed(x[j])} = {num(g[i] * x[j])}. A bias's gradient is the arriving"
            f" gradient itself ({num(g[i])} for output {i}).")
    if grad_weight is None:
        text += " This layer is frozen: its weights get no gradient and stay as they are."
    if grad_in is not None:
        back = np.asarray(grad_in).reshape(-1)
        k = pick(back)
        column = np.asarray(weight)[:, k]
        live = [r for r in range(len(g)) if g[r] != 0]
        products = " + ".join(f"{signed(column[r])}×{signed(g[r])}" for r in live[:TERMS])
        if len(live) > TERMS:
            products += f" + … ({len(live)} products)"
        zeros = len(g) - len(live)
        text += (f" It also passes a gradient back to each input: the sum, over the outputs that input"
                 f" fed, of the output's gradient times the connecting weight. Input {k}:"
                 f" {products or '0'} = {num(back[k])}"
                 + (f" (the {zeros} outputs with gradient 0 add nothing)." if zeros else "."))
    return text


def backward_relu(node_id: str, x: np.ndarray, grad_out: np.ndarray) -> str:
    stopped = int((np.asarray(x) <= 0).sum())
    return (f"Back through ReLU '{node_id}': its slope is 1 where its input was positive and 0"
            f" elsewhere, so the gradient passes unchanged through the active units and stops at"
            f" the silent ones ({stopped} of {np.asarray(x).size} here). A unit that is silent for"
            " every sample never learns: a 'dead' unit.")


_SLOPES = {
    "Sigmoid": "σ(x)·(1 − σ(x)), at most 0.25",
    "Tanh": "1 − tanh(x)², at most 1",
    "LeakyReLU": "1 for positive inputs, the small negative slope for the others",
}


def backward_activation(node_id: str, type_name: str) -> str:
    if type_name in _SLOPES:
        slope = f"its slope {_SLOPES[type_name]}"
    else:
        slope = "its slope at the value it received"
    return (f"Back through {type_name} '{node_id}': the chain rule multiplies the arriving gradient"
            f" by {slope}, number by number, and passes the result back.")


def backward_input(node_id: str, grad: np.ndarray) -> str:
    return (f"The gradient reaches the Input '{node_id}': {vector(grad)}. It says how the loss would"
            " change if the sample's features moved. Training does not use it (the data stays"
            " as it is), but it is what saliency maps show: which features the answer depends on.")


def backward_generic(node_id: str, type_name: str, has_weights: bool) -> str:
    text = (f"Back through {type_name} '{node_id}': the chain rule multiplies the gradient arriving"
            " at its output by how its output changes with its input, and passes the result back.")
    if has_weights:
        text += " Its weights get their gradients the same way."
    return text


# ----------------------------------------------------------------------------- update
def update_text(node_id: str, optimizer: str, lr: float, name: str, before: np.ndarray,
                grad: np.ndarray | None, after: np.ndarray, weight_decay: float, momentum: float) -> str:
    before, after = np.asarray(before), np.asarray(after)
    k = pick(grad) if grad is not None else 0
    where = f"{name}{position(before.shape, k)}"
    b0, a0 = float(before.reshape(-1)[k]), float(after.reshape(-1)[k])
    if grad is None:
        return f"'{node_id}' is frozen: its {name} keeps its values ({where} stays {num(b0)})."
    g0 = float(np.asarray(grad).reshape(-1)[k])
    if optimizer == "sgd":
        step = f"({num(g0)} + {num(weight_decay)}×{signed(b0)})" if weight_decay else signed(g0)
        text = (f"Gradient descent moves every weight a small step downhill: new = old − learning"
                f" rate × gradient. For {where}: {num(b0)} − {num(lr)} × {step} = {num(a0)}.")
        if momentum:
            text += (" With momentum each step keeps a share of the previous one; on this first"
                     " step there is none yet.")
        if weight_decay:
            text += " Weight decay adds a little of the weight itself, pulling it towards 0."
        return text
    if optimizer in ("adam", "adamw"):
        return (f"Adam divides each gradient by the size of that weight's recent gradients, so on"
                f" this first step every weight with a gradient moves by about the learning rate"
                f" ({num(lr)}) against the sign of its gradient, however small the gradient is."
                f" For {where}: gradient {num(g0)}, so {num(b0)} → {num(a0)}.")
    return (f"{optimizer} moves each weight against its gradient, scaled by the learning rate"
            f" ({num(lr)}) and by that weight's history of gradients. For {where}: gradient {num(g0)},"
            f" so {num(b0)} → {num(a0)}.")


def result_text(before: float, after: float, lr: float, batch_size: int, epochs: int) -> str:
    if after < before:
        change = f"went down from {num(before)} to {num(after)}"
    elif after > before:
        change = (f"went up from {num(before)} to {num(after)}: the step was too large for this"
                  " sample (a smaller learning rate would help)")
    else:
        change = f"stayed at {num(before)}"
    return (f"Run forward again with the new weights: the loss on this sample {change}. That is one"
            f" step of gradient descent. Training repeats it with batches of {batch_size} samples"
            f" (their gradients averaged) for {epochs} epochs, and the loss over all samples falls.")
