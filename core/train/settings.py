"""The training settings, one table: what each key of a project's ``training`` section means.

Every setting is one :class:`Setting` in :data:`SETTINGS`: its name, its default (which may
depend on the data's task or on the settings before it), a ``read`` that checks the value
and records one sentence per problem, and ``applies`` (whether it means anything given the
other settings: momentum only for an optimiser that takes it). The start of a run
(:func:`core.train.spec.parse_training`), ``layerforge check``, the pause dialog
(:func:`core.train.optim.check_update`), the training form (``designer.training.fields``)
and a project's :class:`core.project.TrainingSettings` all judge through :func:`read`, so
what one accepts, every one accepts. A new setting is one entry here plus its test.
"""

from __future__ import annotations

import copy
import difflib
import math
import random
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping

from core.data.dataset import CLASSIFICATION, TASKS
from core.registry import Registry, and_list
from core.tasks import TASKS as TASK_SPECS
from core.train import losses as _losses
from core.train import metric_specs as _metric_specs
from core.train.optimizers import OPTIMIZERS as OPTIMIZER_REGISTRY
from core.train.optimizers import taking
from core.train.schedules import SCHEDULES as SCHEDULE_REGISTRY

OPTIMIZERS = OPTIMIZER_REGISTRY.names()
#: A learning rate that works for small networks with each optimiser.
DEFAULT_LEARNING_RATE = {s.name: s.default_learning_rate for s in OPTIMIZER_REGISTRY}
SCHEDULES = SCHEDULE_REGISTRY.names()
LOSSES = _losses.choices()
#: Which losses each task accepts (``auto`` always).
TASK_LOSSES = {task: _losses.choices(task) for task in TASKS}
CLASSIFICATION_METRICS = _metric_specs.for_task(CLASSIFICATION)
REGRESSION_METRICS = _metric_specs.for_task("regression")
TASK_METRICS = {task: _metric_specs.for_task(task) for task in TASKS}
DEFAULT_METRICS = {task: _metric_specs.defaults_for(task) for task in TASKS}
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("float32", "bf16", "fp16")
DATA_LOADING = ("auto", "device", "loader")
#: The adversarial losses (``training.adversarial.loss``) of a GAN's generator.
ADVERSARIAL_LOSSES = ("non_saturating", "minimax")
ADVERSARIAL_KEYS = ("generator_learning_rate", "discriminator_learning_rate",
                    "discriminator_steps", "label_smoothing", "loss")


# ---------------------------------------------------------------------- checked values
@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    patience: int = 10
    min_delta: float = 0.0
    restore_best: bool = True


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


# ---------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Context:
    """What a setting's default, check or ``applies`` may depend on besides the other settings."""

    task: str | None = None
    num_classes: int = 0
    gan: bool = False

    @classmethod
    def of(cls, info: Any = None, gan: bool = False) -> "Context":
        """From a :class:`core.data.dataset.DataInfo` (None when the data is not known)."""
        if info is None:
            return cls(gan=gan)
        return cls(info.task, info.num_classes, gan)


class Check:
    """One pass over a training section: the values checked so far, and what was found.

    Problems are kept with the setting they are about, so that one key's problems can be
    picked out exactly (a form field, a paused run's change)."""

    def __init__(self, training: Mapping[str, Any], context: Context):
        self.training = training
        self.context = context
        self.values: dict[str, Any] = {}
        self.problems: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.key = ""  # the setting being read

    def sentences(self, keys: Any = None) -> list[str]:
        """The problem sentences, all or those about ``keys``."""
        return [text for key, text in self.problems if keys is None or key in keys]

    def problem(self, sentence: str) -> None:
        self.problems.append((self.key, sentence))

    def fail(self, key: str, wants: str, value: Any) -> None:
        self.problem(f"training.{key} must be {wants}, got {show(value)}")

    def get(self, key: str, default: Any) -> Any:
        return self.training.get(key, default)

    def number(self, key: str, default: float | None, *, low: float | None = None,
               high: float | None = None, low_open: bool = False, wants: str = "",
               optional: bool = False) -> float | None:
        value = self.get(key, default)
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
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, wants, value)
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "true or false", value)
            return default
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.get(key, default)
        if value not in choices:
            self.fail(key, "one of " + ", ".join(repr(c) for c in choices), value)
            return default
        return value


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


