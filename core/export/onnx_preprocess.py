"""The raw-columns ONNX model: the table encoding as ONNX ops in front of the network.

``NAME.onnx`` takes the encoded feature vector; ``NAME.raw.onnx``, written beside it for
CSV table runs, takes the CSV's feature columns as they are, one graph input per column,
named after it, each of shape ``(N,)``:

- a numeric column is float32; NaN or ±inf (a missing cell) becomes the training fill
  value (``IsNaN``/``IsInf``/``Where``);
- a categorical column is a string tensor; each category is recognised with
  ``RegexFullMatch`` (surrounding whitespace ignored, as LayerForge strips cells), a cell
  in :data:`core.data.encoder.NULL_VALUES` counts as missing and becomes the fill
  category; one-hot columns are the matches cast to float, code columns the matched
  index (``MatMul`` with the indices), an unseen category all zeros / the fill code.

The features are concatenated in feature order and fed to the unchanged network, whose
input scaling and output activation are inside it. Only standard ``ai.onnx`` ops of
opset 20 are used (``RegexFullMatch`` is new in 20), so ONNX Runtime 1.17+ runs it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from core.data import encoder
from core.errors import ExportError

RAW_SUFFIX = ".raw.onnx"
#: metadata_props key: the graph inputs in order, ``[{"name", "type"}]`` (JSON).
RAW_INPUTS_KEY = "layerforge.raw_inputs"
MIN_OPSET = 20
_NET_PREFIX = "lf_net/"
_OWN_PREFIX = "lf_raw/"
#: Every character Python's ``str.strip()`` removes, as an RE2 class (ONNX Runtime's
#: RegexFullMatch is RE2): ``\s`` alone would miss no-break and other Unicode spaces.
_SPACE = (r"[\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
          r"\x{202f}\x{205f}\x{3000}]*")


def raw_path(path: Path) -> Path:
    """``model.onnx`` -> ``model.raw.onnx`` (beside it)."""
    path = Path(path)
    stem = path.name[:-len(".onnx")] if path.name.lower().endswith(".onnx") else path.name
    return path.with_name(stem + RAW_SUFFIX)


def has_raw_model(pre: Mapping[str, Any]) -> bool:
    """A raw-columns model is made for CSV table runs (not time series, images, built-ins),
    except tables with text columns: their tokenizer is not made of standard ONNX ops, so
    their text is encoded into token ids before the (encoded-input) model."""
    columns = (pre.get("table") or {}).get("columns") or []
    return (pre.get("kind") == "table" and bool(columns)
            and not any(encoder.is_text(c) for c in columns))


def raw_inputs(columns: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The graph inputs: ``{"name": column, "type": "float32" | "string"}`` in feature order."""
    return [{"name": c["name"], "type": "float32" if c.get("type") == encoder.NUMERIC else "string"}
            for c in columns]


def literal(text: str) -> str:
    """``text`` as an RE2 pattern matching exactly it (every non-alphanumeric escaped)."""
    return "".join(ch if ch.isascii() and ch.isalnum() else f"\\x{{{ord(ch):x}}}" for ch in text)


def cell_pattern(category: str) -> str:
    return f"{_SPACE}{literal(category)}{_SPACE}"


def missing_pattern() -> str:
    return f"{_SPACE}(?:{'|'.join(literal(v) for v in encoder.NULL_VALUES)}){_SPACE}"


