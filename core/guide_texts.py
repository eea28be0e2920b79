"""The guide's pages as data: every layer, loss, optimiser and training topic.

One :class:`GuideEntry` per page, keyed ``layer:Conv2d``, ``loss:huber``,
``optimizer:adam``, ``topic:learning_rate``, ``concept:perceptron`` (the ideas:
``core.guide_concepts``). Layer pages come from the layer registry
(its summary, explanation, shape formula, when-to-use and parameter docs). The loss,
optimiser and schedule pages take their one-line summary, defaults and names from
their registries (``core.train.losses``, ``.optimizers``, ``.schedules``); the longer
explanations are written here (tests/core/train/test_registries.py checks that every
entry has its page). No Qt:
the designer's guide window renders these, and docs could too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from core.errors import LayerForgeError
from core.layers import REGISTRY, BuildContext, LayerSpec, Shape
from core.layers.reference import _default_text
from core.shapes import DataShapes
from core.train.losses import AUTO, AUTO_DOC, LOSSES
from core.train.losses import choices as loss_choices
from core.train.optimizers import OPTIMIZERS
from core.train.schedules import SCHEDULES

LOSSES_GROUP, TRAINING_GROUP = "Losses", "Training"


@dataclass(frozen=True)
class Setting:
    """One parameter or option on a page: name, default, allowed values, meaning."""

    name: str
    default: str
    allowed: str
    meaning: str


@dataclass(frozen=True)
class GuideEntry:
    key: str
    title: str
    group: str  # a palette category for layers, else "Losses" or "Training"
    summary: str
    explanation: str
    formula: str = ""
    formula_label: str = "Shape"
    when_to_use: str = ""
    settings: tuple[Setting, ...] = ()
    plot: str | None = None  # a curve key of core.curves (activations and losses)
    words: tuple[str, ...] = field(default=())  # more words the index search finds
    example: str = ""  # the shape rule applied to a typical input, with the default parameters

    def haystack(self) -> str:
        """What the index's search box matches against (lower case)."""
        return " ".join((self.key, self.title, self.summary, self.group, *self.words)).lower()


# ----------------------------------------------------------------------------- layers
_IMAGE, _SIGNAL, _SEQUENCE, _VECTOR = (3, 32, 32), (4, 100), (50, 16), (64,)
#: A typical input for the worked shape example of each layer type (several for merges).
EXAMPLE_INPUTS: dict[str, tuple[Shape, ...]] = {
    **{t: (_IMAGE,) for t in ("Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
                              "Upsample", "BatchNorm2d", "Dropout2d")},
    **{t: (_SIGNAL,) for t in ("Conv1d", "MaxPool1d", "AvgPool1d")},
    **{t: (_SEQUENCE,) for t in ("RNN", "LSTM", "GRU", "MultiheadAttention", "TransformerEncoderLayer",
                                 "SequencePool", "LastStep", "PositionalEncoding", "Permute")},
    "Flatten": ((16, 5, 5),), "Embedding": ((20,),), "Reshape": ((784,),), "Linear": ((20,),),
    "Add": (_VECTOR, _VECTOR), "Multiply": (_VECTOR, _VECTOR), "Concat": ((32,), (32,)),
}


#: The data the worked examples assume: an Embedding that follows the data gets a vocabulary.
_EXAMPLE_DATA = DataShapes(vocab_size=10_000)


def _shape_text(shape: Shape) -> str:
    return "(N, " + ", ".join(str(s) for s in shape) + ")"


def shape_example(spec: LayerSpec) -> str:
    """``(N, 3, 32, 32) → (N, 16, 30, 30)``: the layer's own shape rule on a typical input."""
    if spec.type in ("Input", "Output"):
        return ""
    inputs = EXAMPLE_INPUTS.get(spec.type, (_VECTOR,))
    try:
        out = spec.infer(list(inputs), spec.effective_params({}),
                         BuildContext("example", data=_EXAMPLE_DATA))
    except LayerForgeError:
        return ""
    return " and ".join(_shape_text(s) for s in inputs) + " → " + _shape_text(tuple(out))


