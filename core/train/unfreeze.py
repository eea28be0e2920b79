"""Two-stage fine-tuning: train the new head on a frozen backbone, then everything.

With ``training.unfreeze_at_epoch: N``, the layers frozen at the start (``trainable:
false``) train again from the start of epoch N, at ``learning_rate ×
unfreeze_learning_rate_factor`` (× their own ``lr_multiplier``). Their parameter groups
exist from the first epoch (:func:`core.train.param_groups.training_groups`), idle while
the weights have no gradient, so turning the gradients on is all that happens here; until
then their BatchNorm statistics stay as loaded (``Trainer._keep_frozen_in_eval``).

Early stopping waits for the second stage: it does not end the run before epoch N, and
its patience starts again at N (the head alone may stall; the whole network has not tried
yet). Whether anything is due depends on the epoch alone, and the tracker's state is in the
checkpoint, so a run continued after a kill unfreezes at the same epoch and stops at the
same epoch as one that never stopped, before or after N alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field


#: The factor the Fine-tune dialog offers (and the setting's default).
DEFAULT_FACTOR = 0.1


def default_unfreeze_epoch(epochs: int) -> int:
    """Half the epochs on the frozen backbone, the other half on everything (at least epoch 2)."""
    return max(2, epochs // 2 + 1)


@dataclass
class Unfreezing:
    """When (``at_epoch``) the frozen ``layers`` train again, and at which share of the rate."""

    at_epoch: int
    factor: float
    layers: list[str] = field(default_factory=list)
    done: bool = False

    @classmethod
    def plan(cls, spec, frozen: list[str]) -> "Unfreezing | None":
        """The unfreezing ``spec`` asks for, or None (no ``unfreeze_at_epoch``, nothing frozen,
        or an epoch after the last: ``spec.notes`` says so)."""
        if spec.unfreeze_at_epoch is None or not frozen or spec.unfreeze_at_epoch > spec.epochs:
            return None
        return cls(spec.unfreeze_at_epoch, spec.unfreeze_learning_rate_factor, list(frozen))

    @property
    def waiting(self) -> bool:
        """Whether the second stage is still to come (early stopping must not end the run)."""
        return not self.done

    def due(self, epoch: int) -> bool:
        """Whether the layers must be unfrozen before epoch ``epoch`` trains."""
        return not self.done and epoch >= self.at_epoch

    def note(self) -> str:
        names = ", ".join(self.layers)
        return (f"from epoch {self.at_epoch} the frozen layers ({names}) train too, at the learning"
                f" rate × {self.factor:g} (training.unfreeze_at_epoch)")

    def apply(self, trainer, epoch: int) -> None:
        """Before epoch ``epoch``: turn the layers' gradients on, let their BatchNorm statistics
        follow the data again, and say so in the run's notes (run.json, the end-of-run message).
        At epoch ``at_epoch`` itself (not when a continued run catches up) early stopping's
        patience starts again."""
        for node_id in self.layers:
            layer = getattr(trainer.module, node_id, None)
            if layer is not None:
                layer.requires_grad_(True)
        trainer.frozen = [node_id for node_id in trainer.frozen if node_id not in self.layers]
        trainer.notes.append(self.note())
        if epoch == self.at_epoch and trainer.tracker is not None:
            trainer.tracker.bad_epochs, trainer.tracker.stop_reason = 0, None
        if trainer.dist is not None:  # DistributedDataParallel syncs only the gradients it saw at first
            trainer.wrap_distributed()
        self.done = True