Values = Mapping[str, Any]
Reader = Callable[[Check, str, Any], Any]


def _always(values: Values, context: Context) -> bool:
    return True


@dataclass(frozen=True)
class Setting:
    """One training setting.

    ``default``: the value, or ``default(values, context)`` when it depends on the settings
    read before it (``values``) or on the data. ``read(check, name, default)``: the checked
    value (the default where the given one is wrong, with a sentence in ``check``).
    ``applies(values, context)``: whether the setting means anything with the others."""

    name: str
    default: Any
    read: Reader
    applies: Callable[[Values, Context], bool] = _always

    def default_for(self, values: Values, context: Context) -> Any:
        if callable(self.default):
            return self.default(values, context)
        return copy.deepcopy(self.default)


class Settings(Registry[Setting]):
    """The table, in reading order (a setting's default and check may use those before it)."""

    def __init__(self) -> None:
        super().__init__("training setting")

    def applies(self, key: str, values: Values, context: Context) -> bool:
        """Whether ``key`` means anything given ``values`` (keys not in the table always do)."""
        return key not in self or self.get(key).applies(values, context)


SETTINGS = Settings()


def read(training: Mapping[str, Any], context: Context = Context()) -> Check:
    """Check every setting of ``training`` in table order; unknown keys become notes."""
    check = Check(training, context)
    for setting in SETTINGS:
        check.key = setting.name
        default = setting.default_for(check.values, context)
        check.values[setting.name] = setting.read(check, setting.name, default)
    check.key = ""
    for key in training:
        if key not in SETTINGS:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.75)
            hint = f": did you mean {close[0]!r}?" if close else " and is ignored"
            check.notes.append(f"training.{key} is not a training setting LayerForge knows{hint}")
    return check


def key_problems(training: Mapping[str, Any], keys: Any, context: Context = Context()) -> list[str]:
    """The problems of ``keys`` alone, judged with the rest of ``training`` (a form field)."""
    return read(training, context).sentences(keys)


# ---------------------------------------------------------------------- readers
def number(*, low: float | None = None, high: float | None = None, low_open: bool = False,
           wants: str, optional: bool = False) -> Reader:
    return lambda check, key, default: check.number(key, default, low=low, high=high,
                                                    low_open=low_open, wants=wants, optional=optional)


def integer(low: int, high: int, wants: str) -> Reader:
    return lambda check, key, default: check.integer(key, default, low, high, wants)


def boolean(check: Check, key: str, default: bool) -> bool:
    return check.boolean(key, default)


def choice(choices: tuple[str, ...]) -> Reader:
    return lambda check, key, default: check.choice(key, default, choices)


def optional_integer(low: int, high: int, wants: str) -> Reader:
    """A whole number from ``low`` to ``high``, or null (the default then)."""
    def read_it(check: Check, key: str, default: Any) -> int | None:
        value = check.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not low <= value <= high):
            check.fail(key, wants, value)
            return default
        return value
    return read_it


def _optimizer_takes(key: str) -> Callable[[Values, Context], bool]:
    def applies(values: Values, context: Context) -> bool:
        optimizer = values.get("optimizer")
        return optimizer in OPTIMIZER_REGISTRY and key in OPTIMIZER_REGISTRY.get(optimizer).settings
    return applies


def _not_for_gan(values: Values, context: Context) -> bool:
    """A GAN's losses are the adversarial ones, it keeps its last epoch (no monitored value,
    no early stopping) and computes no metrics (core.train.adversarial)."""
    return not context.gan


def _loss_uses(key: str) -> Callable[[Values, Context], bool]:
    def applies(values: Values, context: Context) -> bool:
        loss = _losses.resolve(values.get("loss", "auto"), context.task, context.num_classes)
        return not context.gan and loss in _losses.using(key)
    return applies


