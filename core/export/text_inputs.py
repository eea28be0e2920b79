"""The ONNX model of a text run takes the token ids and an ``attention_mask``.

A text column is encoded as ``max_length`` token-id features, padded with
:data:`core.data.encoder.PAD_ID` (0); inside the network the padding is where an id is 0
(masked pooling, LastStep, the Transformer encoder's key padding mask). The exported
graph gets a second input, ``attention_mask`` (int64, the token ids' shape with one entry
per token position of the text columns: 1 = a real token, 0 = padding), and first sets
the ids to the padding id where the mask is 0, so the network's own padding handling
follows the mask: a zeroed mask tail gives exactly what padding those positions gives.
Numeric and categorical features of a mixed table pass through unchanged.

The mask covers the text columns' positions only, in feature order (for one text column
it has exactly the token ids' shape); :func:`mask_of` gives the mask a tokenizer's
padding implies, which is what ``layerforge predict model.onnx`` and the verifier feed.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from core.data import encoder

MASK_NAME = "attention_mask"


def text_spans(pre: Mapping[str, Any]) -> list[tuple[int, int]]:
    """``(start, stop)`` of each text column's token ids along the encoded features' last
    axis, in feature order; empty for a run without text columns."""
    if pre.get("kind") not in ("table", "sequence"):
        return []
    spans, start = [], 0
    for column in (pre.get("table") or {}).get("columns") or []:
        stop = start + encoder.width(column)
        if encoder.is_text(column):
            spans.append((start, stop))
        start = stop
    return spans


def has_mask(pre: Mapping[str, Any]) -> bool:
    """Whether the ONNX model of a run with this preprocessing takes ``attention_mask``."""
    return bool(text_spans(pre))


def mask_of(pre: Mapping[str, Any], x: np.ndarray) -> np.ndarray:
    """The ``attention_mask`` for encoded inputs ``x``: 1 where a text position holds a token
    (id not 0), 0 at the padding; int64, ``x``'s shape with the text positions last."""
    parts = [np.asarray(x[..., start:stop]) != encoder.PAD_ID for start, stop in text_spans(pre)]
    return np.concatenate(parts, axis=-1).astype(np.int64)


