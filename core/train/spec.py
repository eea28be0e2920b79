"""The ``training`` section of a project: defaults per task, validation, resolved values.

``TrainSpec.from_dict(project.training, info)`` fills in defaults (which depend on the
task: classification gets accuracy/precision/recall/F1, regression MAE/RMSE/R²) and
checks every value, raising :class:`~core.errors.TrainingError` with one sentence per
problem. ``training_problems`` returns all sentences at once, for a form that marks
each field. ``TrainSpec.to_dict()`` is the complete section, defaults included, as
``run.json`` records it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.data.dataset import DataInfo
from core.errors import TrainingError
from core.train import losses as _losses
from core.train import metric_specs as _metric_specs
from core.train import settings as _settings
from core.train.schedules import SCHEDULES as SCHEDULE_REGISTRY
# The checked-value types and the tables below live with the settings table
# (core.train.settings); they keep their old names here for the code that reads them.
from core.train.settings import (  # noqa: F401  (re-exported)
    ADVERSARIAL_KEYS, ADVERSARIAL_LOSSES, CLASSIFICATION_METRICS, DATA_LOADING, DEFAULT_LEARNING_RATE,
    DEFAULT_METRICS, DEVICES, KNOWN_KEYS, LOSSES, OPTIMIZERS, PRECISIONS, REGRESSION_METRICS,
    SCHEDULES, TASK_LOSSES, TASK_METRICS, Adversarial, Context, EarlyStopping, Schedule)

#: Options of each schedule with their defaults.
SCHEDULE_OPTIONS: dict[str, dict[str, Any]] = {s.name: s.defaults() for s in SCHEDULE_REGISTRY}
#: Metrics where a larger value is better (the rest, losses included, are minimised).
MAXIMISED = frozenset(s.name for s in _metric_specs.METRICS if s.maximised)


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
    check = _settings.read({"optimizer": optimizer, **settings})
    return TrainSpec(**check.values), check.sentences(settings)


resolve_loss = _losses.resolve


def metric_direction(name: str) -> str:
    """``max`` when larger is better for metric column ``name`` (``val_accuracy``), else ``min``."""
    base = name.split("_", 1)[1] if name.startswith(("train_", "val_", "test_")) else name
    return "max" if base in MAXIMISED else "min"


# ---------------------------------------------------------------------- parsing
def _parse(training: Any, info: DataInfo | None) -> tuple[TrainSpec, list[str]]:
    """The spec and every problem, read through the settings table (core.train.settings)."""
    if training is None:
        training = {}
    if not isinstance(training, dict):
        return TrainSpec(), ["the training section must be an object of name: value pairs"]
    check = _settings.read(training, _settings.Context.of(info))
    spec = TrainSpec(task=info.task if info else None, **check.values)
    spec._num_classes = info.num_classes if info else 0
    spec.notes = check.notes
    spec.given = frozenset(training)
    return spec, check.sentences()
