"""The optimiser registry: one :class:`OptimizerSpec` per ``training.optimizer`` name.

The spec says what the training form, the guide, the JSON schema and the standalone
``train.py`` need to know: the torch class, the default learning rate, the settings it
takes (and that a paused run may change), and whether PyTorch has a fused kernel for it.
Importing this module does not import torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from core.registry import Registry

#: Settings every optimiser takes (and a paused run may change), with LayerForge's names.
COMMON_SETTINGS = ("learning_rate", "weight_decay")


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimiser.

    ``settings``: the ``training`` keys beyond the common ones that it takes, passed to
    the torch class under the same keyword (``momentum``, ``nesterov``, ``betas``); a
    paused run may change them. ``fused``: PyTorch has a one-kernel step on CPU and CUDA
    (about twice as fast on a CPU); the others use the ``foreach`` implementation.
    ``state_tensors``: tensors of optimiser state per parameter, for the memory estimate.
    """

    name: str
    title: str
    doc: str
    torch_class: str
    default_learning_rate: float
    settings: tuple[str, ...] = ()
    fused: bool = False
    default_weight_decay: float = 0.0
    state_tensors: int = 2

    def build(self, params: Iterable, spec: Any, common_kwargs: dict[str, Any]):
        """``torch.optim.<torch_class>`` over ``params`` with ``spec``'s settings.

        ``spec`` is a :class:`core.train.spec.TrainSpec` (or anything with the settings as
        attributes); ``common_kwargs`` holds ``lr``, ``weight_decay`` and the kernel choice.
        """
        import torch

        extra = {key: getattr(spec, key) for key in self.settings}
        return getattr(torch.optim, self.torch_class)(params, **extra, **common_kwargs)


OPTIMIZERS: Registry[OptimizerSpec] = Registry("optimizer")

OPTIMIZERS.register(OptimizerSpec(
    "sgd", "SGD", "Steps downhill along the gradient of each batch, with optional momentum.",
    "SGD", 0.01, ("momentum", "nesterov"), fused=True, state_tensors=1))
OPTIMIZERS.register(OptimizerSpec(
    "adam", "Adam", "Adapts the step size of every weight from running averages of its gradients.",
    "Adam", 0.001, ("betas",), fused=True))
OPTIMIZERS.register(OptimizerSpec(
    "adamw", "AdamW", "Adam with decoupled weight decay: the usual choice for Transformers.",
    "AdamW", 0.001, ("betas",), fused=True, default_weight_decay=0.01))
OPTIMIZERS.register(OptimizerSpec(
    "rmsprop", "RMSprop", "Divides each step by a running root-mean-square of recent gradients.",
    "RMSprop", 0.001, ("momentum",)))
OPTIMIZERS.register(OptimizerSpec(
    "adagrad", "Adagrad", "Shrinks each weight's steps by the sum of all its past squared gradients.",
    "Adagrad", 0.01, fused=True, state_tensors=1))


def taking(setting: str) -> tuple[str, ...]:
    """The optimisers that take ``setting`` (``momentum`` -> ``('sgd', 'rmsprop')``)."""
    return tuple(spec.name for spec in OPTIMIZERS if setting in spec.settings)


def extra_settings() -> tuple[str, ...]:
    """The settings beyond the common ones that some optimiser takes (momentum, nesterov, betas)."""
    return tuple(dict.fromkeys(k for spec in OPTIMIZERS for k in spec.settings))


def live_settings() -> tuple[str, ...]:
    """Every setting some optimiser lets a paused run change, the common ones first."""
    return COMMON_SETTINGS + extra_settings()
