"""The attribution methods' registry: names, aliases, what fits which run."""

from __future__ import annotations

import pytest

from core.errors import UnknownNameError
from core.explain import METHODS, ExplainError, SpatialLayer, cli_names, method
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
    assert [layer.node_id for layer in image.spatial_layers] == ["conv"]  # not the Identity, not the ReLU
    assert method("gradcam").applies(image) and method("ig").applies(table)


def test_the_layer_choice_names_the_known_layers():
    facts = ModelFacts("image", "classification", [], [], [], [],
                       [SpatialLayer("c1", "Conv2d", (4, 8, 8)), SpatialLayer("c2", "Conv2d", (4, 4, 4))])
    assert facts.layer(None).node_id == "c2"  # the last convolution
    assert facts.layer("c1").node_id == "c1"
    with pytest.raises(Exception, match=r"no convolution layer 'fc' .* choose one of 'c1', 'c2'"):
        facts.layer("fc")


@pytest.mark.parametrize("example, convolutions", [("lenet_shapes", ["conv1", "conv2"]),
                                                  ("residual_cnn", ["stem", "conv_a", "conv_b"])])
def test_grad_cam_offers_only_the_convolutions_of_the_examples(example, convolutions):
    """Pooling, ReLU, BatchNorm and Add layers also give 2-D maps, but are not offered."""
    import json

    from core.explain.facts import facts_from
    from tests.conftest import EXAMPLES

    project = json.loads((EXAMPLES / f"{example}.lfproj").read_text(encoding="utf-8"))
    info = {"input_shape": [1, 28, 28], "task": "classification", "class_names": ["a", "b", "c"],
            "target_names": ["class"], "feature_names": [], "feature_columns": [], "vocab_size": 0}
    if example == "residual_cnn":
        info["input_shape"] = [3, 32, 32]
    facts = facts_from({"project": project, "data": {"info": info}}, {"kind": "image"})
    assert [layer.node_id for layer in facts.spatial_layers] == convolutions
    assert facts.default_layer == convolutions[-1]
    with pytest.raises(ExplainError, match=r"no convolution layer 'pool1' for Grad-CAM"):
        facts.layer("pool1")


def test_a_gan_run_is_refused_in_one_sentence():
    import json

    from core.explain.facts import facts_from
    from tests.conftest import EXAMPLES

    project = json.loads((EXAMPLES / "gan_digits.lfproj").read_text(encoding="utf-8"))
    with pytest.raises(ExplainError, match=r"^gan-run is a GAN, .* layerforge generate"):
        facts_from({"project": project, "data": {"info": {"input_shape": [1, 8, 8]}}}, {}, "gan-run")


def test_steps_can_be_changed_within_bounds():
    ig = method("ig")
    assert ig.settings({"steps": 200})["steps"] == 200 and ig.repeats({"steps": 200}) == 200
    assert method("saliency").repeats() == 1 and method("smoothgrad").repeats() == 16
    with pytest.raises(ExplainError, match=r"steps must be a whole number from 1 to 5000, got 0"):
        ig.settings({"steps": 0})
    with pytest.raises(ExplainError, match=r"has no option 'stepz': it takes steps"):
        ig.settings({"stepz": 3})
