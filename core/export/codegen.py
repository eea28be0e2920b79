"""``model.py`` from a built network: a plain ``nn.Module`` a person could have written.

The built module is a ``torch.fx.GraphModule`` whose submodules are named by node id
and whose graph lists them in topological order. From it this writes:

- the network class: ``__init__`` assigns one attribute per layer (``self.fc1 =
  nn.Linear(in_features=2, out_features=64, bias=True)``), ``forward`` calls them in
  order with the node ids as variable names and the shape of each result as a comment;
- only the LayerForge classes it uses (``Add``, ``Recurrent``...), copied from
  :mod:`core.layers.torch_modules`, which imports nothing but torch for this reason;
- a ``Predictor`` wrapper holding the preprocessing (input scaling in; softmax,
  sigmoid or target unscaling out), written for this model only;
- ``load_model()``, which reads ``weights.safetensors`` and ``preprocessing.json``.

Every constructor call is checked by rebuilding the layer from the text and comparing
it with the original, so a layer the generator cannot express is an error naming the
node, never a silently different model.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any, Callable

from core import __version__
from core.errors import ExportError

#: Names the network's ``forward`` must not rebind.
_FORWARD_RESERVED = {"self"}
_COMMENT_COLUMN = 48


# ---------------------------------------------------------------------- constructor calls
def _custom_classes():
    from core.layers import torch_modules

    return {name: cls for name, cls in vars(torch_modules).items()
            if inspect.isclass(cls) and cls.__module__ == torch_modules.__name__}


def _kwargs(**values: Any) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in values.items())


def _recurrent(m) -> str:
    cell = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}[m.rnn.mode]
    values = dict(cell=cell, input_size=m.rnn.input_size, hidden_size=m.rnn.hidden_size,
                  num_layers=m.rnn.num_layers, bidirectional=m.rnn.bidirectional,
                  dropout=float(m.rnn.dropout), return_sequences=m.return_sequences)
    if cell == "RNN":
        values["nonlinearity"] = "relu" if m.rnn.mode == "RNN_RELU" else "tanh"
    return f"Recurrent({_kwargs(**values)})"


def _transformer_layer(m, cls: str = "nn.TransformerEncoderLayer") -> str:
    activation = {1: "relu", 2: "gelu"}.get(getattr(m, "activation_relu_or_gelu", 0))
    if activation is None:
        raise ValueError("its activation is neither relu nor gelu")
    return cls + "(" + _kwargs(
        d_model=m.self_attn.embed_dim, nhead=m.self_attn.num_heads,
        dim_feedforward=m.linear1.out_features, dropout=float(m.dropout.p), activation=activation,
        layer_norm_eps=float(m.norm1.eps), batch_first=bool(m.self_attn.batch_first),
        norm_first=bool(m.norm_first), bias=m.linear1.bias is not None) + ")"


#: Class name -> how to write its constructor call; other layers use ``nn.`` + their repr.
_SPECIAL: dict[str, Callable[[Any], str]] = {
    "Add": lambda m: "Add()",
    "Multiply": lambda m: "Multiply()",
    "Concat": lambda m: f"Concat(dim={m.dim!r})",
    "Reshape": lambda m: f"Reshape(shape={m.shape!r})",
    "Columns": lambda m: f"Columns(indices={m.indices!r})",
    "Recurrent": _recurrent,
    "SelfAttention": lambda m: "SelfAttention(" + _kwargs(
        embed_dim=m.attention.embed_dim, num_heads=m.attention.num_heads,
        dropout=float(m.attention.dropout), bias=m.attention.in_proj_bias is not None) + ")",
    "TokenEmbedding": lambda m: "TokenEmbedding(" + _kwargs(
        num_embeddings=m.embedding.num_embeddings, embedding_dim=m.embedding.embedding_dim,
        padding_idx=m.embedding.padding_idx) + ")",
    "Head": lambda m: f"Head({_kwargs(in_features=m.linear.in_features, target_shape=m.target_shape)})",
    "TransformerEncoderLayer": _transformer_layer,
    "PaddedTransformerEncoderLayer": lambda m: _transformer_layer(m, "PaddedTransformerEncoderLayer"),
    "SequencePool": lambda m: f"SequencePool(mode={m.mode!r})",
    "LastStep": lambda m: "LastStep()",
    "PositionalEncoding": lambda m: "PositionalEncoding(" + _kwargs(
        d_model=m.d_model, max_len=m.max_len, kind=m.kind, dropout=float(m.dropout.p)) + ")",
    "Permute": lambda m: f"Permute(dims={list(m.dims)!r})",
    "Sample": lambda m: f"Sample({_kwargs(kl_weight=m.kl_weight, warmup_epochs=m.warmup_epochs)})",
}


def constructor_call(module, node_id: str = "?") -> str:
    """Python that builds a module like ``module`` (same class, settings and weight shapes)."""
    from torch import nn

    name = type(module).__name__
    try:
        if name in _SPECIAL:
            text = _SPECIAL[name](module)
        elif getattr(nn, name, None) is type(module) and not list(module.children()):
            text = "nn." + repr(module)
        else:
            raise ValueError(f"{name} is not a layer the generator knows")
        _check_rebuilds(text, module)
    except Exception as err:  # noqa: BLE001 - any failure means we cannot write this layer
        raise ExportError(f"the standalone code cannot express layer {node_id!r} ({name}): {err};"
                          " export it as .pt2 or ONNX instead") from None
    return text


def _check_rebuilds(text: str, module) -> None:
    import torch
    from torch import nn

    namespace = {"nn": nn, "torch": torch, **_custom_classes()}
    with torch.device("meta"):
        again = eval(text, namespace)  # noqa: S307 - text we generated, checked right here
    same = (type(again) is type(module) and repr(again) == repr(module)
            and {k: tuple(v.shape) for k, v in again.state_dict().items()}
            == {k: tuple(v.shape) for k, v in module.state_dict().items()})
    if not same:
        raise ValueError(f"rebuilding it from {text!r} gives a different layer")


# ---------------------------------------------------------------------- the source text
def class_name_for(project_name: str) -> str:
    """``Spiral MLP`` -> ``SpiralMLP``; ``Network`` when nothing usable is left."""
    words = re.findall(r"[A-Za-z0-9]+", project_name)
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name or not name[0].isalpha() or name in ("Predictor", "Path"):
        name = "Network" + name
    return name


def _shape(shape) -> str:
    return "(N, " + ", ".join(str(s) for s in shape) + ")" if shape else "(N,)"


def _with_comment(code: str, comment: str | None) -> str:
    if not comment:
        return code
    return f"{code.ljust(_COMMENT_COLUMN)}  # {comment}" if len(code) < _COMMENT_COLUMN else f"{code}  # {comment}"


def network_class(graph_module, class_name: str, title: str, shapes: dict[str, tuple],
                  layer_types: dict[str, str]) -> tuple[str, list[str]]:
    """The network's class source and the names of the LayerForge classes it needs."""
    init, forward, needed = [], [], []
    custom = _custom_classes()
    names: dict[Any, str] = {}
    input_name = "x"
    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            input_name = _variable(str(node.target))
            names[node] = input_name
        elif node.op == "call_module":
            node_id = str(node.target)
            module = graph_module.get_submodule(node_id)
            call = constructor_call(module, node_id)
            class_used = call.split("(", 1)[0]
            if class_used in custom and class_used not in needed:
                needed.append(class_used)
            kind = layer_types.get(node_id)
            note = f"{kind} layer" if kind and kind != type(module).__name__ else None
            init.append(_with_comment(f"        self.{node_id} = {call}", note))
            var = _variable(node_id)
            args = ", ".join(names[a] for a in node.args)
            names[node] = var
            forward.append(_with_comment(f"        {var} = self.{node_id}({args})",
                                         _shape(shapes.get(node_id)) if node_id in shapes else None))
        elif node.op == "output":
            forward.append(f"        return {names[node.args[0]]}")
        else:  # pragma: no cover - build() makes only the three kinds above
            raise ExportError(f"the network holds a {node.op} step the generator cannot write")
    input_shape = next((shapes[str(n.target)] for n in graph_module.graph.nodes
                        if n.op == "placeholder" and str(n.target) in shapes), None)
    lines = [f"class {class_name}(nn.Module):",
             f'    """The layers of "{title}" in the order they run; attribute names are the node ids."""',
             "",
             "    def __init__(self):",
             "        super().__init__()",
             *init,
             "",
             _with_comment(f"    def forward(self, {input_name}):",
                           _shape(input_shape) if input_shape else None),
             *forward]
    ordered = [name for name in custom if name in needed]
    return "\n".join(lines) + "\n", ordered