def feeds(session, pre: Mapping[str, Any], x: np.ndarray,
          mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The ONNX Runtime inputs of ``session`` for encoded inputs ``x`` (float32); the
    ``attention_mask`` (``mask``, else the one :func:`mask_of` gives) when it takes one."""
    names = [i.name for i in session.get_inputs()]
    x = np.ascontiguousarray(x, np.float32)
    out = {names[0]: x}
    if MASK_NAME in names:
        out[MASK_NAME] = np.ascontiguousarray(mask_of(pre, x) if mask is None else mask, np.int64)
    return out


def padded(pre: Mapping[str, Any], x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``x`` with the token ids set to the padding id where ``mask`` is 0: what the exported
    graph does first, in numpy (the reference the mask is checked against)."""
    x = np.array(x, np.float32, copy=True)
    offset = 0
    for start, stop in text_spans(pre):
        ids = x[..., start:stop]
        ids[np.asarray(mask[..., offset:offset + stop - start]) == 0] = encoder.PAD_ID
        offset += stop - start
    return x


def tail_zeroed(mask: np.ndarray) -> np.ndarray:
    """``mask`` with the last half of its positions set to 0 (padding)."""
    mask = np.array(mask, copy=True)
    mask[..., mask.shape[-1] // 2:] = 0
    return mask


def verify_mask(trained, session, x: np.ndarray):
    """The ONNX model on ``x`` with a zeroed mask tail, against the in-app model on ``x``
    padded at those positions: the mask must act exactly as padding does."""
    from core.export.verify import compare_outputs, runtime_outputs

    pre = trained.preprocessing
    mask = tail_zeroed(mask_of(pre, x))
    actual = runtime_outputs(session.run(None, feeds(session, pre, x, mask)))
    return compare_outputs(trained, [padded(pre, x, mask)], [actual])


def masked_module(network, pre: Mapping[str, Any]):
    """``network`` behind a module taking ``(input, attention_mask)`` that sets the token
    ids to the padding id where the mask is 0 (see the module docstring)."""
    import torch

    spans = text_spans(pre)

    class MaskedTokens(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input, attention_mask):  # noqa: A002 - the ONNX input's name
            keep = attention_mask != 0
            parts, done, offset = [], 0, 0
            for start, stop in spans:
                if start > done:
                    parts.append(input[..., done:start])
                ids = input[..., start:stop]
                parts.append(torch.where(keep[..., offset:offset + stop - start], ids,
                                         torch.zeros_like(ids)))
                offset += stop - start
                done = stop
            if done < input.shape[-1]:
                parts.append(input[..., done:])
            return self.network(torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0])

    return MaskedTokens().eval()


def input_words(pre: Mapping[str, Any]) -> str:
    """The ONNX metadata's ``input`` for a text run: both inputs, by name."""
    spans = text_spans(pre)
    positions = sum(stop - start for start, stop in spans)
    others = int((pre.get("input_shape") or [0])[-1]) - positions
    besides = (f"; its other {others} features (numbers, categories) pass unchanged" if others > 0
               else "")
    return (f"input: float32 token ids in feature_names order (0 = padding, 1 = unknown word),"
            f" unscaled{besides}; {MASK_NAME}: int64, one entry per token position of the"
            f" text columns ({positions} in feature order), 1 = a real token, 0 = padding (the"
            f" id is then read as padding)")


def export_note(pre: Mapping[str, Any]) -> str:
    """The export line's note naming the inputs."""
    positions = sum(stop - start for start, stop in text_spans(pre))
    return f"inputs: input (token ids) and {MASK_NAME} (int64, {positions} positions, 1 = token, 0 = padding)"


def example_mask(pre: Mapping[str, Any], example) -> Any:
    """A mask for the example batch the exporters trace (from its own padding)."""
    import torch

    return torch.from_numpy(mask_of(pre, example.numpy()))


def export(network, example, trained):
    """``(model, exporter)``: ``network`` behind :func:`masked_module`, exported with two
    inputs (``input``, ``attention_mask``) and a dynamic batch dimension. The TorchScript-based
    exporter first, kept only when ONNX Runtime reproduces the module on the example with its
    own mask and with a zeroed mask tail; else ``torch.export`` (dynamo)."""
    import io

    import onnx
    import torch

    from core.errors import ExportError
    from core.export import onnx_format as fmt

    module = masked_module(network, trained.preprocessing)
    args = (example, example_mask(trained.preprocessing, example))
    names = [fmt.INPUT_NAME, MASK_NAME]
    outs = fmt.output_names(trained)  # one, or every head's
    try:
        buffer = io.BytesIO()
        with fmt.quiet_torch_export():
            torch.onnx.export(module, args, buffer, dynamo=False, opset_version=fmt.OPSET,
                              input_names=names, output_names=outs,
                              dynamic_axes={n: {0: "batch"} for n in names + outs})
        model = onnx.load_from_string(buffer.getvalue())
        onnx.checker.check_model(model, full_check=True)
        if _reproduces(model, module, args):
            return model, "TorchScript-based"
    except Exception:  # noqa: BLE001 - any failure of the fast path means: use dynamo
        pass
    batch = torch.export.Dim("batch", min=1)
    try:
        with fmt.quiet_torch_export():
            program = torch.onnx.export(module, args, dynamo=True, external_data=False,
                                        dynamic_shapes=({0: batch}, {0: batch}),
                                        opset_version=fmt.OPSET, input_names=names,
                                        output_names=outs, verbose=False, optimize=True)
    except Exception as err:  # noqa: BLE001 - the exporter raises many kinds
        raise ExportError(f"PyTorch could not convert this network to ONNX"
                          f" ({type(err).__name__}: {fmt._first_line(err)})") from None
    return program.model_proto, "torch.export (dynamo)"


def _reproduces(model, module, args) -> bool:
    """ONNX Runtime gives the module's outputs on the example with its own mask, with a
    zeroed mask tail, and on a batch of another size (the batch dimension is dynamic)."""
    import torch

    from core.export.onnx_format import runtime_reproduces

    x, mask = args
    return runtime_reproduces(model, module, [
        (x, mask), (x, torch.from_numpy(tail_zeroed(mask.numpy()))),
        (torch.cat([x, x[:1]]), torch.cat([mask, mask[:1]]))])