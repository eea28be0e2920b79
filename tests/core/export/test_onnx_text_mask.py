"""The ONNX model of a text run takes the token ids and an ``attention_mask``.

A program outside LayerForge tokenizes with the run's own tokenizer JSON, pads with 0 and
feeds the mask; it must get ``layerforge predict``'s probabilities, and a mask whose tail
is zeroed must act exactly as padding those positions does.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json

import numpy as np
import pytest

from core.cli import main as cli
from tests.core.export import projects

SENTENCES = ["The blade stays sharp and the handle is comfortable after a year in the kitchen",
             "A gripping story with a weak ending",
             "The hose survived the winter, no rust at all, and the nozzle still sprays",
             "Bluetooth pairing keeps dropping on my laptop every few minutes"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, session_env):
    """The bag-of-embeddings text example trained for two epochs and exported to ONNX."""
    root = tmp_path_factory.mktemp("text-onnx")
    run = projects.train(projects.small_example("text_classifier", root), root / "run", epochs=2)
    path = root / "text.onnx"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert cli(["export", str(run), "--format", "onnx", "--out", str(path)]) == 0
    line = out.getvalue()
    assert line.startswith("onnx: verified") and "inputs: input (token ids) and attention_mask" in line
    return run, path


def _session(path):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _tokenize(pre, texts):
    """Token ids and mask as an outside program makes them from the saved tokenizer JSON."""
    from tokenizers import Tokenizer

    (column,) = [c for c in pre["table"]["columns"] if c["type"] == "text"]
    tokenizer = Tokenizer.from_str(json.dumps(column["tokenizer_json"]))
    length = column["max_length"]
    ids = np.zeros((len(texts), length), np.float32)
    mask = np.zeros((len(texts), length), np.int64)
    for row, text in enumerate(texts):
        tokens = tokenizer.encode(text).ids[:length]
        ids[row, :len(tokens)] = tokens
        mask[row, :len(tokens)] = 1
    return ids, mask


def test_the_onnx_model_takes_token_ids_and_the_mask_and_names_them(exported):
    _run, path = exported
    session = _session(path)
    inputs = session.get_inputs()
    assert [(i.name, i.type) for i in inputs] == [("input", "tensor(float)"),
                                                 ("attention_mask", "tensor(int64)")]
    assert inputs[0].shape == inputs[1].shape  # (batch, max_length), one text column
    meta = session.get_modelmeta().custom_metadata_map
    assert "attention_mask: int64" in meta["input"] and "0 = padding" in meta["input"]


def test_ids_and_mask_from_the_tokenizer_give_layerforge_predicts_probabilities(exported, tmp_path, capsys):
    run, path = exported
    pre = json.loads((run / "preprocessing.json").read_text(encoding="utf-8"))
    data = tmp_path / "sentences.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["text"], *([s] for s in SENTENCES)])
    for model in (run, path):  # the run folder, and the .onnx file fed by predict itself
        out = tmp_path / f"{model.name}.csv"
        assert cli(["predict", str(model), "--data", str(data), "--out", str(out)]) == 0
        capsys.readouterr()
        with open(out, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        expected = np.array([[float(r[f"prob_{c}"]) for c in pre["class_names"]] for r in rows])
        ids, mask = _tokenize(pre, SENTENCES)
        probabilities = _session(path).run(None, {"input": ids, "attention_mask": mask})[0]
        np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)


def test_a_zeroed_mask_tail_acts_exactly_as_padding_those_positions(exported):
    run, path = exported
    pre = json.loads((run / "preprocessing.json").read_text(encoding="utf-8"))
    ids, mask = _tokenize(pre, SENTENCES)
    assert (mask.sum(axis=1) > 4).all()  # every sentence has tokens past the cut
    cut = mask.copy()
    cut[:, 4:] = 0
    padded = np.where(cut == 1, ids, 0).astype(np.float32)
    session = _session(path)
    masked = session.run(None, {"input": ids, "attention_mask": cut})[0]
    as_padding = session.run(None, {"input": padded, "attention_mask": cut})[0]
    full = session.run(None, {"input": ids, "attention_mask": mask})[0]
    np.testing.assert_allclose(masked, as_padding, rtol=0, atol=1e-7)
    assert np.abs(masked - full).max() > 1e-4  # the mask is not ignored


def test_the_mask_pads_only_the_text_positions_of_a_mixed_table():
    """A numeric column, a text column of 3 tokens and a one-hot column: the wrapper zeroes
    the masked token ids and passes every other feature through."""
    import torch

    from core.export.text_inputs import mask_of, masked_module, padded, text_spans

    pre = {"kind": "table", "table": {"columns": [
        {"name": "price", "type": "numeric"},
        {"name": "note", "type": "text", "max_length": 3},
        {"name": "colour", "type": "categorical", "categories": ["blue", "red"]}]}}
    assert text_spans(pre) == [(1, 4)]
    x = np.array([[2.5, 7, 9, 0, 0, 1], [0.0, 5, 6, 8, 1, 0]], np.float32)
    np.testing.assert_array_equal(mask_of(pre, x), [[1, 1, 0], [1, 1, 1]])
    mask = np.array([[1, 0, 0], [1, 1, 0]], np.int64)
    module = masked_module(torch.nn.Identity(), pre)
    out = module(torch.from_numpy(x), torch.from_numpy(mask)).numpy()
    np.testing.assert_array_equal(out, [[2.5, 7, 0, 0, 0, 1], [0.0, 5, 6, 0, 1, 0]])
    np.testing.assert_array_equal(padded(pre, x, mask), out)
