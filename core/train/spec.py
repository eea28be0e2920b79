"""The ``training`` section of a project: defaults per task, validation, resolved values.

``TrainSpec.from_dict(project.training, info)`` fills in defaults (which depend on the
task: classification gets accuracy/precision/recall/F1, regression MAE/RMSE/R²) and
checks every value, raising :class:`~core.errors.TrainingError` with one sentence per
problem. ``training_problems`` returns all sentences at once, for a form that marks
each field. ``TrainSpec.to_dict()`` is the complete section, defaults included, as
``run.json`` records it.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from core.data.dataset import CLASSIFICATION, MULTILABEL, RECONSTRUCTION, REGRESSION, TASKS, DataInfo
from core.errors import TrainingError
from core.registry import and_list
from core.tasks import TASKS as TASK_SPECS
from core.train import losses as _losses
from core.train import metric_specs as _metric_specs
from core.train.optimizers import OPTIMIZERS as OPTIMIZER_REGISTRY
from core.train.optimizers import taking
from core.train.schedules import SCHEDULES as SCHEDULE_REGISTRY

# The tuples and tables below are read off the registries (core.train.optimizers,
# .schedules, .losses, .metric_specs), which are the truth; they keep their old names
# for the code that reads them.
OPTIMIZERS = OPTIMIZER_REGISTRY.names()
#: A learning rate that works for small networks with each optimiser.
DEFAULT_LEARNING_RATE = {s.name: s.default_learning_rate for s in OPTIMIZER_REGISTRY}
SCHEDULES = SCHEDULE_REGISTRY.names()
#: Options of each schedule with their defaults.
SCHEDULE_OPTIONS: dict[str, dict[str, Any]] = {s.name: s.defaults() for s in SCHEDULE_REGISTRY}
LOSSES = _losses.choices()
#: Which losses each task accepts (``auto`` always).
TASK_LOSSES = {task: _losses.choices(task) for task in TASKS}
CLASSIFICATION_METRICS = _metric_specs.for_task(CLASSIFICATION)
REGRESSION_METRICS = _metric_specs.for_task(REGRESSION)
TASK_METRICS = {task: _metric_specs.for_task(task) for task in TASKS}
DEFAULT_METRICS = {task: _metric_specs.defaults_for(task) for task in TASKS}
#: Metrics where a larger value is better (the rest, losses included, are minimised).
MAXIMISED = frozenset(s.name for s in _metric_specs.METRICS if s.maximised)
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("float32", "bf16", "fp16")
DATA_LOADING = ("auto", "device", "loader")

KNOWN_KEYS = ("epochs", "batch_size", "optimizer", "learning_rate", "momentum", "nesterov",
              "betas", "weight_decay", "schedule", "loss", "label_smoothing", "huber_delta",
              "metrics", "monitor", "early_stopping", "gradient_clip", "seed", "device",
              "precision", "init_from", "shuffle", "data_loading", "workers", "unfreeze_at_epoch",
              "unfreeze_learning_rate_factor")


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    patience: int = 10
    min_delta: float = 0.0
    restore_best: bool = True


#: The adversarial losses (``training.adversarial.loss``) of a GAN's generator.
ADVERSARIAL_LOSSES = ("non_saturating", "minimax")
ADVERSARIAL_KEYS = ("generator_learning_rate", "discriminator_learning_rate",
                    "discriminator_steps", "label_smoothing", "loss")


@dataclass
class Adversarial:
    """How a GAN trains (``training.adversarial``): each sub-network's learning rate (None:
    ``training.learning_rate``), discriminator steps per generator step, one-sided label
    smoothing (real labels are 1 - label_smoothing) and the generator's loss."""

    generator_learning_rate: float | None = None
    discriminator_learning_rate: float | None = None
    discriminator_steps: int = 1
    label_smoothing: float = 0.0
    loss: str = "non_saturating"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Schedule:
    """A learning-rate schedule: ``type`` and its options (see ``SCHEDULE_OPTIONS``)."""

    type: str = "none"
    options: dict[str, Any] = field(default_factory=dict)

    def to_value(self) -> str | dict[str, Any]:
        return self.type if self.type == "none" else {"type": self.type, **self.options}


