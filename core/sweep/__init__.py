"""Hyperparameter and architecture sweeps on Optuna (``layerforge sweep``, the Experiments dock).

- :mod:`core.sweep.spec`: the project's ``sweep`` section, checked (one sentence per problem);
- :mod:`core.sweep.space`: a trial's values applied to a copy of the project; default ranges;
- :mod:`core.sweep.storage`: the Optuna storage (SQLite in the runs folder, or a URL);
- :mod:`core.sweep.study`: the study, its settings check, counting, trials as plain rows;
- :mod:`core.sweep.trial` / :mod:`core.sweep.pruning`: one trial = one normal run folder,
  reported each epoch and pruned cleanly;
- :mod:`core.sweep.worker` / :mod:`core.sweep.parallel`: claiming trials, K processes.

Nothing here imports Optuna or torch at import time except where a function needs it.
See docs/sweeps.md.
"""

from core.sweep.spec import SweepError, SweepSpec, Varied, check_sweep, parse_sweep, sweep_problems

__all__ = ["SweepError", "SweepSpec", "Varied", "check_sweep", "parse_sweep", "sweep_problems"]
