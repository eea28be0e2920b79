"""The training form's fields, read from the project schema (no Qt).

Each key of the schema's ``training`` section becomes a :class:`Field` with its title,
description, kind and limits, placed in a section. Keys the schema gains later appear
in "Advanced" without changes here. Which fields apply to the chosen optimiser and loss is
the settings table's (``core.train.settings``); what else an edit changes lives here
(switching to Adam drops an SGD momentum).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from core.resources import load_json_resource
from core.train import losses as loss_specs
from core.train.metric_specs import METRICS
from core.train.metric_specs import for_task as metrics_of_task
from core.train.optimizers import OPTIMIZERS, extra_settings, live_settings
from core.train.schedules import SCHEDULES
from core.train.settings import SETTINGS, Context
from core.train.settings import monitor_choices as settings_monitor_choices
from core.train.spec import DEFAULT_METRICS, defaults_for

#: Two-stage fine-tuning (core/train/unfreeze.py): when frozen layers train again, and how fast.
UNFREEZE_KEYS = ("unfreeze_at_epoch", "unfreeze_learning_rate_factor")
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Training", ("epochs", "batch_size", "optimizer", "learning_rate", "device")),
    ("Optimizer", ("momentum", "nesterov", "betas", "weight_decay", "gradient_clip")),
    ("Learning-rate schedule", ("schedule",)),
    ("Loss and metrics", ("loss", "label_smoothing", "huber_delta", "metrics", "monitor")),
    ("Early stopping", ("early_stopping",)),
    ("GAN", ("adversarial",)),
    ("Fine-tuning", ("init_from",) + UNFREEZE_KEYS),
    ("Advanced", ("seed", "precision", "shuffle", "data_loading", "workers")),
)
#: How metric names read in the form, the plots and the run history (from the metric registry).
METRIC_TITLES = {**{spec.name: spec.title for spec in METRICS}, "loss": "Loss"}
#: The readable name and one-line doc of each choice of the fields backed by a registry
#: (the combo box shows the name, its tooltip the doc; the value stays the project's word).
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "optimizer": {spec.name: (spec.title, spec.doc) for spec in OPTIMIZERS},
    "loss": {loss_specs.AUTO: (loss_specs.AUTO_TITLE, loss_specs.AUTO_DOC),
             **{spec.name: (spec.title, spec.doc) for spec in loss_specs.LOSSES}},
    "schedule_type": {spec.name: (spec.title, spec.doc) for spec in SCHEDULES},
    "metrics": {spec.name: (spec.title, spec.doc) for spec in METRICS},
}


def metric_title(name: str) -> str:
    return METRIC_TITLES.get(name, name)


#: Settings a paused run can change (``Trainer.update_optimizer``).
LIVE_KEYS = live_settings() + ("gradient_clip",)
#: Keys with an editor of their own (the rest are generated from their schema type).
SPECIAL = {"betas": "pair", "schedule": "schedule", "metrics": "metrics", "monitor": "monitor",
           "early_stopping": "early_stopping", "device": "device", "init_from": "path", "loss": "loss",
           "adversarial": "adversarial"}
#: Kinds whose editor has its own labelled rows (no label of the field's own beside it).
FULL_WIDTH = ("adversarial",)
#: What "null" means for optional values, as the form's check box says it.
NULL_TEXT = {"gradient_clip": "none", "seed": "random", "workers": "automatic", "init_from": "none",
             "unfreeze_at_epoch": "never"}


@dataclass
class Field:
    key: str
    title: str
    description: str
    kind: str  # integer, number, boolean, choice, optional_integer, optional_number, or a SPECIAL kind
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    default: Any = None
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # schedule/early stopping options


@lru_cache(maxsize=1)
def training_schema() -> dict[str, Any]:
    schema = load_json_resource("schema", "project.schema.json")
    return schema["$defs"]["training"]


def _limits(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "minimum" in spec:
        out["minimum"] = spec["minimum"]
    if "exclusiveMinimum" in spec:
        out["minimum"], out["exclusive_minimum"] = spec["exclusiveMinimum"], True
    if "maximum" in spec:
        out["maximum"] = spec["maximum"]
    if "exclusiveMaximum" in spec:
        out["maximum"], out["exclusive_maximum"] = spec["exclusiveMaximum"], True
    if spec.get("items") and not out:  # betas: the limits are on the items
        return _limits(spec["items"])
    return out


def _kind(key: str, spec: dict[str, Any]) -> str:
    if key in SPECIAL:
        return SPECIAL[key]
    if "enum" in spec:
        return "choice"
    types = spec.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    optional = "null" in types
    base = next((t for t in types if t != "null"), "string")
    if base in ("integer", "number"):
        return f"optional_{base}" if optional else base
    if base == "boolean":
        return "boolean"
    return "text"


def make_field(key: str, spec: dict[str, Any]) -> Field:
    title = spec.get("title") or key.replace("_", " ").capitalize()
    options = {name: dict(option) for name, option in (spec.get("properties") or {}).items()}
    return Field(key, title, spec.get("description", ""), _kind(key, spec), tuple(spec.get("enum", ())),
                 default=spec.get("default"), options=options, **_limits(spec))


def sections() -> list[tuple[str, list[Field]]]:
    """The form's sections with their fields, in order; unknown schema keys go to Advanced."""
    properties = training_schema().get("properties", {})
    placed = {key for _title, keys in SECTIONS for key in keys}
    out = []
    for title, keys in SECTIONS:
        fields = [make_field(k, properties[k]) for k in keys if k in properties]
        if title == "Advanced":
            fields += [make_field(k, spec) for k, spec in properties.items() if k not in placed]
        out.append((title, fields))
    return out