@dataclass
class TrainSpec:
    """The training settings with every default filled in and every value checked."""

    epochs: int = 20
    batch_size: int = 32
    optimizer: str = "adam"
    learning_rate: float = 0.001
    momentum: float = 0.0
    nesterov: bool = False
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    schedule: Schedule = field(default_factory=Schedule)
    loss: str = "auto"
    label_smoothing: float = 0.0
    huber_delta: float = 1.0
    metrics: list[str] = field(default_factory=list)
    monitor: str = "val_loss"
    early_stopping: EarlyStopping | None = None
    gradient_clip: float | None = None
    seed: int = 0
    device: str = "auto"
    precision: str = "float32"
    init_from: str | None = None
    shuffle: bool = True
    data_loading: str = "auto"
    workers: int | None = None
    #: Two-stage fine-tuning (core/train/unfreeze.py): from this epoch the frozen layers train
    #: too, at learning_rate × unfreeze_learning_rate_factor; None keeps them frozen.
    unfreeze_at_epoch: int | None = None
    unfreeze_learning_rate_factor: float = 0.1
    #: Sentences about settings that were ignored (unknown keys), for the person to read.
    notes: list[str] = field(default_factory=list)
    #: The task the defaults were chosen for (``None`` when the data is not known).
    task: str | None = None
    #: ``training.adversarial`` (a GAN's settings); None unless given or the network is a GAN.
    adversarial: Adversarial | None = None
    #: The keys the training section gave (the rest are defaults): a GAN changes some defaults.
    given: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, training: dict[str, Any] | None, info: DataInfo | None = None) -> "TrainSpec":
        """Defaults for ``info``'s task overlaid with ``training``; raises on the first problem."""
        spec, problems = _parse(training, info)
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise TrainingError(problems[0] + more, location="training")
        return spec

    def to_dict(self) -> dict[str, Any]:
        """The complete ``training`` section (JSON-ready), defaults included."""
        data = {key: getattr(self, key) for key in KNOWN_KEYS}
        data["betas"] = list(self.betas)
        data["schedule"] = self.schedule.to_value()
        data["metrics"] = list(self.metrics)
        data["early_stopping"] = asdict(self.early_stopping) if self.early_stopping else None
        if self.adversarial is not None:
            data["adversarial"] = self.adversarial.to_dict()
        return data

    @property
    def loss_name(self) -> str:
        """The loss actually used: ``auto`` resolved for the task and output width."""
        return resolve_loss(self.loss, self.task, self._num_classes)

    _num_classes: int = 0


def defaults_for(info: DataInfo | None) -> dict[str, Any]:
    """The complete training section a new project gets for this data."""
    return TrainSpec.from_dict({}, info).to_dict()


def training_problems(training: Any, info: DataInfo | None = None) -> list[str]:
    """Every problem with a training section, one sentence each (empty when fine)."""
    return _parse(training, info)[1]


def parse_training(training: Any, info: DataInfo | None = None) -> tuple[TrainSpec, list[str]]:
    """The spec (defaults where a value is wrong) and every problem: for checks that go on
    to use the spec (the memory estimate needs the batch size) while listing the problems."""
    return _parse(training, info)


def setting_problems(optimizer: str, settings: dict[str, Any]) -> tuple[TrainSpec, list[str]]:
    """Check a few settings changed on their own (the pause dialog) with the very rules
    ``from_dict`` applies at the start of a run, so both accept and refuse the same values."""
    spec, problems = _parse({"optimizer": optimizer, **settings}, None)
    return spec, [p for p in problems if any(p.startswith(f"training.{key}") for key in settings)]


resolve_loss = _losses.resolve


def metric_direction(name: str) -> str:
    """``max`` when larger is better for metric column ``name`` (``val_accuracy``), else ``min``."""
    base = name.split("_", 1)[1] if name.startswith(("train_", "val_", "test_")) else name
    return "max" if base in MAXIMISED else "min"


