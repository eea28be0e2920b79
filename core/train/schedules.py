"""The learning-rate schedule registry: one :class:`ScheduleSpec` per ``training.schedule`` type.

A spec owns its options (defaults, limits, one-line docs: the training checks, the JSON
schema and the form all read them) and how it becomes a torch scheduler wrapped in
:class:`core.train.optim.Schedule`, which knows whether to step per batch or per epoch.
Importing this module does not import torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from core.registry import Registry


@dataclass(frozen=True)
class ScheduleOption:
    """One option of a schedule: a whole number or a number within limits, with a default."""

    name: str
    default: int | float
    doc: str
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is of the option's kind, finite and within its limits."""
        if isinstance(value, bool) or not isinstance(value, int if self.integer else (int, float)):
            return False
        if not math.isfinite(value):
            return False
        if self.minimum is not None and (value <= self.minimum if self.exclusive_minimum
                                         else value < self.minimum):
            return False
        if self.maximum is not None and (value >= self.maximum if self.exclusive_maximum
                                         else value > self.maximum):
            return False
        return True

    def schema(self) -> dict[str, Any]:
        """The option as a JSON-schema property (without its description)."""
        out: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            out["exclusiveMinimum" if self.exclusive_minimum else "minimum"] = self.minimum
        if self.maximum is not None:
            out["exclusiveMaximum" if self.exclusive_maximum else "maximum"] = self.maximum
        out["default"] = self.default
        return out


#: Builds the wrapped torch scheduler: (optimizer, TrainSpec, steps per epoch, "min"/"max").
Builder = Callable[[Any, Any, int, str], Any]


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    title: str
    doc: str
    build: Builder
    options: tuple[ScheduleOption, ...] = ()

    def defaults(self) -> dict[str, Any]:
        return {option.name: option.default for option in self.options}

    def option(self, name: str) -> ScheduleOption | None:
        return next((o for o in self.options if o.name == name), None)


# ---------------------------------------------------------------------- builders
def _none(optimizer, spec, steps_per_epoch: int, mode: str):
    return None


def _step(optimizer, spec, steps_per_epoch: int, mode: str):
    from torch.optim.lr_scheduler import StepLR

    from core.train.optim import Schedule

    options = spec.schedule.options
    return Schedule(StepLR(optimizer, step_size=options["step_size"], gamma=options["gamma"]))


def _cosine(optimizer, spec, steps_per_epoch: int, mode: str):
    from torch.optim.lr_scheduler import CosineAnnealingLR

    from core.train.optim import Schedule

    return Schedule(CosineAnnealingLR(optimizer, T_max=max(spec.epochs, 1),
                                      eta_min=spec.schedule.options["min_learning_rate"]))


def _one_cycle(optimizer, spec, steps_per_epoch: int, mode: str):
    from torch.optim.lr_scheduler import OneCycleLR

    from core.train.optim import Schedule

    options = spec.schedule.options
    # torch cycles the momentum (or Adam's beta1) too, and refuses optimisers with neither (Adagrad).
    cycle_momentum = "momentum" in optimizer.defaults or "betas" in optimizer.defaults
    # Each group (a GAN's two networks, layers with an lr_multiplier) peaks at its own rate.
    max_lr = [group["lr"] for group in optimizer.param_groups]
    return Schedule(OneCycleLR(
        optimizer, max_lr=max_lr, total_steps=max(spec.epochs * steps_per_epoch, 2),
        pct_start=options["pct_start"], div_factor=options["div_factor"],
        final_div_factor=options["final_div_factor"], cycle_momentum=cycle_momentum), per_batch=True)


def _reduce_on_plateau(optimizer, spec, steps_per_epoch: int, mode: str):
    from torch.optim.lr_scheduler import ReduceLROnPlateau

    from core.train.optim import Schedule

    from core.train.param_groups import MULTIPLIER

    options = spec.schedule.options
    # The floor is the run's: a group whose layers train at ×0.1 stops at a tenth of it.
    floors = [options["min_learning_rate"] * group.get(MULTIPLIER, 1.0)
              for group in optimizer.param_groups]
    return Schedule(ReduceLROnPlateau(optimizer, mode=mode, factor=options["factor"],
                                      patience=options["patience"], min_lr=floors), on_metric=True)


# ---------------------------------------------------------------------- the registry
SCHEDULES: Registry[ScheduleSpec] = Registry("learning-rate schedule")

_MIN_LR = ScheduleOption("min_learning_rate", 0.0, "the lowest rate", minimum=0)

SCHEDULES.register(ScheduleSpec("none", "none", "Keeps the learning rate constant.", _none))
SCHEDULES.register(ScheduleSpec(
    "step", "step decay", "Multiplies the learning rate by gamma every step_size epochs.", _step,
    (ScheduleOption("step_size", 10, "epochs between decays", integer=True, minimum=1),
     ScheduleOption("gamma", 0.1, "factor per decay", minimum=0, exclusive_minimum=True, maximum=1))))
SCHEDULES.register(ScheduleSpec(
    "cosine", "cosine",
    "Lowers the learning rate along a half cosine to min_learning_rate by the last epoch.",
    _cosine, (_MIN_LR,)))
SCHEDULES.register(ScheduleSpec(
    "one_cycle", "one cycle",
    "Warms up from learning_rate / div_factor to learning_rate, then anneals far below (per batch).",
    _one_cycle,
    (ScheduleOption("pct_start", 0.3, "share of the steps spent warming up", minimum=0,
                    exclusive_minimum=True, maximum=1, exclusive_maximum=True),
     ScheduleOption("div_factor", 25.0, "starting rate = learning_rate / div_factor", minimum=1),
     ScheduleOption("final_div_factor", 10000.0, "final rate = starting rate / final_div_factor",
                    minimum=1))))
SCHEDULES.register(ScheduleSpec(
    "reduce_on_plateau", "reduce on plateau",
    "Multiplies the learning rate by factor when the monitored metric has not improved for"
    " patience epochs.", _reduce_on_plateau,
    (ScheduleOption("factor", 0.1, "factor per reduction", minimum=0, exclusive_minimum=True,
                    maximum=1, exclusive_maximum=True),
     ScheduleOption("patience", 5, "epochs without improvement before reducing", integer=True,
                    minimum=0),
     _MIN_LR)))