# ---------------------------------------------------------------------- values
def effective(training: dict[str, Any] | None, info, gan: bool = False) -> dict[str, Any]:
    """What each field shows: the project's value, else the default for this data (and optimiser;
    a GAN's Adam betas are (0.5, 0.999), :data:`core.train.adversarial.GAN_BETAS`)."""
    given = copy.deepcopy(training or {})
    values = _defaults(given.get("optimizer", "adam"), info)
    if gan:
        from core.train.adversarial import GAN_BETAS

        values["betas"] = list(GAN_BETAS)
    values.update(given)
    return values


def _defaults(optimizer: Any, info) -> dict[str, Any]:
    """The defaults for ``info``; the learning rate and weight decay follow the optimiser."""
    from core.errors import TrainingError
    from core.train.spec import TrainSpec

    try:
        return TrainSpec.from_dict({"optimizer": optimizer}, info).to_dict()
    except TrainingError:  # an unknown optimiser (a hand-edited file): the plain defaults
        return defaults_for(info)


def losses_for(info) -> tuple[str, ...]:
    return loss_specs.choices(info.task if info is not None else None)


def metrics_for(info) -> tuple[str, ...]:
    return metrics_of_task(info.task if info is not None else None)


def monitor_choices(values: dict[str, Any], info) -> list[str]:
    metrics = values.get("metrics")
    if not isinstance(metrics, list):
        metrics = DEFAULT_METRICS.get(info.task, []) if info is not None else []
    return settings_monitor_choices([m for m in metrics if isinstance(m, str)])


def applies(key: str, values: dict[str, Any], info, gan: bool = False) -> bool:
    """Whether ``key`` means anything with the other settings (hidden otherwise); ``gan``: the
    network is a GAN (its own settings shown, the ones it does not use hidden). The settings
    table (``core.train.settings``) decides, as it does when a run starts."""
    return SETTINGS.applies(key, values, Context.of(info, gan))


def edited(training: dict[str, Any] | None, key: str, value: Any, info) -> dict[str, Any]:
    """The training section after the person set ``key`` to ``value`` in the form.

    Settings that stop applying are removed with it (momentum when leaving SGD, label
    smoothing when leaving cross-entropy, a monitor on a metric that is no longer computed).
    A value already in effect (the default picked again, an empty field left empty) changes
    nothing, so that looking through the form never makes the project unsaved.
    """
    # (betas always count: their default differs for a GAN, which this function is not told)
    if key not in (training or {}) and key != "betas" and effective(training, info).get(key) == value:
        return copy.deepcopy(training or {})
    new = copy.deepcopy(training or {})
    new[key] = copy.deepcopy(value)
    values = effective(new, info)
    for other in extra_settings() + loss_specs.settings():
        if other != key and other in new and not applies(other, values, info):
            del new[other]
    if key == "metrics" and "monitor" in new and new["monitor"] not in monitor_choices(values, info):
        del new["monitor"]
    return new


_PROBLEM_KEY = re.compile(r"training\.([a-z_]+)")


def problem_key(sentence: str) -> str | None:
    """The setting a ``training_problems`` sentence is about (``training.momentum must ...``)."""
    match = _PROBLEM_KEY.search(sentence)
    return match.group(1) if match else None