# ---------------------------------------------------------------------- parsing
class _Checker:
    """Collects one sentence per problem while reading the section."""

    def __init__(self, training: dict[str, Any]):
        self.training = training
        self.problems: list[str] = []

    def fail(self, key: str, wants: str, value: Any) -> None:
        self.problems.append(f"training.{key} must be {wants}, got {_show(value)}")

    def number(self, key: str, default: float, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, wants: str = "", optional: bool = False) -> float | None:
        value = self.training.get(key, default)
        if value is None and optional:
            return None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok and low is not None:
            ok = value > low if low_open else value >= low
        if ok and high is not None:
            ok = value <= high
        if not ok:
            self.fail(key, wants, value)
            return default
        return float(value)

    def integer(self, key: str, default: int, low: int, high: int, wants: str) -> int:
        value = self.training.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, wants, value)
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.training.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "true or false", value)
            return default
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.training.get(key, default)
        if value not in choices:
            self.fail(key, "one of " + ", ".join(repr(c) for c in choices), value)
            return default
        return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse(training: Any, info: DataInfo | None) -> tuple[TrainSpec, list[str]]:
    if training is None:
        training = {}
    if not isinstance(training, dict):
        return TrainSpec(), ["the training section must be an object of name: value pairs"]
    task = info.task if info else None
    check = _Checker(training)
    spec = TrainSpec(task=task)
    spec._num_classes = info.num_classes if info else 0
    spec.epochs = check.integer("epochs", 20, 1, 1_000_000, "a whole number from 1 to 1000000")
    spec.batch_size = check.integer("batch_size", 32, 1, 10_000_000,
                                    "a whole number of at least 1 (such as 32)")
    spec.optimizer = check.choice("optimizer", "adam", OPTIMIZERS)
    spec.learning_rate = check.number("learning_rate", DEFAULT_LEARNING_RATE[spec.optimizer],
                                      low=0, high=100, low_open=True,
                                      wants="a number above 0 and at most 100 (such as 0.001)")
    spec.momentum = check.number("momentum", 0.0, low=0, high=1, low_open=False,
                                 wants="a number from 0 to below 1 (such as 0.9)")
    if spec.momentum >= 1:
        check.fail("momentum", "a number from 0 to below 1 (such as 0.9)", spec.momentum)
        spec.momentum = 0.0
    spec.nesterov = check.boolean("nesterov", False)
    optimizer = OPTIMIZER_REGISTRY.get(spec.optimizer)
    if "momentum" not in optimizer.settings and training.get("momentum"):
        check.problems.append(f"training.momentum applies to {and_list(taking('momentum'))}, not"
                              f" {spec.optimizer!r}: remove it or change the optimizer")
    if spec.nesterov and ("nesterov" not in optimizer.settings or spec.momentum <= 0):
        check.problems.append(f"training.nesterov needs optimizer {and_list(taking('nesterov'))}"
                              " with a momentum above 0 (such as 0.9)")
    spec.betas = _betas(check, training.get("betas", [0.9, 0.999]))
    spec.weight_decay = check.number("weight_decay", optimizer.default_weight_decay,
                                     low=0, high=10, wants="a number from 0 to 10 (such as 0.0001)")
    spec.schedule = _schedule(check, training.get("schedule", "none"))
    spec.loss = _loss(check, training.get("loss", "auto"), info)
    spec.label_smoothing = check.number("label_smoothing", 0.0, low=0, high=0.99,
                                        wants="a number from 0 to below 1 (such as 0.1)")
    smoothing = _losses.using("label_smoothing")
    if spec.label_smoothing and spec.loss_name not in smoothing:
        check.problems.append(f"training.label_smoothing works with the {and_list(smoothing, False)}"
                              f" loss only: set loss to {and_list(smoothing)} or remove label_smoothing")
    spec.huber_delta = check.number("huber_delta", 1.0, low=0, low_open=True, high=1e6,
                                    wants="a number above 0 (such as 1.0)")
    spec.metrics = _metrics(check, training.get("metrics"), task)
    spec.monitor = _monitor(check, training.get("monitor", "val_loss"), spec.metrics, task)
    # On by default (patience 10): small tables reach their best epoch early (format 2).
    spec.early_stopping = _early_stopping(check, training.get("early_stopping", True))
    spec.gradient_clip = check.number("gradient_clip", None, low=0, low_open=True, high=1e9,
                                      optional=True,
                                      wants="a number above 0 (such as 1.0), or null for none")
    seed = training.get("seed", 0)
    if seed is None:
        import random

        seed = random.SystemRandom().randrange(2 ** 31)
    elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 63:
        check.fail("seed", "a whole number of at least 0, or null for a random one", seed)
        seed = 0
    spec.seed = seed
    spec.device = _device(check, training.get("device", "auto"))
    spec.precision = check.choice("precision", "float32", PRECISIONS)
    init_from = training.get("init_from")
    if init_from is not None and (not isinstance(init_from, str) or not init_from.strip()):
        check.fail("init_from", "the path of an earlier run's folder, or null", init_from)
        init_from = None
    spec.init_from = init_from
    spec.shuffle = check.boolean("shuffle", True)
    spec.data_loading = check.choice("data_loading", "auto", DATA_LOADING)
    workers = training.get("workers")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or not 0 <= workers <= 64):
        check.fail("workers", "a whole number from 0 to 64, or null to choose automatically", workers)
        workers = None
    spec.workers = workers
    _unfreeze(check, spec)
    if "adversarial" in training:
        spec.adversarial = _adversarial(check, training["adversarial"])
    spec.given = frozenset(training)
    for key in training:
        if key not in KNOWN_KEYS and key != "adversarial":
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.75)
            hint = f": did you mean {close[0]!r}?" if close else " and is ignored"
            spec.notes.append(f"training.{key} is not a training setting LayerForge knows{hint}")
    return spec, check.problems


