"""One real training step of a project's network on one sample, recorded as numpy arrays.

The network, its loss and its optimiser are built as a run builds them
(:mod:`core.train.setup`, :mod:`core.train.head_losses`, :func:`core.train.optim.make_optimizer`),
on the CPU in float32. Forward hooks keep every layer's inputs and outputs; full backward
hooks keep the gradient arriving at each layer's output and the one it passes back to its
inputs; the weights are copied before and after one optimiser step. Torch runs only here,
so the designer calls this in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import LayerForgeError


class StepThroughError(LayerForgeError):
    """A network or sample that cannot be stepped through, in one sentence."""


@dataclass
class Record:
    """Everything one training step computed, for one sample (batch dimension dropped)."""

    order: list[str]  # node ids in the module's execution order, Inputs first
    types: dict[str, str]
    params: dict[str, dict[str, Any]]  # each node's effective parameters
    sources: dict[str, list[str]]  # each node's input nodes, in port order
    inputs: dict[str, list[np.ndarray]]  # what each layer received
    outputs: dict[str, np.ndarray]
    output_grads: dict[str, np.ndarray]  # dL/d(output) of each node
    input_grads: dict[str, list[np.ndarray | None]]  # dL/d(input) each layer passed back
    weights: dict[str, list[str]]  # node -> its parameter keys ("fc1.weight")
    before: dict[str, np.ndarray]
    grads: dict[str, np.ndarray | None]  # None: frozen (no gradient)
    after: dict[str, np.ndarray]
    loss_before: float
    loss_after: float
    output_after: np.ndarray | None  # the primary head's output after the step
    heads: list[str]  # the Output node ids, in the module's order
    primary: str
    loss_name: str
    target: np.ndarray | None  # the primary head's target as the loss takes it
    label: int | None  # the true class (classification)
    class_names: list[str]
    feature_names: list[str]
    scaled: bool  # the inputs were scaled by the data's preprocessing
    optimizer: str
    learning_rate: float
    weight_decay: float
    momentum: float
    batch_size: int
    epochs: int
    label_smoothing: float
    seed: int
    notes: list[str] = field(default_factory=list)
    sample: int = 0  # its row in the training split
    sample_count: int = 0  # training samples there are


def record_step(project, dataset, sample: int, weights: dict[str, np.ndarray] | None = None,
                limit: int | None = None) -> Record:
    """Build ``project``'s network as a run does, run sample ``sample`` of the training split
    forward and backward, take one optimiser step, and return every number."""
    import torch

    from core.heads import heads_of
    from core.shapes import ShapeInference
    from core.train.checkpoint import seed_everything
    from core.train.head_losses import HeadObjectives, aux_loss_layers
    from core.train.optim import make_optimizer
    from core.train.setup import build_module, freeze, init_from
    from core.train.spec import TrainSpec
    from core.build import check_buildable
    from core.layers import REGISTRY

    info = dataset.info
    training = dict(project.training or {})
    spec = TrainSpec.from_dict(training, info)
    analysis = check_buildable(project.graph, info.shapes(spec.loss),
                               ShapeInference().analyze(project.graph, info.shapes(spec.loss)))
    if limit is not None and analysis.total_params > limit:
        from core.stepthrough import too_big

        raise StepThroughError(too_big(analysis.total_params, limit))
    train = dataset.train
    if train is None or len(train) == 0:
        raise StepThroughError("the data has no training samples: check the data and its split")
    if not 0 <= sample < len(train):
        raise StepThroughError(f"there is no training sample {sample}: the training data has"
                               f" {len(train)} samples, numbered 0 to {len(train) - 1}")
    notes: list[str] = []
    seed_everything(spec.seed)
    module = build_module(project.graph, info, spec, analysis).float()
    frozen = freeze(module, project.graph)
    if spec.init_from:
        notes.append(init_from(module, spec.init_from, project.directory))
    if weights:
        _load(module, weights)
    module.train()
    for layer in module.modules():
        if isinstance(layer, torch.nn.modules.batchnorm._BatchNorm):
            layer.eval()  # one sample has no batch statistics
            notes.append("BatchNorm layers use their running averages here: one sample has no"
                         " batch statistics")
            break
    heads = HeadObjectives.create(heads_of(project.graph), info, spec, dataset.preprocessing)
    aux = aux_loss_layers(module)
    for _name, layer in aux:
        layer.collect = True
    heads.aux = [name for name, _layer in aux]
    loss_fn = heads.loss([layer for _name, layer in aux])

    x = torch.from_numpy(np.ascontiguousarray(train.x[sample:sample + 1], np.float32)).requires_grad_(True)
    y_rows = None if train.y is None else np.asarray(train.y[sample:sample + 1])
    y = heads.batch_targets(y_rows)

    inputs: dict[str, list[np.ndarray]] = {}
    outputs: dict[str, np.ndarray] = {}
    output_grads: dict[str, np.ndarray] = {}
    input_grads: dict[str, list[np.ndarray | None]] = {}
    hooks = []
    children = dict(module.named_children())
    for name, child in children.items():
        hooks.append(child.register_forward_hook(_keep_forward(name, inputs, outputs)))
        hooks.append(child.register_full_backward_hook(_keep_backward(name, input_grads, output_grads)))
    try:
        torch.manual_seed(spec.seed)  # the same dropout mask before and after the step
        out = module(x)
        loss = loss_fn(out, x.detach(), y)
        value_before = float(loss.detach())
        loss.backward()
    finally:
        for hook in hooks:
            hook.remove()

    keys: dict[str, list[str]] = {}
    before, grads = {}, {}
    for name, child in children.items():
        for pname, parameter in child.named_parameters():
            key = f"{name}.{pname}"
            keys.setdefault(name, []).append(key)
            before[key] = _numpy(parameter)
            grads[key] = None if parameter.grad is None else _numpy(parameter.grad)
    trainable = [p for p in module.parameters() if p.requires_grad]
    if not trainable:
        raise StepThroughError("every layer is frozen or has no weights: there is nothing to train")
    if spec.gradient_clip is not None:
        torch.nn.utils.clip_grad_norm_(trainable, spec.gradient_clip)
        notes.append(f"the gradients were clipped to a total length of {spec.gradient_clip:g}"
                     " before the step (training.gradient_clip)")
    optimizer = make_optimizer(trainable, spec, "cpu")
    optimizer.step()
    after = {f"{name}.{pname}": _numpy(parameter) for name, child in children.items()
             for pname, parameter in child.named_parameters()}
    with torch.no_grad():
        torch.manual_seed(spec.seed)
        out_after = module(x.detach())
        value_after = float(loss_fn(out_after, x.detach(), y))

    graph = project.graph
    head_ids = [h.node_id for h in heads.heads]
    primary = head_ids[heads.primary]
    order = _order(graph, analysis.order, children)
    x_sample = _numpy(x)[0]
    for node_id in order:
        if node_id not in outputs:  # an Input without columns: the sample itself
            outputs[node_id] = x_sample
            inputs[node_id] = []
    input_grad = None if x.grad is None else _numpy(x.grad)[0]
    for node_id in order:
        if graph.nodes[node_id].type == "Input" and node_id not in output_grads and input_grad is not None:
            output_grads[node_id] = input_grad
    objective = heads.objectives[heads.primary]
    target = None
    if y is not None:
        target_tensor = y if heads.single else objective.batch_targets(y)
        target = np.asarray(target_tensor.detach().cpu().numpy(), np.float32)[0]
    label = int(y_rows.reshape(-1)[0]) if (y_rows is not None and objective.targets == "classes") else None
    primary_after = out_after if heads.single else out_after[heads.primary]
    scaling = (dataset.preprocessing or {}).get("input_scaling")
    return Record(
        order=order,
        types={n: graph.nodes[n].type for n in order},
        params={n: REGISTRY.get(graph.nodes[n].type).effective_params(graph.nodes[n].params) for n in order},
        sources={n: [e.source for e in graph.incoming(n)] for n in order},
        inputs=inputs, outputs=outputs, output_grads=output_grads, input_grads=input_grads,
        weights=keys, before=before, grads={k: (None if _frozen(k, frozen) else g) for k, g in grads.items()},
        after=after, loss_before=value_before, loss_after=value_after,
        output_after=_numpy(primary_after)[0], heads=head_ids, primary=primary,
        loss_name=objective.loss_name, target=target, label=label,
        class_names=list(info.class_names or []), feature_names=list(info.feature_names or []),
        scaled=bool(scaling), optimizer=spec.optimizer, learning_rate=spec.learning_rate,
        weight_decay=spec.weight_decay, momentum=spec.momentum, batch_size=spec.batch_size,
        epochs=spec.epochs, label_smoothing=spec.label_smoothing, seed=spec.seed,
        notes=list(dict.fromkeys(notes)), sample=sample, sample_count=len(train))


def _keep_forward(name: str, inputs: dict, outputs: dict):
    def hook(_module, args, out) -> None:
        import torch

        inputs[name] = [_numpy(a)[0] for a in args if isinstance(a, torch.Tensor)]
        if isinstance(out, torch.Tensor):
            outputs[name] = _numpy(out)[0]
    return hook


def _keep_backward(name: str, input_grads: dict, output_grads: dict):
    def hook(_module, grad_input, grad_output) -> None:
        if grad_output and grad_output[0] is not None:
            output_grads[name] = _numpy(grad_output[0])[0]
        input_grads[name] = [None if g is None else _numpy(g)[0] for g in grad_input]
    return hook


def _numpy(tensor) -> np.ndarray:
    return tensor.detach().cpu().float().numpy().copy()


def _frozen(key: str, frozen: list[str]) -> bool:
    return key.split(".", 1)[0] in frozen


def _order(graph, analysis_order: list[str], children: dict) -> list[str]:
    """The nodes the module runs, Inputs first, in the analysis's topological order."""
    kept = [n for n in analysis_order if n in children or graph.nodes[n].type == "Input"]
    return ([n for n in kept if graph.nodes[n].type == "Input"]
            + [n for n in kept if graph.nodes[n].type != "Input"])


def _load(module, weights: dict[str, np.ndarray]) -> None:
    """Set the named tensors (``fc1.weight``) to the given values; a wrong name or shape is a
    sentence."""
    import torch

    own = module.state_dict()
    with torch.no_grad():
        for key, value in weights.items():
            if key not in own:
                raise StepThroughError(f"the network has no weight {key!r}: its weights are "
                                       + ", ".join(sorted(own)))
            value = torch.as_tensor(np.asarray(value, np.float32))
            if tuple(value.shape) != tuple(own[key].shape):
                raise StepThroughError(f"weight {key!r} has the shape {tuple(own[key].shape)}, not"
                                       f" {tuple(value.shape)}")
            own[key].copy_(value)
