"""WeightsCopier: the best weights copied as ``detached_copy(module.state_dict())`` would
copy them (keys, order, values), following weights that are assigned anew."""

from __future__ import annotations

import torch
from torch import nn

from core.layers.torch_modules import Columns
from core.train.checkpoint import detached_copy
from core.train.weights_copy import WeightsCopier


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pick = Columns([0, 2, 3])  # a buffer left out of the state dict
        self.fc = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)  # running statistics and a counter
        self.shared = nn.Linear(4, 4)
        self.again = self.shared  # one layer under two names, as state_dict() lists it
        self.head = nn.Linear(4, 2, bias=False)

    def forward(self, x):
        return self.head(self.again(self.shared(self.norm(self.fc(self.pick(x))))))


def _same(copy: dict, module: nn.Module) -> bool:
    plain = detached_copy(module.state_dict())
    return (list(copy) == list(plain)
            and all(torch.equal(copy[k], plain[k]) and copy[k].dtype == plain[k].dtype for k in plain))


def _train_a_step(module: nn.Module) -> None:
    module.train()
    module(torch.randn(8, 4)).square().mean().backward()
    with torch.no_grad():
        for p in module.parameters():
            p -= 0.1 * p.grad


def test_a_copy_equals_the_state_dicts_and_stays_apart_from_the_module():
    torch.manual_seed(0)
    module = Net()
    copier = WeightsCopier(module)
    _train_a_step(module)
    first = copier()
    assert not copier._plain  # the tensors were found without state_dict()
    assert _same(first, module)
    assert "pick.index" not in first and "norm.num_batches_tracked" in first and "again.weight" in first
    assert not any(t.requires_grad for t in first.values())
    kept = {k: v.clone() for k, v in first.items()}
    _train_a_step(module)  # the module moves on; the copy does not
    assert all(torch.equal(first[k], kept[k]) for k in kept)
    assert not torch.equal(first["fc.weight"], module.fc.weight.detach())
    assert _same(copier(), module)


def test_weights_and_buffers_assigned_anew_are_the_ones_copied():
    module = Net()
    copier = WeightsCopier(module)
    copier()
    module.norm.running_mean = torch.full((4,), 7.0)  # a buffer replaced (as module.to does)
    module.fc.weight = nn.Parameter(torch.ones(4, 3))
    copy = copier()
    assert torch.equal(copy["norm.running_mean"], torch.full((4,), 7.0))
    assert torch.equal(copy["fc.weight"], torch.ones(4, 3))
    assert _same(copy, module)


def test_a_removed_weight_and_a_state_dict_hook_are_copied_the_plain_way():
    module = Net()
    copier = WeightsCopier(module)
    copier()
    module.head.weight = None  # the dict's key stays, its value None: state_dict leaves it out
    del module.head._parameters["weight"]
    assert _same(copier(), module)

    hooked = Net()
    hooked.fc._register_state_dict_hook(lambda mod, state, prefix, local: state.update(
        {prefix + "note": torch.zeros(1)}))
    copier = WeightsCopier(hooked)
    copy = copier()
    assert copier._plain and "fc.note" in copy and _same(copy, hooked)