def _unfreeze(check: _Checker, spec: TrainSpec) -> None:
    """``unfreeze_at_epoch`` (a whole number from 2, or null) and its learning-rate factor."""
    at = check.training.get("unfreeze_at_epoch")
    if at is not None and (isinstance(at, bool) or not isinstance(at, int) or not 2 <= at <= 1_000_000):
        check.fail("unfreeze_at_epoch", "a whole number of at least 2 (the epoch from which frozen"
                   " layers train too), or null to keep them frozen", at)
        at = None
    spec.unfreeze_at_epoch = at
    spec.unfreeze_learning_rate_factor = check.number(
        "unfreeze_learning_rate_factor", 0.1, low=0, high=1, low_open=True,
        wants="a number above 0 and at most 1 (such as 0.1)")
    if at is not None and at > spec.epochs:
        spec.notes.append(f"training.unfreeze_at_epoch is {at}, after the last epoch ({spec.epochs}):"
                          " the frozen layers stay frozen")


def _betas(check: _Checker, value: Any) -> tuple[float, float]:
    ok = (isinstance(value, (list, tuple)) and len(value) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1
                  for v in value))
    if not ok:
        check.fail("betas", "two numbers from 0 to below 1 (such as [0.9, 0.999])", value)
        return (0.9, 0.999)
    return (float(value[0]), float(value[1]))


def _schedule(check: _Checker, value: Any) -> Schedule:
    wants = ("one of " + ", ".join(repr(s) for s in SCHEDULES)
             + ", or an object such as {\"type\": \"step\", \"step_size\": 10}")
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict) or value.get("type") not in SCHEDULES:
        check.fail("schedule", wants, value)
        return Schedule()
    kind = value["type"]
    schedule = SCHEDULE_REGISTRY.get(kind)
    options = schedule.defaults()
    for key, given in value.items():
        if key == "type":
            continue
        option = schedule.option(key)
        if option is None:
            known = ", ".join(options) or "none"
            check.problems.append(f"training.schedule {kind!r} has no option {key!r}"
                                  f" (its options: {known})")
            continue
        if not option.accepts(given):
            check.problems.append(f"training.schedule.{key} has an invalid value {_show(given)}:"
                                  f" use a number such as {option.default}")
            continue
        options[key] = given
    return Schedule(kind, options)


def _loss(check: _Checker, value: Any, info: DataInfo | None) -> str:
    if value not in LOSSES:
        check.fail("loss", "one of " + ", ".join(repr(v) for v in LOSSES), value)
        return "auto"
    if info is None:
        return value
    allowed = TASK_LOSSES.get(info.task, LOSSES)
    if value not in allowed:
        words = TASK_SPECS.get(info.task).words
        check.problems.append(f"training.loss {value!r} does not fit this data, which has {words}:"
                              f" use one of " + ", ".join(repr(v) for v in allowed))
        return "auto"
    binary_only = value in _losses.LOSSES and _losses.LOSSES.get(value).binary_only
    if binary_only and info.task == CLASSIFICATION and info.num_classes != 2:
        check.problems.append(f"training.loss {value!r} needs exactly two classes, and the data has"
                              f" {info.num_classes}: use 'cross_entropy' or 'auto'")
        return "auto"
    return value