def _momentum(check: Check, key: str, default: float) -> float:
    wants = "a number from 0 to below 1 (such as 0.9)"
    momentum = check.number(key, default, low=0, high=1, wants=wants)
    if momentum >= 1:
        check.fail(key, wants, momentum)
        momentum = default
    optimizer = check.values["optimizer"]
    if check.get(key, None) and not SETTINGS.applies(key, check.values, check.context):
        check.problem(f"training.momentum applies to {and_list(taking('momentum'))}, not"
                      f" {optimizer!r}: remove it or change the optimizer")
    return momentum


def _nesterov(check: Check, key: str, default: bool) -> bool:
    nesterov = check.boolean(key, default)
    if nesterov and (not SETTINGS.applies(key, check.values, check.context)
                     or check.values["momentum"] <= 0):
        check.problem(f"training.nesterov needs optimizer {and_list(taking('nesterov'))}"
                      " with a momentum above 0 (such as 0.9)")
    return nesterov


def _betas(check: Check, key: str, default: list[float]) -> tuple[float, float]:
    value = check.get(key, default)
    ok = (isinstance(value, (list, tuple)) and len(value) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1
                  for v in value))
    if not ok:
        check.fail(key, "two numbers from 0 to below 1 (such as [0.9, 0.999])", value)
        return (0.9, 0.999)
    return (float(value[0]), float(value[1]))


def _schedule(check: Check, key: str, default: str) -> Schedule:
    value = check.get(key, default)
    wants = ("one of " + ", ".join(repr(s) for s in SCHEDULES)
             + ", or an object such as {\"type\": \"step\", \"step_size\": 10}")
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict) or value.get("type") not in SCHEDULES:
        check.fail(key, wants, value)
        return Schedule()
    kind = value["type"]
    schedule = SCHEDULE_REGISTRY.get(kind)
    options = schedule.defaults()
    for name, given in value.items():
        if name == "type":
            continue
        option = schedule.option(name)
        if option is None:
            known = ", ".join(options) or "none"
            check.problem(f"training.schedule {kind!r} has no option {name!r} (its options: {known})")
            continue
        if not option.accepts(given):
            check.problem(f"training.schedule.{name} has an invalid value {show(given)}:"
                          f" use a number such as {option.default}")
            continue
        options[name] = given
    return Schedule(kind, options)


def _loss(check: Check, key: str, default: str) -> str:
    value, context = check.get(key, default), check.context
    if value not in LOSSES:
        check.fail(key, "one of " + ", ".join(repr(v) for v in LOSSES), value)
        return "auto"
    if context.task is None:
        return value
    allowed = TASK_LOSSES.get(context.task, LOSSES)
    if value not in allowed:
        words = TASK_SPECS.get(context.task).words
        check.problem(f"training.loss {value!r} does not fit this data, which has {words}:"
                      f" use one of " + ", ".join(repr(v) for v in allowed))
        return "auto"
    binary_only = value in _losses.LOSSES and _losses.LOSSES.get(value).binary_only
    if binary_only and context.task == CLASSIFICATION and context.num_classes != 2:
        check.problem(f"training.loss {value!r} needs exactly two classes, and the data has"
                      f" {context.num_classes}: use 'cross_entropy' or 'auto'")
        return "auto"
    return value


def _label_smoothing(check: Check, key: str, default: float) -> float:
    value = check.number(key, default, low=0, high=0.99,
                         wants="a number from 0 to below 1 (such as 0.1)")
    if value and not SETTINGS.applies(key, check.values, check.context):
        smoothing = _losses.using(key)
        check.problem(f"training.label_smoothing works with the {and_list(smoothing, False)}"
                      f" loss only: set loss to {and_list(smoothing)} or remove label_smoothing")
    return value


def _default_metrics(values: Values, context: Context) -> list[str]:
    return list(DEFAULT_METRICS.get(context.task, []))


