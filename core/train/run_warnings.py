"""What a run that ended "completed" should still tell a person: it learnt nothing useful.

Only a loss that becomes infinite or NaN stops a run (``Trainer._diverged``); a learning
rate far too high can also leave finite but enormous losses, or a regressor much worse
than predicting the mean, and the run would end "completed" as if all were well.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

#: The training loss ending this many times above its lowest counts as blown up.
LOSS_GROWTH = 100.0
#: A validation R² below this: far worse than predicting the mean of the targets.
WORST_R2 = -10.0


def training_warning(history: Sequence[dict[str, Any]]) -> str | None:
    """One sentence when the run's metrics say it went wrong, else None."""
    if not history:
        return None
    lr = history[-1].get("learning_rate")
    advice = (f"the learning rate ({lr:.3g}) is probably too high: try one 10 times lower"
              if isinstance(lr, (int, float)) else "try a 10 times lower learning rate")
    losses = [(row.get("train_loss"), int(row.get("epoch", i + 1))) for i, row in enumerate(history)]
    losses = [(v, e) for v, e in losses if isinstance(v, (int, float)) and math.isfinite(v)]
    if len(losses) >= 2:
        lowest, at = min(losses)
        last = losses[-1][0]
        if lowest > 0 and last > LOSS_GROWTH * lowest:
            return (f"warning: the training loss ended {last / lowest:,.0f} times higher than its lowest"
                    f" (epoch {at}): {advice}")
    r2 = history[-1].get("val_r2")
    if isinstance(r2, (int, float)) and math.isfinite(r2) and r2 < WORST_R2:
        return (f"warning: the validation R² is {r2:.3g}, far worse than predicting the mean of the"
                f" targets (0): {advice}")
    return None
