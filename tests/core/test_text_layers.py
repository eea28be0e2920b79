"""The layers of a text classifier: Embedding sized by the data, masked pooling, the last real
step, positions, the Transformer block with a padding mask, and Permute.

tests/core/test_layers.py runs each of them through the generic round trip (shape rule
against a real forward pass, counts, meta device); here: what the masks compute, by hand.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import torch

from core.build import build
from core.errors import ShapeError
from core.export.codegen import constructor_call, network_class, copied_classes
from core.graph import Edge, Graph, Node
from core.layers import REGISTRY, BuildContext
from core.layers.torch_modules import (LastStep, PaddedTransformerEncoderLayer, Permute,
                                       PositionalEncoding, SequencePool)
from core.shapes import DataShapes, ShapeInference, analyze

L, V = 6, 40


def infer(type_name, inputs, params=None, data=None):
    spec = REGISTRY.get(type_name)
    return spec.infer(list(inputs), spec.effective_params(params or {}), BuildContext("n", data=data))


# ------------------------------------------------------------------ a tiny padded batch
# Two texts of 6 steps, 2 features: the first has 3 real tokens then padding, the second
# has real tokens at steps 0, 1 and 3 (a gap), the third is all padding.
TOKENS = torch.tensor([[4., 9., 2., 0., 0., 0.],
                       [5., 3., 0., 7., 0., 0.],
                       [0., 0., 0., 0., 0., 0.]])
X = torch.tensor([[[1., -1.], [2., -5.], [3., 0.], [100., 100.], [100., 100.], [100., 100.]],
                  [[-1., 1.], [-2., 2.], [50., 50.], [-4., 0.5], [60., 60.], [70., 70.]],
                  [[-9., -9.], [-8., -8.], [-7., -7.], [-6., -6.], [-5., -5.], [-4., -4.]]])


def test_masked_mean_ignores_padded_steps_exactly():
    out = SequencePool("mean")(X, TOKENS)
    expected = torch.tensor([[(1 + 2 + 3) / 3, (-1 - 5 + 0) / 3],
                             [(-1 - 2 - 4) / 3, (1 + 2 + 0.5) / 3],
                             [0., 0.]])
    torch.testing.assert_close(out, expected)


def test_masked_max_ignores_padded_steps_and_gives_zero_for_an_empty_text():
    out = SequencePool("max")(X, TOKENS)
    torch.testing.assert_close(out, torch.tensor([[3., 0.], [-1., 2.], [0., 0.]]))
    assert torch.isfinite(out).all()


def test_pooling_without_token_ids_takes_every_step():
    torch.testing.assert_close(SequencePool("mean")(X), X.mean(dim=1))
    torch.testing.assert_close(SequencePool("max")(X), X.amax(dim=1))


def test_last_step_is_the_last_real_token_and_the_first_step_of_an_empty_text():
    out = LastStep()(X, TOKENS)
    torch.testing.assert_close(out, torch.stack([X[0, 2], X[1, 3], X[2, 0]]))
    torch.testing.assert_close(LastStep()(X), X[:, -1])


def test_masked_layers_pass_gradients_only_to_real_steps():
    x = X.clone().requires_grad_(True)
    (SequencePool("mean")(x, TOKENS).sum() + SequencePool("max")(x, TOKENS).sum()
     + LastStep()(x, TOKENS).sum()).backward()
    assert torch.isfinite(x.grad).all()
    texts = TOKENS[:2]  # the empty third text gives LastStep its first step, by design
    assert (x.grad[:2][texts == 0] == 0).all() and (x.grad[:2][texts != 0] != 0).all()


# ------------------------------------------------------------------ Transformer with a mask
def _encoder(**kw):
    torch.manual_seed(0)
    return PaddedTransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
                                         batch_first=True, **kw)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("grad", [False, True], ids=["inference", "training"])
def test_the_transformer_reads_a_text_the_same_whatever_padding_follows(norm_first, grad):
    layer = _encoder(norm_first=norm_first).eval()
    torch.manual_seed(1)
    tokens = torch.tensor([[3., 8., 5., 0.], [7., 2., 0., 0.]])
    src = torch.randn(2, 4, 8)
    longer_tokens = torch.cat([tokens, torch.zeros(2, 5)], dim=1)
    longer_src = torch.cat([src, torch.randn(2, 5, 8) * 10], dim=1)
    with torch.set_grad_enabled(grad):
        short = layer(src, tokens)
        long = layer(longer_src, longer_tokens)
    real = tokens != 0
    torch.testing.assert_close(long[:, :4][real], short[real], rtol=1e-5, atol=1e-5)
    # ... and without the mask the padding changes what the real tokens see
    with torch.set_grad_enabled(grad):
        unmasked = layer(longer_src)
    assert not torch.allclose(unmasked[:, :4][real], short[real], atol=1e-3)


@pytest.mark.parametrize("grad", [False, True], ids=["inference", "training"])
def test_the_transformer_gives_finite_outputs_for_an_all_padding_text(grad):
    layer = _encoder().eval()
    tokens = torch.tensor([[0., 0., 0.], [4., 0., 0.]])
    with torch.set_grad_enabled(grad):
        out = layer(torch.randn(2, 3, 8), tokens)
    assert torch.isfinite(out).all()


def test_one_input_keeps_torchs_own_transformer_layer():
    spec = REGISTRY.get("TransformerEncoderLayer")
    params = spec.effective_params({"nhead": 2})
    one = spec.build([(5, 8)], params, BuildContext("enc"))
    two = spec.build([(5, 8), (5,)], params, BuildContext("enc"))
    assert type(one) is torch.nn.TransformerEncoderLayer
    assert type(two) is PaddedTransformerEncoderLayer
    assert one.state_dict().keys() == two.state_dict().keys()  # same weights, same names


# ------------------------------------------------------------------ positions and Permute
def test_sinusoidal_positions_are_the_transformers_table_and_have_no_weights():
    layer = PositionalEncoding(d_model=4, max_len=10)
    assert not list(layer.parameters()) and not layer.state_dict()
    out = layer(torch.zeros(1, 3, 4))[0]
    for pos in range(3):
        expected = [np.sin(pos), np.cos(pos), np.sin(pos / 100), np.cos(pos / 100)]
        np.testing.assert_allclose(out[pos].numpy(), expected, rtol=1e-5, atol=1e-6)


def test_learned_positions_are_a_table_of_max_len_rows():
    layer = PositionalEncoding(d_model=3, max_len=9, kind="learned")
    assert layer.position.shape == (9, 3) and layer.position.requires_grad
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(layer(x), x + layer.position[:5])


def test_positional_encoding_sizes():
    assert infer("PositionalEncoding", [(7, 16)]) == (7, 16)
    spec = REGISTRY.get("PositionalEncoding")
    assert spec.count_params([(7, 16)], spec.effective_params({"kind": "learned"}), (7, 16)) == 7 * 16
    assert spec.count_params([(7, 16)], spec.effective_params({"kind": "learned", "max_len": 50}),
                             (7, 16)) == 50 * 16
    with pytest.raises(ShapeError, match="max_len 5 but receives 7 steps.*at least 7"):
        infer("PositionalEncoding", [(7, 16)], {"max_len": 5})


def test_permute_reorders_axes_and_checks_dims():
    assert infer("Permute", [(12, 32)]) == (32, 12)
    assert infer("Permute", [(2, 3, 4)], {"dims": [3, 1, 2]}) == (4, 2, 3)
    x = torch.randn(2, 2, 3, 4)
    torch.testing.assert_close(Permute([3, 1, 2])(x), x.permute(0, 3, 1, 2))
    with pytest.raises(ShapeError, match=r"dims \[2, 1\] but receives \(N, 2, 3, 4\).*each of 1 to 3 once"):
        infer("Permute", [(2, 3, 4)])
    with pytest.raises(ShapeError, match="each of 1 to 2 once"):
        infer("Permute", [(3, 4)], {"dims": [1, 1]})


# ------------------------------------------------------------------ the second input's shape
@pytest.mark.parametrize("type_name", ["SequencePool", "LastStep", "TransformerEncoderLayer"])
def test_the_token_ids_must_be_one_per_step(type_name):
    params = {"nhead": 2} if type_name == "TransformerEncoderLayer" else {}
    out = infer(type_name, [(L, 8), (L,)], params)
    assert out == ((L, 8) if type_name == "TransformerEncoderLayer" else (8,))
    with pytest.raises(ShapeError, match=r"sequence of 6 steps \(N, 6, 8\) but 9 token ids"):
        infer(type_name, [(L, 8), (9,)], params)
    with pytest.raises(ShapeError, match=r"token ids \(N, 6\) as its second input.*receives \(N, 6, 8\)"):
        infer(type_name, [(L, 8), (L, 8)], params)
    with pytest.raises(ShapeError, match=r"token ids \(N, 6\) on its first input.*swap the two wires"):
        infer(type_name, [(L,), (L, 8)], params)  # wired the wrong way round
    with pytest.raises(ShapeError, match="needs a sequence"):
        infer(type_name, [(L,)], params)


# ------------------------------------------------------------------ Embedding follows the data
def test_embedding_takes_its_table_size_from_the_data():
    graph = _embedding_graph({"embedding_dim": 4})
    analysis = analyze(graph, DataShapes(vocab_size=V))
    assert analysis.ready, [p.message for p in analysis.problems]
    assert analysis.shape_of("embed") == (L, 4)
    assert analysis.results["embed"].params == V * 4
    module = build(graph, DataShapes(vocab_size=V), analysis)
    assert module.embed.embedding.num_embeddings == V


def test_embedding_without_text_data_says_what_to_do():
    messages = [p.message for p in analyze(_embedding_graph({}), DataShapes()).errors]
    assert messages == ["Embedding 'embed' takes its number of embeddings from the data's"
                        " vocabulary, and no text is loaded: load data with a text column, or"
                        " set num_embeddings"]


def test_a_hand_set_table_smaller_than_the_vocabulary_is_an_error_naming_both():
    messages = [p.message for p in analyze(_embedding_graph({"num_embeddings": 20}),
                                           DataShapes(vocab_size=V)).errors]
    assert len(messages) == 1
    assert "num_embeddings 20" in messages[0] and f"has {V} token ids" in messages[0]
    assert f"at least {V}" in messages[0]


def test_a_hand_set_table_keeps_working_as_before():
    for data in (DataShapes(), DataShapes(vocab_size=V)):
        analysis = analyze(_embedding_graph({"num_embeddings": 1000, "embedding_dim": 4}), data)
        assert analysis.ready and analysis.results["embed"].params == 4000
    with pytest.raises(ShapeError, match="padding_idx 50, but only 40 embeddings"):
        infer("Embedding", [(L,)], {"padding_idx": 50}, DataShapes(vocab_size=V))


def test_a_reused_shape_inference_sees_new_vocabularies():
    graph, inference = _embedding_graph({"embedding_dim": 4}), ShapeInference()
    assert not inference.analyze(graph, DataShapes()).ready
    assert inference.analyze(graph, DataShapes(vocab_size=V)).results["embed"].params == V * 4
    assert inference.analyze(graph, DataShapes(vocab_size=2 * V)).results["embed"].params == 2 * V * 4


def _embedding_graph(params) -> Graph:
    graph = Graph()
    graph.add_node(Node("text", "Input", {"shape": [L]}))
    graph.add_node(Node("embed", "Embedding", params))
    graph.add_node(Node("pool", "SequencePool", {}))
    graph.add_node(Node("output", "Output", {"units": 2}))
    for edge in (Edge("text", "embed"), Edge("embed", "pool"), Edge("text", "pool", 1),
                 Edge("pool", "output")):
        graph.add_edge(edge)
    return graph


# ------------------------------------------------------------------ a whole text classifier
SEQ = 12


def text_classifier() -> tuple[Graph, DataShapes]:
    """Every new layer in one network: Transformer and Conv1d branches, three poolings."""
    graph = Graph()
    nodes = [("text", "Input", {}), ("embed", "Embedding", {"embedding_dim": 8, "padding_idx": 0}),
             ("pos", "PositionalEncoding", {}),
             ("enc", "TransformerEncoderLayer", {"nhead": 2, "dim_feedforward": 16}),
             ("mean", "SequencePool", {}), ("max", "SequencePool", {"mode": "max"}),
             ("last", "LastStep", {}), ("lpos", "PositionalEncoding", {"kind": "learned", "max_len": 20}),
             ("perm", "Permute", {}), ("conv", "Conv1d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
             ("back", "Permute", {}), ("cpool", "SequencePool", {"mode": "max"}),
             ("cat", "Concat", {}), ("output", "Output", {})]
    for node_id, type_name, params in nodes:
        graph.add_node(Node(node_id, type_name, params))
    wires = [("text", "embed"), ("embed", "pos"), ("pos", "enc"), ("text", "enc", 1),
             ("enc", "mean"), ("text", "mean", 1), ("enc", "max"), ("text", "max", 1),
             ("enc", "last"), ("text", "last", 1), ("embed", "lpos"), ("lpos", "perm"),
             ("perm", "conv"), ("conv", "back"), ("back", "cpool"), ("text", "cpool", 1),
             ("mean", "cat"), ("max", "cat", 1), ("last", "cat", 2), ("cpool", "cat", 3),
             ("cat", "output")]
    for wire in wires:
        graph.add_edge(Edge(*wire))
    return graph, DataShapes(input_shape=(SEQ,), target_shape=(3,), task="classification",
                             class_count=3, vocab_size=V)


def padded_batch() -> torch.Tensor:
    torch.manual_seed(3)
    x = torch.randint(2, V, (4, SEQ)).float()
    x[0, 5:] = 0
    x[1, :] = 0
    x[2, 1:] = 0
    return x


def test_the_text_classifier_builds_and_its_shapes_are_real():
    graph, data = text_classifier()
    analysis = analyze(graph, data)
    assert analysis.ready, [p.message for p in analysis.problems]
    assert analysis.shape_of("cat") == (8 + 8 + 8 + 4,)
    module = build(graph, data, analysis).eval()
    with torch.no_grad():
        out = module(padded_batch())
    assert out.shape == (4, 3) and torch.isfinite(out).all()
    assert analysis.total_params == sum(p.numel() for p in module.parameters())


def test_codegen_rebuilds_each_new_module():
    modules = {
        "SequencePool(mode='max')": SequencePool("max"),
        "LastStep()": LastStep(),
        "PositionalEncoding(d_model=8, max_len=20, kind='learned', dropout=0.1)":
            PositionalEncoding(8, 20, "learned", 0.1),
        "Permute(dims=[2, 1])": Permute([2, 1]),
    }
    for text, module in modules.items():
        assert constructor_call(module, "n") == text
    call = constructor_call(_encoder(norm_first=True), "enc")
    assert call.startswith("PaddedTransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16,")
    assert "norm_first=True" in call


def test_the_standalone_code_of_the_text_classifier_computes_the_same():
    graph, data = text_classifier()
    torch.manual_seed(0)
    module = build(graph, data).eval()
    source, needed = network_class(module, "Net", "text", {}, {})
    assert {"TokenEmbedding", "PositionalEncoding", "PaddedTransformerEncoderLayer",
            "SequencePool", "LastStep", "Permute"} <= set(needed)
    namespace: dict = {}
    text = "import torch\nfrom torch import nn\n\n" + copied_classes(needed) + "\n\n" + source
    exec(compile(text, "model.py", "exec"), namespace)  # noqa: S102 - the code under test
    net = namespace["Net"]()
    net.load_state_dict(module.state_dict(), strict=True)
    x = padded_batch()
    with torch.no_grad():
        torch.testing.assert_close(net.eval()(x), module(x), rtol=1e-5, atol=1e-6)


def test_the_text_classifier_exports_to_onnx_with_its_masks():
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from core.export.onnx_format import OPSET

    graph, data = text_classifier()
    torch.manual_seed(0)
    module = build(graph, data).eval()
    x = padded_batch()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's exporter talks about its own code
        torch.onnx.export(module, (x[:2],), buffer, dynamo=False, opset_version=OPSET,
                          input_names=["input"], output_names=["out"],
                          dynamic_axes={"input": {0: "batch"}, "out": {0: "batch"}})
    onnx.checker.check_model(onnx.load_from_string(buffer.getvalue()), full_check=True)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x.numpy()})[0]  # another batch size, padding included
    with torch.no_grad():
        expected = module(x).numpy()
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
