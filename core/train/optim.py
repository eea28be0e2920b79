"""Optimisers and learning-rate schedules from a :class:`TrainSpec`, and live changes to them.

What exists is in the registries (:mod:`core.train.optimizers`, :mod:`core.train.schedules`).
Optimisers use PyTorch's fused implementations where they exist (SGD, Adam, AdamW,
Adagrad on CPU and CUDA): one kernel per step instead of several per parameter,
which on a CPU makes the optimiser step about twice as fast as the default.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from core.errors import TrainingError
from core.train.optimizers import COMMON_SETTINGS, OPTIMIZERS, extra_settings, live_settings
from core.train.param_groups import MULTIPLIER
from core.train.schedules import SCHEDULES
from core.train.settings import SETTINGS, Context, read
from core.train.spec import TrainSpec


def make_optimizer(params: Iterable, spec: TrainSpec, device_type: str):
    """The optimiser ``spec.optimizer`` names (see :mod:`core.train.optimizers`), with the
    fused kernel on CPU and CUDA where one exists, else the ``foreach`` one.

    ``params``: parameters, or parameter groups (dicts, each with its ``lr``: see
    :mod:`core.train.param_groups`)."""
    optimizer = OPTIMIZERS.get(spec.optimizer)
    common: dict[str, Any] = {"lr": spec.learning_rate, "weight_decay": spec.weight_decay}
    if optimizer.fused and device_type in ("cpu", "cuda"):
        common["fused"] = True
    elif device_type != "cpu" or not optimizer.fused:
        common["foreach"] = True
    return optimizer.build(list(params), spec, common)


class Schedule:
    """A learning-rate schedule that knows when to step: per batch or per epoch."""

    def __init__(self, scheduler, per_batch: bool = False, on_metric: bool = False):
        self.scheduler = scheduler
        self.per_batch = per_batch
        self.on_metric = on_metric
        self._total = getattr(scheduler, "total_steps", None)

    def batch_end(self) -> None:
        if self.per_batch and (self._total is None or self.scheduler.last_epoch + 1 < self._total):
            self.scheduler.step()

    def epoch_end(self, monitored: float | None) -> None:
        if self.per_batch:
            return
        if self.on_metric:
            if monitored is not None and math.isfinite(monitored):
                self.scheduler.step(monitored)
        else:
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state)
        self._total = getattr(self.scheduler, "total_steps", None)

    def scale(self, factor: float) -> None:
        """Scale the schedule's reference rates after the person changed the learning rate."""
        if hasattr(self.scheduler, "base_lrs"):
            self.scheduler.base_lrs = [lr * factor for lr in self.scheduler.base_lrs]
        for group in self.scheduler.optimizer.param_groups:
            for key in ("initial_lr", "max_lr", "min_lr"):
                if isinstance(group.get(key), (int, float)):
                    group[key] *= factor


def make_schedule(optimizer, spec: TrainSpec, steps_per_epoch: int, monitor_mode: str) -> Schedule | None:
    """The schedule ``spec.schedule`` names (see :mod:`core.train.schedules`); None for ``none``."""
    return SCHEDULES.get(spec.schedule.type).build(optimizer, spec, steps_per_epoch, monitor_mode)


def check_update(optimizer_name: str, settings: dict[str, Any],
                 current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate a live change of optimiser settings (the pause dialog) through the settings
    table (``core.train.settings``) a run's start reads: what one accepts, the other accepts.

    ``current``: the settings in effect, so that a change is judged with them (nesterov
    needs the momentum already set). Returns the checked values; raises one sentence.
    """
    OPTIMIZERS.get(optimizer_name)  # an unknown name: one sentence naming it
    optimizer = {"optimizer": optimizer_name}
    allowed = tuple(key for key in COMMON_SETTINGS + ("gradient_clip",) + extra_settings()
                    if SETTINGS.applies(key, optimizer, Context()))
    changed = {key: value for key, value in settings.items()
               if value is not None or key == "gradient_clip"}
    for key in changed:
        if key not in allowed:
            raise TrainingError(f"{key} cannot be changed for the {optimizer_name!r} optimizer:"
                                f" it accepts " + ", ".join(allowed))
    context = {key: value for key, value in (current or {}).items()
               if key in allowed and key not in changed and value is not None}
    check = read({**optimizer, **context, **changed})
    problems = check.sentences(changed)
    if problems:
        raise TrainingError(problems[0].removeprefix("training."))
    return {key: check.values[key] for key in changed}


def apply_update(optimizer, schedule: Schedule | None, settings: dict[str, Any]) -> None:
    """Write checked settings into the optimiser's parameter groups (training thread only)."""
    groups = optimizer.param_groups
    if "learning_rate" in settings:
        new = settings["learning_rate"]
        old = groups[0]["lr"] / groups[0].get(MULTIPLIER, 1.0)  # the run's rate until now
        for index, group in enumerate(groups):
            # The first group's rate is the run's (times its layer multiplier); the others (a
            # GAN's discriminator, layers with another lr_multiplier) keep their ratio to it.
            group["lr"] = (new * group.get(MULTIPLIER, 1.0) if index == 0 or old <= 0
                           else group["lr"] * new / old)
        if schedule is not None and old > 0:
            schedule.scale(new / old)
    for key in live_settings():
        if key != "learning_rate" and key in settings:
            for group in groups:
                group[key] = settings[key]


def current_settings(optimizer) -> dict[str, Any]:
    """The live optimiser settings of the first parameter group (a GAN's generator), with
    LayerForge's names; the learning rate is the run's (without the group's layer multiplier)."""
    group = optimizer.param_groups[0]
    out = {"learning_rate": group["lr"] / group.get(MULTIPLIER, 1.0),
           "weight_decay": group.get("weight_decay", 0.0)}
    for key in extra_settings():
        if key in group:
            out[key] = list(group[key]) if key == "betas" else group[key]
    return out