def layer_entry(spec: LayerSpec) -> GuideEntry:
    settings = tuple(Setting(p.name, _default_text(p).strip("`"), p.range_text()
                             + (f", or empty ({p.none_means or 'automatic'})" if p.optional else ""),
                             p.doc) for p in spec.params)
    plot = f"activation:{spec.type}" if spec.category == "Activations" else None
    return GuideEntry(f"layer:{spec.type}", spec.type, spec.category, spec.summary, spec.explanation,
                      spec.shape_formula, "Shape", spec.when_to_use, settings, plot,
                      example=shape_example(spec))


# ----------------------------------------------------------------------------- losses
_LOSS_PAGES = {
    "auto": ("Automatic loss (auto)",
             "With loss 'auto' LayerForge chooses for you: cross-entropy when the data has three"
             " or more classes, binary cross-entropy (one output, a logit) for two classes and for"
             " multi-label targets, and mean squared error for numbers (regression) and"
             " reconstruction. The Output node then gets the matching width.",
             "classes → cross_entropy · 2 classes, labels → bce · numbers → mse",
             "Leave it on auto unless you have a reason: robust regression (huber), margins (hinge).",
             (), None),
    "cross_entropy": ("Cross-entropy (cross_entropy)",
                      "Cross-entropy applies softmax to the Output's raw scores (logits) and charges"
                      " −log of the probability the network gives to the correct class: nearly 0 when it"
                      " is confidently right, large when it is confidently wrong. It is why the Output has"
                      " no Softmax of its own. Label smoothing spreads a little of the target onto the"
                      " other classes, so the network does not become over-confident.",
                      "loss = −log softmax(z)[y]; with smoothing ε: (1 − ε)·that + ε·mean over classes of −log softmax(z)",
                      "Classification with two or more classes (with two, the Output gets two units).",
                      (Setting("label_smoothing", "0", "0 to below 1", "share of the target spread over all"
                               " classes (0.1 is common)"),), "loss:cross_entropy"),
    "bce": ("Binary cross-entropy (bce)",
            "Binary cross-entropy applies the sigmoid to each output and compares it with a target"
            " of 0 or 1: −log p when the target is 1, −log(1 − p) when it is 0. LayerForge uses"
            " the numerically stable form on logits (BCEWithLogits), so the Output needs no"
            " Sigmoid. It is the loss for two classes (one output unit), multi-label targets, and"
            " reconstructing values between 0 and 1 such as pixels.",
            "loss = −[t·log σ(z) + (1 − t)·log(1 − σ(z))]",
            "Two classes, several independent labels, or images in [0, 1] to rebuild.",
            (), "loss:bce"),
    "mse": ("Mean squared error (mse)",
            "Mean squared error squares each error, so large errors count much more than small"
            " ones: an error of 2 costs four times an error of 1. Its gradient shrinks as the"
            " prediction approaches the target, which makes training settle smoothly. Outliers"
            " in the data pull hard on it; Huber or L1 are calmer then.",
            "loss = mean((prediction − target)²)",
            "Regression and reconstruction (the default for both).", (), "loss:mse"),
    "l1": ("Mean absolute error (l1)",
           "L1 loss charges the absolute error, so an outlier costs in proportion to its size, not"
           " its square. Its gradient has the same size for every error (only the sign changes),"
           " so it predicts the median rather than the mean, and may jitter near the target.",
           "loss = mean(|prediction − target|)",
           "Regression with outliers, when the median is what you want.", (), "loss:l1"),
    "huber": ("Huber loss (huber)",
              "Huber loss is mean squared error within huber_delta of the target and grows only"
              " linearly beyond it, so it settles smoothly like MSE but is not dragged around by"
              " outliers, like L1.",
              "loss = ½·e² if |e| ≤ δ, else δ·(|e| − ½·δ)   (e = prediction − target, δ = huber_delta)",
              "Regression with some outliers or noisy targets.",
              (Setting("huber_delta", "1.0", "a number above 0", "where the square turns into a"
                       " straight line (in the scaled target's units)"),), "loss:huber"),
    "smooth_l1": ("Smooth L1 loss (smooth_l1)",
                  "Smooth L1 is the absolute error, rounded into a parabola within beta of the target"
                  " so that its gradient does not jump at zero. It equals Huber loss divided by"
                  " beta; object detectors use it for box coordinates.",
                  "loss = ½·e²/β if |e| < β, else |e| − ½·β   (β = huber_delta)",
                  "Regression where L1 fits but its jitter near the target bothers you.",
                  (Setting("huber_delta", "1.0", "a number above 0", "beta: the width of the rounded"
                           " part"),), "loss:smooth_l1"),
    "hinge": ("Hinge loss (hinge)",
              "Hinge loss (of support vector machines) is zero once the correct class's score beats"
              " the others by at least 1, and grows linearly otherwise. Correct and confident samples"
              " stop contributing, so the network concentrates on the hard ones. With two classes"
              " the Output has one unit and targets are −1 and +1; with more, the multi-class margin"
              " loss is used.",
              "loss = max(0, 1 − y·z)   (two classes, y = ±1; z the output)",
              "Classification when you want a margin rather than probabilities.", (), "loss:hinge"),
}