def _variable(node_id: str) -> str:
    return node_id + "_" if node_id in _FORWARD_RESERVED else node_id


def copied_classes(names: list[str]) -> str:
    """The source of the LayerForge classes ``names``, as in core/layers/torch_modules.py."""
    custom = _custom_classes()
    return "\n\n".join(inspect.getsource(custom[name]).rstrip() + "\n" for name in names)


def predictor_class(class_name: str, preprocessing: dict[str, Any], task: str, activation: str,
                    class_names: list[str] | None, target_names: list[str]) -> str:
    """The wrapper that adds this model's preprocessing, with only the steps it needs."""
    scaling = preprocessing.get("input_scaling")
    image = preprocessing.get("kind") == "image" or len(preprocessing.get("input_shape") or []) == 3
    target = preprocessing.get("target_scaling") if task == "regression" else None
    binary = activation == "sigmoid" and task == "classification"
    what = {"classification": "class probabilities", "multilabel": "label probabilities",
            "regression": "values in the target's own units",
            "reconstruction": "the reconstructed input"}.get(task, "outputs")
    given = ("pixels in [0, 1], channels first" if image
             else "the encoded features in preprocessing.json's feature_names order, unscaled")
    lines = [
        "class Predictor(nn.Module):",
        f'    """Encoded input -> {what}: `{class_name}` with its preprocessing.',
        "",
        f"    Input: {_shape(preprocessing.get('input_shape'))} float32, {given}.",
    ]
    if task == "classification":
        lines.append(f"    Output: (N, {len(class_names or [])}) probabilities, one per CLASS_NAMES entry.")
    elif task in ("regression", "multilabel"):
        lines.append(f"    Output: (N, {len(target_names)}) values, one per TARGET_NAMES entry.")
    lines += ['    """', ""]
    if class_names:
        lines.append(f"    CLASS_NAMES = {json.dumps(class_names, ensure_ascii=False)}")
    if target_names:
        lines.append(f"    TARGET_NAMES = {json.dumps(target_names, ensure_ascii=False)}")
    if class_names or target_names:
        lines.append("")
    lines += ["    def __init__(self, network: nn.Module, preprocessing: dict):",
              "        super().__init__()",
              "        self.network = network"]
    if scaling:
        per = "channel" if image else "feature"
        shape = "(-1, 1, 1)" if image else "(-1,)"
        lines += [f"        scaling = preprocessing[\"input_scaling\"]  # one mean and scale per {per}",
                  f"        scale = torch.tensor(scaling[\"scale\"], dtype=torch.float32).reshape{shape}",
                  "        scale[scale == 0] = 1  # a constant feature stays as it is",
                  "        self.register_buffer(\"input_mean\", torch.tensor(scaling[\"mean\"],"
                  f" dtype=torch.float32).reshape{shape})",
                  "        self.register_buffer(\"input_scale\", scale)"]
    if target:
        lines += ["        target = preprocessing[\"target_scaling\"]  # the targets were trained scaled",
                  "        self.register_buffer(\"target_mean\", torch.tensor(target[\"mean\"], dtype=torch.float32))",
                  "        self.register_buffer(\"target_scale\", torch.tensor(target[\"scale\"], dtype=torch.float32))"]
    lines += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    if scaling:
        lines.append("        x = (x - self.input_mean) / self.input_scale")
    if activation == "softmax":
        lines += ["        logits = self.network(x)", "        return torch.softmax(logits, dim=1)"]
    elif binary:
        lines += ["        logits = self.network(x)  # one logit: the second class",
                  "        p = torch.sigmoid(logits)",
                  "        return torch.cat([1 - p, p], dim=1)"]
    elif activation == "sigmoid":
        lines += ["        logits = self.network(x)", "        return torch.sigmoid(logits)"]
    elif target:
        lines += ["        out = self.network(x)",
                  "        return out * self.target_scale + self.target_mean"]
    else:
        lines.append("        return self.network(x)")
    return "\n".join(lines) + "\n"


