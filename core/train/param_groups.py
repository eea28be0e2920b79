"""The optimiser's parameter groups: one per learning-rate multiplier, and the frozen layers
that a two-stage fine-tune unfreezes later.

A layer's ``lr_multiplier`` (:mod:`core.layers.lr_multiplier`) gives its weights the rate
``learning_rate × multiplier``; torch does that with parameter groups, each with its own
``lr``. Every group carries :data:`MULTIPLIER`, its rate divided by the run's rate, so
that a changed learning rate (the pause dialog) and the ``learning_rate`` column of
metrics.csv can be read from any group (:func:`base_learning_rate`).

The groups are built in an order fixed by the network alone (the module's parameter
order): a continued run builds the same groups, and the optimiser's saved state fits them.
With ``training.unfreeze_at_epoch`` the frozen layers' weights get groups of their own
from the start, at ``learning_rate × unfreeze_learning_rate_factor × multiplier``; they
stay idle (no gradient, so no step and no weight decay) until :mod:`core.train.unfreeze`
turns their gradients on. So the number and order of groups never change during a run,
and schedules move those rates with the others.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

#: The key each group carries: its learning rate divided by the run's (1 for plain groups).
MULTIPLIER = "lr_multiplier"


def split_by_multiplier(groups: Iterable[dict[str, Any]], multiplier_of: Callable[[Any], float],
                        default_lr: float) -> list[dict[str, Any]]:
    """``groups`` with each one split into one group per distinct multiplier of its parameters.

    A part's rate is its group's rate (``default_lr`` where the group names none) times the
    multiplier; its other settings are the group's. Within a group the part with multiplier 1
    comes first, then the others in the order their first parameter appears, so the result
    depends on the network only. Takes and returns torch's list-of-dicts form, so a GAN's two
    groups (generator, discriminator) can be split the same way.
    """
    out: list[dict[str, Any]] = []
    for group in groups:
        rate = group.get("lr", default_lr)
        own = group.get(MULTIPLIER, 1.0)
        parts: dict[float, list] = {1.0: []}
        for param in group["params"]:
            parts.setdefault(float(multiplier_of(param)), []).append(param)
        for multiplier, params in parts.items():
            if params:
                out.append({**group, "params": params, "lr": rate * multiplier,
                            MULTIPLIER: own * multiplier})
    return out


def parameter_multipliers(module, multipliers: dict[str, float]) -> dict[int, float]:
    """``{id(parameter): multiplier}`` for the layers (node ids, the module's top-level
    submodules) that ``multipliers`` names; the other parameters have 1."""
    out: dict[int, float] = {}
    for node_id, value in multipliers.items():
        layer = getattr(module, node_id, None)
        if layer is not None:
            for param in layer.parameters():
                out[id(param)] = value
    return out


def layer_parameters(module, node_ids: Iterable[str]) -> list:
    """The parameters of the layers ``node_ids``, in the module's parameter order."""
    wanted = set()
    for node_id in node_ids:
        layer = getattr(module, node_id, None)
        if layer is not None:
            wanted |= {id(p) for p in layer.parameters()}
    return [p for p in module.parameters() if id(p) in wanted]


def training_groups(module, learning_rate: float, multipliers: dict[str, float],
                    later: Iterable[str] = (), later_factor: float = 1.0) -> list[dict[str, Any]]:
    """The optimiser's groups for a network that is not a GAN.

    The trainable parameters (``requires_grad``) split by ``multipliers`` (``{node id:
    multiplier}``); then, when ``later`` names frozen layers that will be unfrozen, their
    parameters split the same way at ``learning_rate × later_factor``. With no multipliers
    and nothing later this is one group of every trainable parameter, as before.
    """
    per_param = parameter_multipliers(module, multipliers)
    multiplier_of = lambda p: per_param.get(id(p), 1.0)  # noqa: E731
    trainable = [p for p in module.parameters() if p.requires_grad]
    groups = split_by_multiplier([{"params": trainable}], multiplier_of, learning_rate)
    idle = [p for p in layer_parameters(module, later) if not p.requires_grad]
    if idle:
        groups += split_by_multiplier([{"params": idle, "lr": learning_rate * later_factor,
                                        MULTIPLIER: later_factor}], multiplier_of, learning_rate)
    return groups


def base_learning_rate(optimizer) -> float:
    """The run's learning rate now (schedules included): the first group's rate divided by
    its multiplier (a GAN's generator group has none: its own rate)."""
    group = optimizer.param_groups[0]
    return group["lr"] / group.get(MULTIPLIER, 1.0)


def gan_notes(spec) -> list[str]:
    """What a GAN leaves out: it does not unfreeze layers (its generator's and discriminator's
    groups are split by layer multipliers like any run's: ``core.train.adversarial``)."""
    notes = []
    if spec.unfreeze_at_epoch is not None:
        notes.append("training.unfreeze_at_epoch is ignored for a GAN: frozen layers stay frozen")
    return notes