class _Graph:
    """Nodes and constants of the preprocessing part, with names of their own."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self.count = 0

    def name(self, hint: str) -> str:
        self.count += 1
        return f"{_OWN_PREFIX}{self.count}_{hint}"

    def const(self, value: np.ndarray, hint: str = "const") -> str:
        from onnx import numpy_helper

        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str = "", **attrs) -> str:
        from onnx import helper

        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def _numeric(graph: _Graph, column: Mapping[str, Any], axes: str) -> str:
    name = column["name"]
    fill = column.get("fill")
    bad = graph.op("Or", [graph.op("IsNaN", [name]), graph.op("IsInf", [name])], "missing")
    filled = graph.op("Where", [bad, graph.const(np.float32(fill if fill is not None else 0.0), "fill"),
                                name], "filled")
    return graph.op("Unsqueeze", [filled, axes], "feature")


def _categorical(graph: _Graph, column: Mapping[str, Any], axes: str) -> str | None:
    from onnx import TensorProto

    name = column["name"]
    categories = list(column.get("categories") or [])
    if not categories:
        return None
    matches = [graph.op("RegexFullMatch", [name], "is", pattern=cell_pattern(c)) for c in categories]
    fill = encoder.fill_code(column)
    onehot = encoder.is_onehot(column)
    if onehot and fill >= 0:  # a missing cell is the fill category
        missing = graph.op("RegexFullMatch", [name], "missing", pattern=missing_pattern())
        matches[fill] = graph.op("Or", [matches[fill], missing], "is")
    columns = [graph.op("Unsqueeze", [m, axes], "is") for m in matches]
    stacked = graph.op("Concat", columns, "matches", axis=1) if len(columns) > 1 else columns[0]
    flags = graph.op("Cast", [stacked], "onehot", to=TensorProto.FLOAT)
    if onehot:
        return flags
    # one code: sum of (index - fill) over the (at most one) match, plus fill, so that an
    # unseen or missing cell (no match) is the fill code
    base = max(fill, 0)
    steps = (np.arange(len(categories), dtype=np.float32) - base).reshape(-1, 1)
    code = graph.op("MatMul", [flags, graph.const(steps, "indices")], "code")
    return graph.op("Add", [code, graph.const(np.float32(base), "fill")], "code")


def preprocessing_graph(columns: Sequence[Mapping[str, Any]], encoded: str):
    """``(inputs, nodes, initializers)`` turning the raw column inputs into ``encoded`` (N, F)."""
    from onnx import TensorProto, helper

    graph = _Graph()
    axes = graph.const(np.array([1], np.int64), "axes")
    inputs, parts = [], []
    for column in columns:
        numeric = column.get("type") == encoder.NUMERIC
        inputs.append(helper.make_tensor_value_info(
            column["name"], TensorProto.FLOAT if numeric else TensorProto.STRING, ["batch"]))
        part = _numeric(graph, column, axes) if numeric else _categorical(graph, column, axes)
        if part is not None:
            parts.append(part)
    graph.nodes.append(helper.make_node("Concat", parts, [encoded], name=_OWN_PREFIX + "encoded", axis=1))
    return inputs, graph.nodes, graph.initializers


def raw_model(model, pre: Mapping[str, Any]):
    """The network ``model`` (encoded input) with the column encoding in front of it."""
    import onnx
    from onnx import compose

    columns = list((pre.get("table") or {}).get("columns") or [])
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < MIN_OPSET:
        raise ExportError(f"the raw-columns ONNX model needs opset {MIN_OPSET} or later, the"
                          f" network was exported with opset {opset}")
    net = compose.add_prefix_graph(model.graph, _NET_PREFIX, rename_outputs=False)
    encoded = net.input[0].name
    inputs, nodes, initializers = preprocessing_graph(columns, encoded)
    names = {c["name"] for c in columns}
    taken = {o.name for o in net.output} | {i.name for i in [*net.initializer, *initializers]} | {
        out for node in [*net.node, *nodes] for out in node.output}
    clash = sorted(names & taken)
    if clash:
        raise ExportError(f"column {clash[0]!r} has the name of a tensor of the network, so the"
                          " raw-columns ONNX model cannot take it as an input: rename the column")
    graph = onnx.helper.make_graph(nodes + list(net.node), model.graph.name or "layerforge",
                                   inputs, list(net.output), initializers + list(net.initializer),
                                   value_info=list(net.value_info))
    raw = onnx.helper.make_model(graph, opset_imports=list(model.opset_import),
                                 ir_version=model.ir_version, producer_name=model.producer_name,
                                 producer_version=model.producer_version)
    raw.functions.extend(model.functions)
    raw.doc_string = model.doc_string
    meta = {p.key: p.value for p in model.metadata_props}
    meta.update({"input": ("the CSV's feature columns as they are, one input each, shape (N,):"
                           " numbers float32 (NaN for missing), text as strings"),
                 "input_shape": json.dumps(["batch"]),
                 RAW_INPUTS_KEY: json.dumps(raw_inputs(columns))})
    for key, value in meta.items():
        entry = raw.metadata_props.add()
        entry.key, entry.value = key, value
    return raw


# ---------------------------------------------------------------------- checking
UNSEEN = "(a category never seen in training)"


def check_columns(columns: Sequence[Mapping[str, Any]], x: np.ndarray,
                  messy: int = 16) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Raw columns to check the raw model on: the encoded rows ``x`` decoded back to
    values, then ``messy`` rows with missing cells, infinities, unseen categories, null
    markers and padded text. Returns the ONNX feeds and the same cells as CSV text."""
    rows = len(x)
    feeds: dict[str, np.ndarray] = {}
    start = 0
    for column in columns:
        width = encoder.width(column)
        part = np.asarray(x[:, start:start + width], np.float32)
        start += width
        categories = list(column.get("categories") or [])
        if column.get("type") == encoder.NUMERIC:
            feeds[column["name"]] = part[:, 0].copy()
        elif encoder.is_onehot(column):
            best = part.argmax(axis=1) if width else np.zeros(rows, int)
            known = part.max(axis=1) > 0.5 if width else np.zeros(rows, bool)
            feeds[column["name"]] = np.array([categories[b] if k else UNSEEN
                                              for b, k in zip(best, known)], dtype=object)
        else:
            codes = np.clip(np.rint(part[:, 0]), 0, len(categories) - 1).astype(int)
            feeds[column["name"]] = np.array([categories[c] for c in codes], dtype=object)
    extra = [i % rows for i in range(messy)] if rows else []
    for j, column in enumerate(columns):
        values = list(feeds[column["name"]][extra])
        for k in range(len(values)):
            damage = (k + j) % 4
            if column.get("type") == encoder.NUMERIC:
                values[k] = [values[k], np.nan, np.inf if k % 2 else -np.inf, values[k]][damage]
            else:
                values[k] = [values[k], ("", "NA", " ?")[k % 3], UNSEEN, f" {values[k]}\t"][damage]
        numeric = column.get("type") == encoder.NUMERIC
        feeds[column["name"]] = np.concatenate([feeds[column["name"]],
                                                np.array(values, np.float32 if numeric else object)])
    text = {name: [_as_text(v) for v in values] for name, values in feeds.items()}
    return feeds, text


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    value = float(value)
    return "" if np.isnan(value) else repr(value)
