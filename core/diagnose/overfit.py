"""Overfit one batch: a network that cannot memorise 32 samples will not learn 32,000.

The network trains on one batch of 32 training samples for up to 200 steps (augmentation
off, nothing else changed) and is scored on the same 32 samples in evaluation mode. If the
loss falls to a small fraction of its start, the design, the loss and the optimiser work
and any later trouble is about the data or generalisation; if it cannot, the verdict says
the problem is in the design or the loss, not the data.
"""

from __future__ import annotations

import numpy as np

from core.diagnose.base import DIAGNOSES, PASS, WARN, Curve, Diagnosis, DiagnosisSpec, subset, train

SAMPLES, STEPS = 32, 200
#: The loss must fall below this share of its first value (or every sample be right).
ENOUGH = 0.1


def run(project, dataset, progress, cancel=None) -> Diagnosis:
    from core.data.dataset import Split

    count = min(SAMPLES, len(dataset.train.x))
    rows = np.random.default_rng(0).permutation(len(dataset.train.x))[:count]
    same = subset(dataset, rows)
    part = Split(same.train.x, same.train.y, same.train.ids)
    data = subset(dataset, rows, validation=part)
    losses: list[float] = []

    from core.train.callbacks import Callback

    class Record(Callback):
        def on_epoch_end(self, trainer, event) -> None:
            losses.append(float(event.row.get("val_loss", event.row["train_loss"])))
            progress(len(losses) / STEPS, f"memorising {count} samples: step {len(losses)}")
            if len(losses) >= 20 and losses[-1] < 1e-4 * max(losses[0], 1e-12):
                trainer.control.request_stop()  # memorised: no need for all the steps

    _trainer, result = train(project, data, {"epochs": STEPS, "batch_size": count}, [Record()], cancel)
    first, last = (losses[0], losses[-1]) if losses else (float("nan"), float("nan"))
    accuracy = (result.final or {}).get("val_accuracy")
    learnt = bool(losses) and np.isfinite(last) and (last <= ENOUGH * first or accuracy == 1.0)
    if result.status == "failed":
        verdict = (f"The network could not even train on {count} samples ({result.reason}): the"
                   " problem is in the design or the settings, not the data.")
        learnt = False
    elif learnt:
        right = f", every one classified right" if accuracy == 1.0 else ""
        verdict = (f"The network can learn: on {count} samples the loss fell from {first:.3g} to"
                   f" {last:.3g} in {len(losses)} steps{right}. If the full training still does"
                   " poorly, look at the data and at generalisation (validation), not at the design.")
    else:
        verdict = (f"The network could not memorise {count} samples in {len(losses)} steps (loss"
                   f" {first:.3g} -> {last:.3g}): the problem is in the design or the loss, not the"
                   " data. Check for a squashing layer before the Output, a layer too narrow, a loss"
                   " that does not fit the task, or a learning rate far off (run the learning-rate"
                   " test).")
    return Diagnosis("overfit", "Overfit one batch", PASS if learnt else WARN, verdict,
                     "step", "loss on the batch", [Curve("loss", list(range(1, len(losses) + 1)), losses)],
                     facts={"samples": count, "steps": len(losses), "first_loss": first, "last_loss": last,
                            "accuracy": accuracy})


DIAGNOSES.register(DiagnosisSpec(
    name="overfit", title="Overfit one batch",
    question="Can the network learn at all? It must memorise 32 samples.", run=run))
