"""The losses an Output node may choose, given its target and the loaded data.

The inspector's loss list follows the head (``Param.choices_in`` of the Output's ``loss``):
an Output that reproduces its input (``target: input``) offers the losses that fit a
reconstruction target; one that learns the data's target offers the losses of the data's
task (every loss while no data is loaded), without the two-class-only losses when the data
has more classes; a GAN's generator or discriminator trains with the adversarial loss, so
only ``auto``. ``auto`` always comes first. The lists come from the loss and task registries
(:func:`core.train.losses.choices`). Importing this module does not import torch.
"""

from __future__ import annotations

from typing import Any

from core.heads import DATA, DISCRIMINATOR, GENERATOR, INPUT
from core.tasks import CLASSIFICATION, RECONSTRUCTION
from core.train.losses import AUTO, LOSSES, choices


def head_losses(params: dict[str, Any], data: Any = None) -> tuple[str, ...]:
    """``auto`` and the losses that fit an Output with ``params`` on ``data`` (a
    :class:`~core.shapes.DataShapes`, or None when no data is loaded)."""
    target = (params or {}).get("target") or DATA
    if target in (GENERATOR, DISCRIMINATOR):
        return (AUTO,)
    if target == INPUT:
        return choices(RECONSTRUCTION)
    task = getattr(data, "task", None)
    if task is None:
        return choices()
    classes = getattr(data, "class_count", 0) or 0
    return tuple(name for name in choices(task)
                 if name == AUTO or not (task == CLASSIFICATION and classes and classes != 2
                                         and LOSSES.get(name).binary_only))