_HEADER = '''"""{title}: the network designed and trained in LayerForge, as plain PyTorch.

Generated by LayerForge {version} from the run {run}. It needs torch, and safetensors
to read the weights; LayerForge itself is not needed.

    import model
    predictor = model.load_model()   # weights.safetensors + preprocessing.json from this folder
    outputs = predictor(x)           # x: {input} float32; see README.md

`{cls}` is the network, one attribute per layer of the design; `Predictor` adds the
preprocessing around it.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent

#: The settings LayerForge trained with; train.py uses them as its defaults.
TRAINING = {training}
'''

_LOADER = '''def load_model(folder: str | Path = HERE, device: str = "cpu") -> Predictor:
    """The trained model in eval mode: `{cls}` with its weights, wrapped in `Predictor`."""
    from safetensors.torch import load_file

    folder = Path(folder)
    preprocessing = json.loads((folder / "preprocessing.json").read_text(encoding="utf-8"))
    network = {cls}()
    network.load_state_dict(load_file(str(folder / "weights.safetensors")))
    return Predictor(network, preprocessing).to(device).eval()
'''


def model_source(trained, shapes: dict[str, tuple], run_name: str) -> str:
    """The whole ``model.py`` for a trained model."""
    title = trained.project.name
    cls = class_name_for(title)
    layer_types = {nid: node.type for nid, node in trained.project.graph.nodes.items()}
    network, needed = network_class(trained.module, cls, title, shapes, layer_types)
    training = training_defaults(trained)
    parts = [_HEADER.format(title=title.replace('"', "'"), version=__version__, run=run_name,
                            input=_shape(trained.info.input_shape), cls=cls,
                            training=_python_literal(training))]
    if needed:
        parts.append("\n# Layers LayerForge adds to torch.nn (copied from LayerForge, torch only).\n\n"
                     + copied_classes(needed))
    parts.append(network)
    parts.append(predictor_class(cls, trained.preprocessing, trained.info.task,
                                 trained.output_activation, trained.info.class_names,
                                 list(trained.info.target_names or [])))
    parts.append(_LOADER.format(cls=cls))
    return "\n\n".join(part.rstrip("\n") + "\n" for part in parts)


def training_defaults(trained) -> dict[str, Any]:
    """The resolved training settings train.py needs (loss, optimiser, batch size...)."""
    resolved = trained.spec.to_dict()
    keys = ("epochs", "batch_size", "optimizer", "learning_rate", "momentum", "nesterov", "betas",
            "weight_decay", "gradient_clip", "label_smoothing", "huber_delta", "seed")
    values = {key: resolved.get(key) for key in keys}
    values["loss"] = trained.run.get("loss") or resolved.get("loss")
    values["output_activation"] = trained.output_activation
    values["task"] = trained.info.task
    return values


def _python_literal(value: dict[str, Any]) -> str:
    """A dict of plain values as Python source, one entry per line."""
    return "{\n" + "".join(f"    {key!r}: {item!r},\n" for key, item in value.items()) + "}"