# ----------------------------------------------------------------------------- optimisers
_OPTIMIZER_PAGES = {
    "sgd": ("Stochastic gradient descent (sgd)",
            "SGD moves every weight against its gradient, scaled by the learning rate. Momentum"
            " (0.9 is usual) keeps a running direction, which speeds it through flat valleys and"
            " damps zig-zags; Nesterov momentum looks one step ahead. Plain SGD needs a learning"
            " rate chosen with care, and often a schedule, but can generalise slightly better"
            " than Adam.",
            "w ← w − lr·(g + momentum·velocity)",
            (Setting("momentum", "0", "0 to below 1", "how much of the previous step is kept (0.9 is"
                     " common)"),
             Setting("nesterov", "false", "true or false", "look-ahead momentum (needs momentum > 0)"))),
    "adam": ("Adam (adam)",
             "Adam keeps, for every weight, a running average of its gradient (momentum) and of its"
             " square (how large gradients usually are), and divides one by the root of the other."
             " Every weight thus gets a step of about the learning rate, whatever the scale of its"
             " gradients. It works well with little tuning: the default choice.",
             "w ← w − lr·m̂ / (√v̂ + ε)",
             (Setting("betas", "[0.9, 0.999]", "two numbers from 0 to below 1", "decay rates of the"
                      " two running averages"),)),
    "adamw": ("AdamW (adamw)",
              "AdamW is Adam whose weight decay shrinks the weights directly instead of being added"
              " to the gradient, so the decay is not undone by Adam's scaling. Its default weight"
              " decay is 0.01.",
              "w ← w − lr·(m̂ / (√v̂ + ε) + weight_decay·w)",
              (Setting("betas", "[0.9, 0.999]", "two numbers from 0 to below 1", "decay rates of the"
                       " two running averages"),
               Setting("weight_decay", "0.01", "0 or more", "how strongly weights are pulled towards 0"))),
    "rmsprop": ("RMSprop (rmsprop)",
                "RMSprop scales every weight's step by the size of its recent gradients, like Adam"
                " without the momentum average. It is a classic choice for recurrent networks.",
                "w ← w − lr·g / (√(running mean of g²) + ε)",
                (Setting("momentum", "0", "0 to below 1", "optional momentum"),)),
    "adagrad": ("Adagrad (adagrad)",
                "Adagrad gives rarely-updated weights larger steps and frequently-updated ones smaller"
                " steps. Because the sum only grows, its steps keep getting smaller, which suits"
                " sparse features (embeddings) but can stall long runs.",
                "w ← w − lr·g / (√(Σ g²) + ε)", ()),
}