def _metrics(check: _Checker, value: Any, task: str | None) -> list[str]:
    allowed = TASK_METRICS.get(task, CLASSIFICATION_METRICS + REGRESSION_METRICS)
    if value is None:
        return list(DEFAULT_METRICS.get(task, []))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        check.fail("metrics", "a list of metric names such as [\"accuracy\"]", value)
        return list(DEFAULT_METRICS.get(task, []))
    metrics = []
    for name in value:
        if name not in allowed:
            check.problems.append(f"training.metrics: {name!r} is not a metric for this data:"
                                  f" choose from " + ", ".join(allowed))
        elif name not in metrics:
            metrics.append(name)
    return metrics


def _monitor(check: _Checker, value: Any, metrics: list[str], task: str | None) -> str:
    allowed = ["val_loss", "train_loss"] + [f"val_{m}" for m in metrics] + [f"train_{m}" for m in metrics]
    if value not in allowed:
        check.fail("monitor", "one of " + ", ".join(repr(a) for a in allowed), value)
        return "val_loss"
    return value


def _early_stopping(check: _Checker, value: Any) -> EarlyStopping | None:
    if value is None or value is False:
        return None
    if value is True:
        return EarlyStopping()
    if not isinstance(value, dict):
        check.fail("early_stopping", "an object such as {\"patience\": 10}, true, or null", value)
        return None
    result = EarlyStopping()
    for key, given in value.items():
        if key == "patience" and isinstance(given, int) and not isinstance(given, bool) and given >= 1:
            result.patience = given
        elif (key == "min_delta" and isinstance(given, (int, float)) and not isinstance(given, bool)
              and math.isfinite(given) and given >= 0):
            result.min_delta = float(given)
        elif key == "restore_best" and isinstance(given, bool):
            result.restore_best = given
        elif key in ("patience", "min_delta", "restore_best"):
            wants = {"patience": "a whole number of at least 1", "min_delta": "a number of at least 0",
                     "restore_best": "true or false"}[key]
            check.fail(f"early_stopping.{key}", wants, given)
        else:
            check.problems.append(f"training.early_stopping has no option {key!r} (its options:"
                                  " patience, min_delta, restore_best)")
    return result


def _adversarial(check: _Checker, value: Any) -> Adversarial:
    """``training.adversarial``: an object of the settings :class:`Adversarial` holds."""
    result = Adversarial()
    if value is None:
        return result
    if not isinstance(value, dict):
        check.fail("adversarial", "an object such as {\"discriminator_steps\": 1}", value)
        return result
    inner = _Checker(value)
    for key in ("generator_learning_rate", "discriminator_learning_rate"):
        setattr(result, key, inner.number(key, None, low=0, high=100, low_open=True, optional=True,
                                          wants="a number above 0 and at most 100 (such as 0.0002),"
                                                " or null for training.learning_rate"))
    result.discriminator_steps = inner.integer("discriminator_steps", 1, 1, 100,
                                               "a whole number from 1 to 100")
    result.label_smoothing = inner.number("label_smoothing", 0.0, low=0, high=0.5,
                                          wants="a number from 0 to 0.5 (such as 0.1)")
    result.loss = inner.choice("loss", "non_saturating", ADVERSARIAL_LOSSES)
    check.problems.extend(p.replace("training.", "training.adversarial.", 1) for p in inner.problems)
    for key in value:
        if key not in ADVERSARIAL_KEYS:
            check.problems.append(f"training.adversarial has no setting {key!r} (its settings: "
                                  + ", ".join(ADVERSARIAL_KEYS) + ")")
    return result


def _device(check: _Checker, value: Any) -> str:
    if isinstance(value, str) and (value in DEVICES or (value.startswith("cuda:")
                                                        and value[5:].isdigit())):
        return value
    check.fail("device", "one of 'auto', 'cpu', 'cuda' (or 'cuda:1', ...), 'mps'", value)
    return "auto"
