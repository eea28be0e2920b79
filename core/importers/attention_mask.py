"""An ONNX model that takes token ids and an ``attention_mask`` (a LayerForge text export,
``core.export.text_inputs``), imported as a network of the ids alone.

The mask's only work in such a model is a prelude that sets the ids to the padding id (0)
where the mask is 0; the network itself reads padding from the ids. With the mask every
reader gives (1 where a token is, :func:`core.export.text_inputs.mask_of`) that prelude
changes nothing, so the import cuts it out: every node that depends on the mask goes, the
one tensor it handed on to the network is replaced by the ids, and nodes left unused go too.
A model whose mask reaches the network in more than one place is left as it is (and then
refused for its two inputs, with the existing sentence).
"""

from __future__ import annotations

MASK_NAME = "attention_mask"


def drop_attention_mask(model) -> bool:
    """Cut the mask prelude out of ``model`` (an ``onnx.ModelProto``, changed in place);
    whether it did."""
    import onnx

    graph = model.graph
    initializers = {init.name for init in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    if len(inputs) != 2 or MASK_NAME not in [i.name for i in inputs]:
        return False
    ids = next(i for i in inputs if i.name != MASK_NAME)
    outputs = {out.name for out in graph.output}
    types = {info.name: info.type.tensor_type for info in
             onnx.shape_inference.infer_shapes(model).graph.value_info}
    prelude_out = next((name for name in _tainted(graph.node, None)
                        if _same_tensor(types.get(name), ids.type.tensor_type)
                        and not outputs & set(_tainted(graph.node, name))), None)
    if prelude_out is None:
        return False
    prelude = set(_tainted(graph.node, prelude_out)) | {prelude_out}
    kept = []
    for node in graph.node:
        if not prelude & set(node.output):
            kept.append(type(node)())
            kept[-1].CopyFrom(node)  # copies: clearing graph.node would empty the originals
            for position, name in enumerate(node.input):
                if name == prelude_out:
                    kept[-1].input[position] = ids.name
    del graph.node[:]
    graph.node.extend(_without_unused(kept, outputs))
    graph.input.remove(next(i for i in graph.input if i.name == MASK_NAME))
    return True


def _tainted(nodes, clean: str | None) -> dict[str, None]:
    """The tensors that depend on the mask, in graph order, when ``clean`` is taken not to
    (ONNX nodes come in topological order)."""
    tainted = {MASK_NAME: None}
    for node in nodes:
        if any(name in tainted and name != clean for name in node.input):
            tainted.update(dict.fromkeys(node.output))
    del tainted[MASK_NAME]
    return tainted


def _same_tensor(found, ids) -> bool:
    """Whether an inferred tensor type has the ids' element type and dimensions."""
    if found is None or found.elem_type != ids.elem_type or len(found.shape.dim) != len(ids.shape.dim):
        return False
    return all(a.dim_value == b.dim_value if b.HasField("dim_value") else not a.HasField("dim_value")
               for a, b in zip(found.shape.dim, ids.shape.dim))


def _without_unused(nodes: list, needed: set[str]) -> list:
    """``nodes`` less those none of whose outputs is read (walking back from the outputs)."""
    needed = set(needed)
    kept = []
    for node in reversed(nodes):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(node.input)
    return list(reversed(kept))