# ----------------------------------------------------------------------------- topics
_TOPICS = {
    "learning_rate": GuideEntry(
        "topic:learning_rate", "Learning rate", TRAINING_GROUP,
        "How big a step the optimiser takes each batch: the most important setting.",
        "Each batch, the optimiser moves the weights against the gradient, scaled by the learning"
        " rate. Too high, and the steps overshoot: the loss bounces, rises, or becomes NaN. Too"
        " low, and the loss falls very slowly or stays on a plateau. Good starting points: 0.001"
        " for Adam, AdamW and RMSprop, 0.01 for SGD (with momentum 0.9) and Adagrad. Change it by"
        " factors of 3 to 10, not by small amounts. A schedule lowers it during training, which"
        " often gives the last bit of accuracy. The Problems panel notes when a run's loss curve"
        " suggests a better rate.",
        "new weight = weight − learning_rate × gradient (SGD)", "Rule",
        "Always: tune it first, before the network's size.",
        tuple(Setting(spec.name, str(spec.default_learning_rate), "a number above 0",
                      f"the default with {spec.name}") for spec in OPTIMIZERS),
        None, ("lr", "step size", "diverge", "nan", "plateau")),
    "schedule": GuideEntry(
        "topic:schedule", "Learning-rate schedules", TRAINING_GROUP,
        "Change the learning rate as training goes: large steps first, small steps at the end.",
        "A schedule starts with the learning rate you set and changes it every epoch (one_cycle:"
        " every batch). Lowering it late in training lets the weights settle into a minimum that"
        " large steps would jump over. cosine is a good default for a fixed number of epochs;"
        " reduce_on_plateau waits until the monitored metric stops improving.",
        "", "Rule", "When the loss stops improving but still jitters, or for the last few percent.",
        tuple(Setting(spec.name, ", ".join(f"{k}={v}" for k, v in spec.defaults().items()) or "—",
                      "", spec.doc) for spec in SCHEDULES),
        None, ("cosine", "step", "one_cycle", "plateau", "warmup", "annealing")),
    "batch_size": GuideEntry(
        "topic:batch_size", "Batch size", TRAINING_GROUP,
        "How many samples each optimiser step averages over.",
        "Each step computes the loss on a batch of samples and averages their gradients. Small"
        " batches give noisy steps (which can help generalise) and many steps per epoch; large"
        " batches give smooth steps and use a GPU better, but may need a larger learning rate."
        " 32 to 256 is the usual range. BatchNorm needs batches of more than one sample.",
        "steps per epoch = training samples / batch_size", "Rule",
        "Raise it when training is slow on a GPU; lower it when memory runs out.",
        (), None, ("batch", "minibatch")),
    "overfitting": GuideEntry(
        "topic:overfitting", "Overfitting", TRAINING_GROUP,
        "When the network memorises its training samples instead of learning the pattern.",
        "A network with many parameters and few samples can learn each training sample by heart."
        " The sign: the training loss keeps falling while the validation loss rises. Remedies:"
        " more data (or augmentation for images), a smaller network, Dropout between layers,"
        " weight decay, and early stopping, which ends training when the validation metric stops"
        " improving and keeps the best epoch's weights.",
        "", "Rule", "Compare the training and validation curves after every run.",
        (), None, ("dropout", "validation", "early stopping", "regularization", "weight decay")),
}


# ----------------------------------------------------------------------------- the index
def _loss_entry(name: str) -> GuideEntry:
    title, text, formula, when, settings, plot = _LOSS_PAGES[name]
    summary = AUTO_DOC if name == AUTO else LOSSES.get(name).doc
    return GuideEntry(f"loss:{name}", title, LOSSES_GROUP, summary, text, formula, "Formula", when,
                      settings, plot, ("loss", name))


def _optimizer_entry(name: str) -> GuideEntry:
    title, text, formula, settings = _OPTIMIZER_PAGES[name]
    spec = OPTIMIZERS.get(name)
    lr = Setting("learning_rate", str(spec.default_learning_rate), "a number above 0", "the step size")
    return GuideEntry(f"optimizer:{name}", title, TRAINING_GROUP, spec.doc, text, formula, "Update",
                      "Set it in the Training panel (optimizer).", (lr, *settings), None,
                      ("optimizer", "optimiser", name))


@lru_cache(maxsize=1)
def entries() -> dict[str, GuideEntry]:
    """Every page by key, in the index's order: concepts, layers by category, losses, training
    topics."""
    from core.guide_concepts import entries as concept_entries

    pages = {f"layer:{spec.type}": layer_entry(spec)
             for specs in REGISTRY.by_category().values() for spec in specs}
    pages = {**concept_entries(), **pages}
    pages.update({f"loss:{name}": _loss_entry(name) for name in loss_choices()})
    pages.update({f"optimizer:{name}": _optimizer_entry(name) for name in OPTIMIZERS.names()})
    pages.update({entry.key: entry for entry in _TOPICS.values()})
    return pages


def entry(key: str) -> GuideEntry:
    """The page ``key`` (``layer:ReLU``, ``loss:mse``, ...); a bare layer type works too."""
    pages = entries()
    if key in pages:
        return pages[key]
    if f"layer:{key}" in pages:
        return pages[f"layer:{key}"]
    raise KeyError(f"the guide has no page {key!r}")


def search(text: str) -> list[GuideEntry]:
    """Pages whose title, summary or key words contain every word of ``text``."""
    words = text.lower().split()
    return [e for e in entries().values() if all(w in e.haystack() for w in words)]
