"""The attribution methods' registry: names, aliases, what fits which run."""

from __future__ import annotations

import pytest

from core.errors import UnknownNameError
from core.explain import METHODS, SpatialLayer, cli_names, method
from core.explain.facts import ModelFacts, run_facts


def test_every_method_has_words_and_a_computation():
    assert cli_names() == ["saliency", "ig", "smoothgrad", "gradcam"]
    for spec in METHODS:
        assert spec.title and spec.doc.endswith(".")
        assert callable(spec.function())


def test_aliases_and_full_names_find_the_same_method():
    assert method("ig") is method("integrated_gradients") is METHODS.get("integrated_gradients")
    assert method("gradcam").needs_layer


def test_an_unknown_method_is_one_sentence_with_the_nearest_name():
    with pytest.raises(UnknownNameError, match=r"unknown attribution method 'smoothgrd': did you mean 'smoothgrad'\?"):
        method("smoothgrd")


def test_grad_cam_fits_only_convolutional_networks(table_run, image_run):
    table, image = run_facts(table_run), run_facts(image_run)
    assert table.kind == "table" and table.columns == ["a", "b", "colour", "city"]
    assert "convolutional" in method("gradcam").problem(table)
    assert image.kind == "image" and image.default_layer == "conv"
    assert [layer.node_id for layer in image.spatial_layers] == ["mask", "conv", "act"]
    assert method("gradcam").applies(image) and method("ig").applies(table)


def test_the_layer_choice_names_the_known_layers():
    facts = ModelFacts("image", "classification", [], [], [], [],
                       [SpatialLayer("c1", "Conv2d", (4, 8, 8)), SpatialLayer("r1", "ReLU", (4, 8, 8))])
    assert facts.layer(None).node_id == "c1"
    with pytest.raises(Exception, match=r"no layer 'fc' .* choose one of 'c1', 'r1'"):
        facts.layer("fc")
