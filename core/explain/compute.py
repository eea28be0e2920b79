"""One method over a batch of samples: from the trained network to an :class:`Explanation`.

Samples go through in chunks (progress and Cancel between them); each chunk's
attributions come back per input feature, then become what people look at: heat maps
for images, one value per CSV column for tables (one-hot features and a text column's
tokens summed into their column; sequences summed over their window), and per-token
values for text columns. Everything runs on the CPU, in the calling (worker) thread.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from core.explain.base import IMAGE, SEQUENCE, ExplainError, Explanation, TextAttribution
from core.explain.facts import facts_from, feature_columns
from core.explain.registry import method as find_method
from core.explain.samples import Predictions, SampleSet, predict

CHUNK = 32


def explain(trained, samples: SampleSet, method: str = "integrated_gradients", *,
            layer: str | None = None, target: int | None = None, options: dict | None = None,
            progress: Callable[[float, str], None] | None = None,
            cancel: Callable[[], bool] | None = None, chunk: int = CHUNK) -> Explanation:
    """Attributions of ``method`` for every sample of ``samples``.

    ``target`` is the class (or regression output) to explain; ``None`` explains each
    sample's predicted class (the first output for regression). ``layer`` is Grad-CAM's
    node id (default: the last convolution); ``options`` change the method's own (``steps``
    of integrated gradients). Raises :class:`ExplainError` for a method that does not fit
    the run and :class:`core.data.Cancelled` when ``cancel()`` turns true: it is asked
    before every forward pass, so even one image with many steps stops promptly.
    """
    import torch

    from core.data import Cancelled
    from core.explain.methods import captum_attr

    spec = find_method(method)
    facts = facts_from(trained.run, trained.preprocessing)
    problem = spec.problem(facts)
    if problem:
        raise ExplainError(problem)
    captum_attr()  # a missing package is said before any work
    report = progress or (lambda fraction, message: None)
    options = spec.settings(options)
    chosen_layer = None
    if spec.needs_layer:
        chosen_layer = facts.layer(layer).node_id
        options["layer"] = trained.module.get_submodule(chosen_layer)
    predictions = predict(trained, samples.x)
    targets = _targets(predictions, target, len(samples))
    scores = _scores(trained)
    n = len(samples)
    parts_out: list[list[np.ndarray]] = []
    compute = spec.function()
    passes = _PassCounter(n, spec.repeats(options), report, cancel)
    scores.before_forward = passes.before_forward
    try:
        with scores.hooked(), torch.enable_grad():
            for start in range(0, n, chunk):
                if cancel is not None and cancel():
                    raise Cancelled()
                stop = min(start + chunk, n)
                passes.begin(start, stop, f"{spec.title}: samples {start + 1:,}–{stop:,} of {n:,}")
                x = torch.from_numpy(np.ascontiguousarray(samples.x[start:stop], np.float32))
                inputs, baselines, extra = _inputs(scores, x)
                result = compute(scores, inputs, baselines, extra,
                                 torch.as_tensor(targets[start:stop], dtype=torch.long), options)
                parts_out.append([r.detach().float().numpy() for r in result])
    finally:
        scores.before_forward = None
    report(1.0, "done")
    parts = [np.concatenate([chunk_parts[i] for chunk_parts in parts_out]) for i in range(len(parts_out[0]))] \
        if parts_out else []
    return _assemble(trained, samples, spec, facts, predictions, targets, parts, scores, chosen_layer)


class _PassCounter:
    """Progress inside a chunk and Cancel before every forward pass of the method.

    A method pushes ``repeats`` rows per sample through the network (integrated gradients'
    steps, SmoothGrad's copies); counting the rows says how far the chunk is.
    """

    def __init__(self, total: int, repeats: int, report, cancel) -> None:
        self.total, self.repeats, self.report, self.cancel = max(total, 1), max(repeats, 1), report, cancel
        self.start = self.size = self.rows = 0
        self.message = ""
        self.shown = -1.0

    def begin(self, start: int, stop: int, message: str) -> None:
        self.start, self.size, self.rows, self.message = start, stop - start, 0, message
        self._report(start / self.total)

    def before_forward(self, rows: int) -> None:
        from core.data import Cancelled

        if self.cancel is not None and self.cancel():
            raise Cancelled()
        done = min(self.rows / self.repeats, self.size)  # the passes before this one
        self._report((self.start + done) / self.total)
        self.rows += rows

    def _report(self, fraction: float) -> None:
        if fraction - self.shown >= 0.005 or fraction == 0:  # a few hundred updates at most
            self.shown = fraction
            self.report(fraction, self.message)


# ---------------------------------------------------------------------- the model and its inputs
def _scores(trained):
    from core.explain.target import Scores, embedding_modules, embedding_positions

    net = trained.module
    embeddings = [module for _name, module in embedding_modules(net)]
    if not embeddings:
        return Scores(net, task=trained.info.task, activation=trained.output_activation)
    n_features = int(np.prod(trained.info.input_shape))
    if len(trained.info.input_shape) != 1:
        raise ExplainError("token attributions need text in a table (one row per sample):"
                           " this network's Embedding reads another kind of input")
    positions = embedding_positions(net, embeddings, n_features)
    tokens = np.unique(np.concatenate(positions)) if positions else np.zeros(0, np.int64)
    free = np.setdiff1d(np.arange(n_features), tokens)
    scores = Scores(net, task=trained.info.task, activation=trained.output_activation,
                    embeddings=embeddings, free_index=free)
    scores.positions = positions
    return scores


def _inputs(scores, x):
    """(inputs Captum varies, their baselines, fixed extra arguments) for one chunk."""
    import torch

    if not scores.by_embeddings:
        return (x.requires_grad_(),), (torch.zeros_like(x),), ()
    inputs, baselines = [], []
    if scores.free_index is not None and len(scores.free_index):
        free = x.index_select(1, scores.free_index)
        inputs.append(free.requires_grad_())
        baselines.append(torch.zeros_like(free))
    with torch.no_grad():
        for module, positions in zip(scores.embeddings, scores.positions):
            ids = x[:, torch.as_tensor(positions)]
            inputs.append(module(ids).detach().requires_grad_())
            baselines.append(module(torch.zeros_like(ids)).detach())  # the padding token
    return tuple(inputs), tuple(baselines), (x,)


def _targets(predictions: Predictions, target: int | None, n: int) -> np.ndarray:
    if target is not None:
        width = (predictions.probabilities.shape[1] if predictions.probabilities is not None
                 else np.asarray(predictions.values).reshape(n, -1).shape[1] if n else 1)
        if not 0 <= int(target) < max(width, 1):
            raise ExplainError(f"output {target} does not exist: the model has {width} outputs")
        return np.full(n, int(target), np.int64)
    if predictions.probabilities is not None:
        return predictions.probabilities.argmax(1).astype(np.int64)
    return np.zeros(n, np.int64)


# ---------------------------------------------------------------------- what people look at
def _assemble(trained, samples: SampleSet, spec, facts, predictions: Predictions, targets: np.ndarray,
              parts: list[np.ndarray], scores, layer: str | None) -> Explanation:
    n = len(samples)
    shape = tuple(trained.info.input_shape)
    heatmaps = None
    if spec.needs_layer:
        heatmaps = parts[0] if parts else np.zeros((0, *shape[1:]), np.float32)
        values = np.repeat(heatmaps[:, None] / shape[0], shape[0], axis=1)
    elif scores.by_embeddings:
        values = np.zeros((n, *shape), np.float32)
        parts = list(parts)
        if scores.free_index is not None and len(scores.free_index):
            values[:, scores.free_index.numpy()] = parts.pop(0)
        for positions, part in zip(scores.positions, parts):
            np.add.at(values, (slice(None), positions), part.reshape(n, len(positions), -1).sum(-1))
    else:
        values = parts[0] if parts else np.zeros((0, *shape), np.float32)
    if facts.kind == IMAGE and heatmaps is None:
        heatmaps = values.sum(1)
    explanation = Explanation(
        spec.name, spec.title, facts.kind, list(samples.ids), samples.encoded, values.astype(np.float32),
        targets, [_target_name(trained, predictions, int(t)) for t in targets],
        [predictions.label(i) for i in range(n)], predictions.confidence.astype(np.float64),
        heatmaps=None if heatmaps is None else heatmaps.astype(np.float32), layer=layer)
    if facts.kind != IMAGE:
        explanation.columns, explanation.column_values = column_attributions(trained, values)
        explanation.texts = text_attributions(trained.preprocessing, samples.encoded, values)
    return explanation


def _target_name(trained, predictions: Predictions, target: int) -> str:
    if trained.info.task == "reconstruction":
        return "reconstruction error"
    names = predictions.class_names
    return names[target] if target < len(names) else f"output {target}"


def column_attributions(trained, values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Per-feature attributions ``(N, features)`` (sequences ``(N, window, features)``, summed
    over the window) -> one value per CSV column, in the columns' order."""
    info = {"feature_columns": trained.info.feature_columns, "feature_names": trained.info.feature_names}
    per_feature = values.sum(1) if values.ndim == 3 else values.reshape(len(values), -1)
    return columns_of(feature_columns(trained.preprocessing, info), per_feature)


def columns_of(feature_cols: list[str], per_feature: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Sum the features of each column (``colour=red``, ``colour=blue`` -> ``colour``)."""
    columns = list(dict.fromkeys(feature_cols))
    if len(feature_cols) != per_feature.shape[1]:  # no names to go by: one column per feature
        return [f"feature {i}" for i in range(per_feature.shape[1])], per_feature.astype(np.float32)
    index = np.array([columns.index(c) for c in feature_cols], np.int64)
    out = np.zeros((len(per_feature), len(columns)), np.float64)
    np.add.at(out, (slice(None), index), per_feature)
    return columns, out.astype(np.float32)


def text_attributions(preprocessing: dict[str, Any], encoded: np.ndarray,
                      values: np.ndarray) -> list[TextAttribution]:
    """Each text column's tokens (padding left out) and their attributions, per sample."""
    from core.data.encoder import PAD_ID, text_tokenizer, width

    table = preprocessing.get("table") or {}
    texts, start = [], 0
    for column in table.get("columns") or []:
        span = width(column)
        if column.get("type") == "text" and encoded.ndim == 2:
            tokenizer = text_tokenizer(column)
            ids = encoded[:, start:start + span].astype(np.int64)
            tokens, scores = [], []
            for row in range(len(ids)):
                keep = ids[row] != PAD_ID
                tokens.append([tokenizer.id_to_token(int(t)) or "?" for t in ids[row][keep]])
                scores.append(values[row, start:start + span][keep].astype(np.float32))
            texts.append(TextAttribution(column["name"], tokens, scores))
        start += span
    return texts
