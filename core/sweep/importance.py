"""Which varied settings mattered: Optuna's parameter importances over the finished trials.

fANOVA (a random forest over the trials, then how much of the metric's variance each
setting explains) needs scikit-learn; without it Optuna's default evaluator
(PED-ANOVA, no extra dependency) is used, and :func:`importances` says which one ran.
"""

from __future__ import annotations

import warnings

FANOVA, PED_ANOVA = "fANOVA", "PED-ANOVA"


def evaluator():
    """``(evaluator, its name)``: fANOVA when scikit-learn is installed, else PED-ANOVA."""
    import optuna.importance as importance

    try:
        import sklearn  # noqa: F401 - fANOVA's random forest
    except ImportError:
        return importance.PedAnovaImportanceEvaluator(), PED_ANOVA
    return importance.FanovaImportanceEvaluator(seed=0), FANOVA


def importances(study) -> tuple[dict[str, float], str] | None:
    """Each varied setting's share of the importance (summing to 1), and the evaluator's
    name; None until two complete trials differ in a setting."""
    import optuna
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < 2 or not any(t.params for t in complete):
        return None
    chosen, name = evaluator()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = optuna.importance.get_param_importances(study, evaluator=chosen)
        return {key: float(value) for key, value in found.items()}, name
    except (RuntimeError, ValueError):  # e.g. every trial has the same values
        return None
