"""The data-size check: 10%, 30% and 100% of the training rows, the same settings.

Each part trains as the project says (its epochs, capped at 50, with early stopping at
its best epoch) and is scored on the whole validation split. The verdict reads the
learning curve: a validation loss still falling at 100% asks for more data; a training
loss as high as the validation loss at 100% (the network cannot even fit the data it
has) asks for a bigger network; otherwise the curve has flattened. On fewer than
:data:`MIN_VALIDATION` validation samples the verdict says it is only a hint.
"""

from __future__ import annotations

import numpy as np

from core.diagnose.base import DIAGNOSES, PASS, WARN, Curve, Diagnosis, DiagnosisSpec, subset, train

FRACTIONS = (0.1, 0.3, 1.0)
MAX_EPOCHS = 50
#: Validation loss falling by more than this share from 30% to 100% of the data: more data helps.
STILL_FALLING = 0.05
#: Training loss within this share of the validation loss at 100%: the network underfits.
UNDERFIT = 0.15
#: A validation accuracy this high needs no advice.
GOOD_ENOUGH = 0.98
#: Fewer validation samples than this: the losses swing from run to run, the verdict is a hint.
MIN_VALIDATION = 50


def run(project, dataset, progress, cancel=None) -> Diagnosis:
    if dataset.validation is None or not len(dataset.validation.x):
        return Diagnosis("data_size", "More data or a bigger network?", WARN,
                         "This data has no validation split, so there is nothing to compare:"
                         " give data.split.validation a share such as 0.2.", "share of the training data",
                         "loss")
    order = np.random.default_rng(0).permutation(len(dataset.train.x))
    epochs = min(int((project.training or {}).get("epochs", 20)), MAX_EPOCHS)
    train_losses, val_losses, counts, accuracies = [], [], [], []
    for i, fraction in enumerate(FRACTIONS):
        rows = np.sort(order[:max(2, int(round(fraction * len(order))))])
        progress(i / len(FRACTIONS), f"training on {len(rows):,} rows ({fraction:.0%})")
        _trainer, result = train(project, subset(dataset, rows),
                                 {"epochs": epochs, "early_stopping": {"patience": 5}}, (), cancel)
        best = result.best or result.final or {}
        train_losses.append(float(best.get("train_loss", float("nan"))))
        val_losses.append(float(best.get("val_loss", float("nan"))))
        accuracies.append(best.get("val_accuracy"))
        counts.append(len(rows))
    v30, v100, t100 = val_losses[1], val_losses[2], train_losses[2]
    falling = v30 > 0 and (v30 - v100) / v30 > STILL_FALLING
    underfit = v100 > 0 and abs(v100 - t100) / v100 < UNDERFIT
    if accuracies[2] is not None and accuracies[2] >= GOOD_ENOUGH:
        status, verdict = PASS, (f"With all the rows the network is already right on"
                                 f" {accuracies[2]:.1%} of the validation samples"
                                 f" ({accuracies[1]:.1%} with 30%): neither more data nor a bigger"
                                 " network is needed.")
    elif falling:
        status, verdict = WARN, (f"More data should help: the validation loss still falls from"
                                 f" {v30:.3g} with 30% of the rows to {v100:.3g} with all of them.")
    elif underfit:
        status, verdict = WARN, (f"Try a bigger network: with all the rows the training loss"
                                 f" ({t100:.3g}) is about as high as the validation loss ({v100:.3g}),"
                                 " so the network cannot even fit the data it has; add units or"
                                 " layers, or train longer.")
    else:
        status, verdict = PASS, (f"The learning curve has flattened (validation loss {v30:.3g} at 30%,"
                                 f" {v100:.3g} at 100%): more of the same data will help little;"
                                 " better features, regularisation or another design will help more.")
    scored = len(dataset.validation.x)
    if scored < MIN_VALIDATION:  # a few samples: a loss moves by chance more than by the data
        status = WARN
        verdict += (f" But with only {scored} validation samples these losses change a lot from"
                    " one run to the next: take this as a hint, and check it with more data.")
    xs = [float(c) for c in counts]
    return Diagnosis("data_size", "More data or a bigger network?", status, verdict,
                     "training rows", "loss at the best epoch",
                     [Curve("training", xs, train_losses), Curve("validation", xs, val_losses)],
                     facts={"rows": counts, "train_loss": train_losses, "val_loss": val_losses,
                            "val_accuracy": accuracies, "epochs": epochs})


DIAGNOSES.register(DiagnosisSpec(
    name="data_size", title="More data or a bigger network?",
    question="Training on 10%, 30% and 100% of the rows: what would help next?", run=run))