def _metrics(check: Check, key: str, default: list[str]) -> list[str]:
    value = check.get(key, None)
    allowed = TASK_METRICS.get(check.context.task, CLASSIFICATION_METRICS + REGRESSION_METRICS)
    if value is None:
        return list(default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        check.fail(key, "a list of metric names such as [\"accuracy\"]", value)
        return list(default)
    metrics = []
    for name in value:
        if name not in allowed:
            check.problem(f"training.metrics: {name!r} is not a metric for this data:"
                          f" choose from " + ", ".join(allowed))
        elif name not in metrics:
            metrics.append(name)
    return metrics


def monitor_choices(metrics: list[str]) -> list[str]:
    """What ``monitor`` may name, given the metrics computed."""
    return (["val_loss", "train_loss"] + [f"val_{m}" for m in metrics]
            + [f"train_{m}" for m in metrics])


def _monitor(check: Check, key: str, default: str) -> str:
    value = check.get(key, default)
    allowed = monitor_choices(check.values["metrics"])
    if value not in allowed:
        check.fail(key, "one of " + ", ".join(repr(a) for a in allowed), value)
        return default
    return value


def _early_stopping(check: Check, key: str, default: bool) -> EarlyStopping | None:
    value = check.get(key, default)
    if value is None or value is False:
        return None
    if value is True:
        return EarlyStopping()
    if not isinstance(value, dict):
        check.fail(key, "an object such as {\"patience\": 10}, true, or null", value)
        return None
    result = EarlyStopping()
    for name, given in value.items():
        if name == "patience" and isinstance(given, int) and not isinstance(given, bool) and given >= 1:
            result.patience = given
        elif (name == "min_delta" and isinstance(given, (int, float)) and not isinstance(given, bool)
              and math.isfinite(given) and given >= 0):
            result.min_delta = float(given)
        elif name == "restore_best" and isinstance(given, bool):
            result.restore_best = given
        elif name in ("patience", "min_delta", "restore_best"):
            wants = {"patience": "a whole number of at least 1", "min_delta": "a number of at least 0",
                     "restore_best": "true or false"}[name]
            check.fail(f"early_stopping.{name}", wants, given)
        else:
            check.problem("training.early_stopping has no option"
                          f" {name!r} (its options: patience, min_delta, restore_best)")
    return result


def _seed(check: Check, key: str, default: int) -> int:
    seed = check.get(key, default)
    if seed is None:  # a random one, drawn for this run
        return random.SystemRandom().randrange(2 ** 31)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 63:
        check.fail(key, "a whole number of at least 0, or null for a random one", seed)
        return default
    return seed


def _device(check: Check, key: str, default: str) -> str:
    value = check.get(key, default)
    if isinstance(value, str) and (value in DEVICES or (value.startswith("cuda:")
                                                        and value[5:].isdigit())):
        return value
    check.fail(key, "one of 'auto', 'cpu', 'cuda' (or 'cuda:1', ...), 'mps'", value)
    return default


def _init_from(check: Check, key: str, default: None) -> str | None:
    value = check.get(key, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        check.fail(key, "the path of an earlier run's folder, or null", value)
        return None
    return value


def _unfreeze_at_epoch(check: Check, key: str, default: None) -> int | None:
    """A whole number from 2 (the epoch from which frozen layers train too), or null."""
    return optional_integer(2, 1_000_000, "a whole number of at least 2 (the epoch from which"
                            " frozen layers train too), or null to keep them frozen")(check, key, default)


def _unfreeze_factor(check: Check, key: str, default: float) -> float:
    factor = check.number(key, default, low=0, high=1, low_open=True,
                          wants="a number above 0 and at most 1 (such as 0.1)")
    at, epochs = check.values["unfreeze_at_epoch"], check.values["epochs"]
    if at is not None and at > epochs:
        check.notes.append(f"training.unfreeze_at_epoch is {at}, after the last epoch ({epochs}):"
                           " the frozen layers stay frozen")
    return factor


def _unfreeze_applies(values: Values, context: Context) -> bool:
    """A GAN does not unfreeze; the factor needs an epoch to apply from."""
    return not context.gan and values.get("unfreeze_at_epoch") is not None


def _adversarial(check: Check, key: str, default: None) -> Adversarial | None:
    """``training.adversarial``: an object of the settings :class:`Adversarial` holds."""
    if key not in check.training:
        return default
    value = check.training[key]
    result = Adversarial()
    if value is None:
        return result
    if not isinstance(value, dict):
        check.fail(key, "an object such as {\"discriminator_steps\": 1}", value)
        return result
    inner = Check(value, check.context)
    for name in ("generator_learning_rate", "discriminator_learning_rate"):
        setattr(result, name, inner.number(name, None, low=0, high=100, low_open=True, optional=True,
                                           wants="a number above 0 and at most 100 (such as 0.0002),"
                                                 " or null for training.learning_rate"))
    result.discriminator_steps = inner.integer("discriminator_steps", 1, 1, 100,
                                               "a whole number from 1 to 100")
    result.label_smoothing = inner.number("label_smoothing", 0.0, low=0, high=0.5,
                                          wants="a number from 0 to 0.5 (such as 0.1)")
    result.loss = inner.choice("loss", "non_saturating", ADVERSARIAL_LOSSES)
    for sentence in inner.sentences():
        check.problem(sentence.replace("training.", "training.adversarial.", 1))
    for name in value:
        if name not in ADVERSARIAL_KEYS:
            check.problem(f"training.adversarial has no setting {name!r} (its settings: "
                          + ", ".join(ADVERSARIAL_KEYS) + ")")
    return result


# ---------------------------------------------------------------------- the table
def _register(*settings: Setting) -> None:
    for setting in settings:
        SETTINGS.register(setting)


_register(
    Setting("epochs", 20, integer(1, 1_000_000, "a whole number from 1 to 1000000")),
    Setting("batch_size", 32, integer(1, 10_000_000, "a whole number of at least 1 (such as 32)")),
    Setting("optimizer", "adam", choice(OPTIMIZERS)),
    Setting("learning_rate", lambda values, context: DEFAULT_LEARNING_RATE[values["optimizer"]],
            number(low=0, high=100, low_open=True,
                   wants="a number above 0 and at most 100 (such as 0.001)")),
    Setting("momentum", 0.0, _momentum, _optimizer_takes("momentum")),
    Setting("nesterov", False, _nesterov, _optimizer_takes("nesterov")),
    Setting("betas", [0.9, 0.999], _betas, _optimizer_takes("betas")),
    Setting("weight_decay",
            lambda values, context: OPTIMIZER_REGISTRY.get(values["optimizer"]).default_weight_decay,
            number(low=0, high=10, wants="a number from 0 to 10 (such as 0.0001)")),
    Setting("schedule", "none", _schedule),
    Setting("loss", "auto", _loss, _not_for_gan),
    Setting("label_smoothing", 0.0, _label_smoothing, _loss_uses("label_smoothing")),
    Setting("huber_delta", 1.0, number(low=0, low_open=True, high=1e6,
                                       wants="a number above 0 (such as 1.0)"),
            _loss_uses("huber_delta")),
    Setting("metrics", _default_metrics, _metrics, _not_for_gan),
    Setting("monitor", "val_loss", _monitor, _not_for_gan),
    # On by default (patience 10): small tables reach their best epoch early (format 2).
    Setting("early_stopping", True, _early_stopping, _not_for_gan),
    Setting("gradient_clip", None, number(low=0, low_open=True, high=1e9, optional=True,
                                          wants="a number above 0 (such as 1.0), or null for none")),
    Setting("seed", 0, _seed),
    Setting("device", "auto", _device),
    Setting("precision", "float32", choice(PRECISIONS)),
    Setting("init_from", None, _init_from),
    Setting("shuffle", True, boolean),
    Setting("data_loading", "auto", choice(DATA_LOADING)),
    Setting("workers", None,
            optional_integer(0, 64, "a whole number from 0 to 64, or null to choose automatically"),
            lambda values, context: values.get("data_loading") != "device"),
    Setting("unfreeze_at_epoch", None, _unfreeze_at_epoch, lambda values, context: not context.gan),
    Setting("unfreeze_learning_rate_factor", 0.1, _unfreeze_factor, _unfreeze_applies),
    Setting("adversarial", None, _adversarial, lambda values, context: context.gan),
)

#: Every setting but ``adversarial`` (a GAN's, written out only when given).
KNOWN_KEYS = tuple(name for name in SETTINGS.names() if name != "adversarial")
