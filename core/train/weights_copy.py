"""A copy of a module's weights on the CPU, as ``detached_copy(module.state_dict())`` gives,
without walking the module each time.

Why: the best epoch's weights are copied after every epoch that improves, and on a small
table most epochs do; ``state_dict()`` walks every submodule in Python (about 20 us on a
few-layer network, as much as the copy itself), which on epochs of a few milliseconds
counts (issue 16). Where each tensor of the state dict lives is found once: the
``_parameters`` or ``_buffers`` dict of its submodule and its key there. Each copy reads
the tensors from those dicts, so a weight or buffer that is assigned anew (``module.to``
replaces buffers) is the one copied. A module the walk cannot describe this way (state
dict hooks, extra state, or keys that do not match ``state_dict()``'s) is copied the
plain way, every time.
"""

from __future__ import annotations

from typing import Any

from core.train.checkpoint import detached_copy


class WeightsCopier:
    """``copier()`` is ``detached_copy(module.state_dict())``, the same keys, order and values."""

    def __init__(self, module) -> None:
        self.module = module
        self._slots: list[tuple[str, dict, str]] | None = None
        self._plain = False  # the module is copied through state_dict() every time

    def __call__(self) -> dict[str, Any]:
        import torch

        if not self._plain and self._slots is None:
            self._slots = _state_slots(self.module)
            self._plain = self._slots is None
        if self._plain:
            return detached_copy(self.module.state_dict())
        try:
            tensors = [owner[key] for _name, owner, key in self._slots]
        except KeyError:  # a weight was removed: the module changed shape, look again
            self._slots = None
            return self()
        if not tensors or not all(t.is_cpu for t in tensors):
            return detached_copy(dict(zip((name for name, _o, _k in self._slots), tensors)))
        with torch.no_grad():
            copies = torch._foreach_clone(tensors)
        return dict(zip((name for name, _owner, _key in self._slots), copies))


def _state_slots(module) -> list[tuple[str, dict, str]] | None:
    """(state dict key, owner dict, key in it) of each tensor ``module.state_dict()`` holds,
    in its order; None where a module customises its state dict."""
    from torch import nn

    slots = []
    for prefix, sub in module.named_modules(remove_duplicate=False):
        if (sub._state_dict_hooks or sub._state_dict_pre_hooks
                or type(sub).get_extra_state is not nn.Module.get_extra_state
                or type(sub)._save_to_state_dict is not nn.Module._save_to_state_dict):
            return None
        dot = f"{prefix}." if prefix else ""
        slots.extend((dot + key, sub._parameters, key) for key, value in sub._parameters.items()
                     if value is not None)
        slots.extend((dot + key, sub._buffers, key) for key, value in sub._buffers.items()
                     if value is not None and key not in sub._non_persistent_buffers_set)
    if [name for name, _owner, _key in slots] != list(module.state_dict().keys()):
        return None
    return slots
