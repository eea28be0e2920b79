"""The samplers and pruners a sweep may name: two small registries (GUIDE §3.11).

Each entry has the name a project file uses, a title and a one-line doc for the form
and the CLI help, and a ``build`` that makes the Optuna object. Optuna is imported only
when ``build`` is called, so the designer can list the choices cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from core.registry import Registry


@dataclass(frozen=True)
class SamplerSpec:
    """How the next trial's values are chosen."""

    name: str
    title: str
    doc: str
    #: ``build(grid, seed)``: ``grid`` maps each parameter to its values (grid search only).
    build: Callable[[dict[str, list[Any]] | None, int | None], Any]


@dataclass(frozen=True)
class PrunerSpec:
    """When a trial that is going badly is stopped early, from its per-epoch reports."""

    name: str
    title: str
    doc: str
    #: ``build(max_epochs)``: the Optuna pruner for trials of at most that many epochs.
    build: Callable[[int], Any]
    #: ``decides(epoch)``: whether the pruner can stop a trial after that epoch; asking it
    #: costs a read of the whole study, so the trial asks only then.
    decides: Callable[[int], bool] = lambda epoch: True


def _rung(epoch: int) -> bool:
    """Epochs 1, 3, 9, 27...: where successive halving with a reduction factor of 3 and a
    minimum of one epoch compares trials (Hyperband's brackets too)."""
    while epoch > 1 and epoch % 3 == 0:
        epoch //= 3
    return epoch == 1


def _tpe(grid, seed):
    import optuna

    # A few random trials first, then the model of good and bad regions; constant_liar keeps
    # parallel workers from all trying the same promising point.
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5, constant_liar=True)


def _random(grid, seed):
    import optuna

    return optuna.samplers.RandomSampler(seed=seed)


def _grid(grid, seed):
    import optuna

    class Grid(optuna.samplers.GridSampler):
        """Optuna's grid sampler, except that it does not call ``study.stop()`` when the grid
        is used up: that works only inside ``Study.optimize``, and the sweep's workers use
        ask-and-tell and stop at the grid's size themselves."""

        def after_trial(self, study, trial, state, values) -> None:
            pass

    return Grid(grid or {}, seed=seed)


def _hyperband(epochs):
    import optuna

    return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(1, epochs), reduction_factor=3)


def _halving(epochs):
    import optuna

    return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)



def _median(epochs):
    import optuna

    return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)


def _none(epochs):
    import optuna

    return optuna.pruners.NopPruner()


SAMPLERS: Registry[SamplerSpec] = Registry("sampler")
SAMPLERS.register(SamplerSpec("tpe", "TPE (Bayesian)",
                              "learns from the finished trials which values do well and tries more"
                              " like them (Optuna's TPE); the usual choice", _tpe))
SAMPLERS.register(SamplerSpec("random", "Random",
                              "draws every trial's values at random from the ranges", _random))
SAMPLERS.register(SamplerSpec("grid", "Grid",
                              "tries every combination of the listed values (ranges need a step)",
                              _grid))

PRUNERS: Registry[PrunerSpec] = Registry("pruner")
PRUNERS.register(PrunerSpec("hyperband", "Hyperband",
                            "successive halving with several brackets: stops the worse trials after"
                            " 1, 3, 9... epochs", _hyperband, _rung))
PRUNERS.register(PrunerSpec("successive_halving", "Successive halving",
                            "keeps the best third of the trials at each rung of 1, 3, 9... epochs",
                            _halving, _rung))
PRUNERS.register(PrunerSpec("median", "Median",
                            "stops a trial whose metric is worse than the median of the earlier"
                            " trials at the same epoch", _median))
PRUNERS.register(PrunerSpec("none", "None", "every trial trains all its epochs", _none,
                            lambda epoch: False))
