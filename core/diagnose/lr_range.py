"""The learning-rate range test: the loss while the learning rate grows exponentially.

Leslie Smith's test, as fastai runs it: from 1e-7 the rate is multiplied a little after
every batch up to 10, over up to 300 steps, and the batch loss (smoothed) is recorded
until it blows up (four times its lowest). A tenth of the rate where the loss is lowest is
the suggestion; the verdict compares it with the project's learning rate.
"""

from __future__ import annotations

import math

import numpy as np

from core.diagnose.base import DIAGNOSES, PASS, WARN, Curve, Diagnosis, DiagnosisSpec, train

START, END, STEPS = 1e-7, 10.0, 300
SMOOTHING = 0.9
SKIP = 10  # the first smoothed points are noise


def suggestion(rates: list[float], losses: list[float]) -> tuple[float | None, str]:
    """A tenth of the rate where the smoothed loss is lowest (fastai's rule: fast, yet safely
    below where the loss turns up), and why."""
    if len(losses) < 10:
        return None, "the loss did not stay finite long enough to tell"
    values = np.asarray(losses)
    lowest = int(np.argmin(values[SKIP:])) + SKIP
    if lowest <= SKIP or values[lowest] > 0.97 * values[SKIP]:
        return None, ("the loss hardly fell at any rate: check the design and the loss first"
                      " (run 'Overfit one batch')")
    rate = float(rates[lowest]) / 10
    where = ("still falls at the largest rate tried" if lowest == len(values) - 1
             else "is lowest and rises beyond")
    return rate, (f"the loss {where}, {rates[lowest]:.1e}; a tenth of that learns fast and stays"
                  " stable")


def run(project, dataset, progress, cancel=None) -> Diagnosis:
    from core.train.callbacks import Callback

    batch = int((project.training or {}).get("batch_size", 32))
    per_epoch = max(1, math.ceil(len(dataset.train.x) / batch))
    steps = STEPS
    factor = (END / START) ** (1 / steps)
    rates: list[float] = []
    losses: list[float] = []

    class Sweep(Callback):
        def __init__(self) -> None:
            self.average = 0.0

        def on_train_start(self, trainer) -> None:
            for group in trainer.optimizer.param_groups:
                group["lr"] = START

        def on_batch_end(self, trainer, event) -> None:
            rate = trainer.optimizer.param_groups[0]["lr"]
            loss = event.loss
            step = len(rates) + 1
            if not math.isfinite(loss):
                trainer.control.request_stop()
                return
            self.average = SMOOTHING * self.average + (1 - SMOOTHING) * loss
            smooth = self.average / (1 - SMOOTHING ** step)
            rates.append(rate)
            losses.append(smooth)
            progress(step / steps, f"learning rate {rate:.1e}: loss {smooth:.3g}")
            if step >= steps or (step > 10 and smooth > 4 * min(losses)):
                trainer.control.request_stop()
                return
            for group in trainer.optimizer.param_groups:
                group["lr"] = rate * factor

    train(project, dataset, {"epochs": math.ceil(steps / per_epoch) + 1}, [Sweep()], cancel)
    rate, why = suggestion(rates, losses)
    current = float((project.training or {}).get("learning_rate", 0.001))
    if rate is None:
        status, verdict = WARN, f"No learning rate to suggest: {why}."
    else:
        ratio = current / rate
        if 0.2 <= ratio <= 5:
            status = PASS
            verdict = (f"Suggested learning rate {rate:.1e}: {why}. The project's {current:g} is"
                       " close to it: keep it.")
        else:
            status = WARN
            side = "larger" if ratio > 1 else "smaller"
            verdict = (f"Suggested learning rate {rate:.1e}: {why}. The project's {current:g} is"
                       f" {max(ratio, 1 / ratio):.0f} times {side}: try {rate:.1e}.")
    return Diagnosis("lr_range", "Learning-rate range test", status, verdict, "learning rate",
                     "training loss (smoothed)", [Curve("loss", rates, losses)], log_x=True,
                     facts={"suggested": rate, "current": current, "steps": len(rates)})


DIAGNOSES.register(DiagnosisSpec(
    name="lr_range", title="Learning-rate range test",
    question="Which learning rate? The loss while the rate grows from 1e-7 to 10.", run=run))
