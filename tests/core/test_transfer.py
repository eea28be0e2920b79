"""Transfer learning in core: which layers load from a run, and the plan to replace a head."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import GraphError
from core.graph import Edge, Graph, Node
from core.transfer import FRESH, LOADS, backbone, head_replacement, layer_matches, tensor_matches
from tests.core.train import tiny


def test_a_tensor_loads_only_with_the_same_name_and_shape():
    found = tensor_matches({"fc.weight": (4, 3), "fc.bias": (4,), "out.weight": (2, 4)},
                           {"fc.weight": (4, 3), "fc.bias": (5,), "old.weight": (1,)})
    assert found.loaded == ["fc.weight"]
    assert found.mismatched == ["fc.bias (5 in the run, 4 here)", "out.weight (not in the run)"]
    assert found.unused == ["old.weight"]


@pytest.mark.slow
def test_a_new_head_for_other_classes_starts_fresh_and_the_backbone_loads(tmp_path):
    from core.train.setup import prepare

    source = tiny.project(tmp_path, name="Source")
    assert prepare(source, tiny.dataset(source), run_dir=tmp_path / "run").fit().status == "completed"
    four = tiny.project(tmp_path, name="Target", data={"kind": "builtin", "name": "gaussian",
                                                       "samples": 120, "classes": 4, "noise": 0.05,
                                                       "seed": 0})
    matches = {m.node_id: m for m in layer_matches(four, tmp_path / "run")}
    assert set(matches) == {"fc1", "fc2", "output"}  # layers with weights only
    assert matches["fc1"].status == LOADS and matches["fc1"].detail == "all 2 tensors load"
    assert matches["output"].status == FRESH
    assert "3" in matches["output"].detail and "4" in matches["output"].detail  # 3 classes there, 4 here
    assert backbone(matches.values(), four.graph) == ["fc1", "fc2"]  # never the Output
    # the same rule as training's init_from: the loaded layers hold the run's weights
    run = prepare(four, tiny.dataset(four), overrides={"init_from": str(tmp_path / "run"), "epochs": 1},
                  run_dir=tmp_path / "run2")
    assert any("init_from: loaded 4 of 6 tensors" in note for note in run.notes)


def _cnn() -> Graph:
    graph = Graph()
    for node in (Node("input", "Input", pos=(0, 0)), Node("conv", "Conv2d", {"out_channels": 4}, (190, 0)),
                 Node("relu", "ReLU", pos=(380, 0)), Node("flat", "Flatten", pos=(570, 0)),
                 Node("fc", "Linear", {"out_features": 8}, (760, 0)), Node("output", "Output", pos=(950, 0))):
        graph.add_node(node)
    for a, b in (("input", "conv"), ("conv", "relu"), ("relu", "flat"), ("flat", "fc"), ("fc", "output")):
        graph.add_edge(Edge(a, b))
    return graph


def test_the_head_after_the_backbone_is_planned_with_a_flatten_when_needed():
    graph = _cnn()
    shapes = {"relu": (4, 6, 6), "flat": (144,), "conv": (4, 6, 6)}
    plan = head_replacement(graph, ["flat", "fc"], shapes.get)  # the Output goes with them
    assert plan.remove == ["flat", "fc", "output"] and plan.attach_to == "relu" and plan.flatten
    assert plan.position == (950, 0)
    plan = head_replacement(graph, ["fc", "output"], shapes.get)
    assert plan.attach_to == "flat" and not plan.flatten


@pytest.mark.parametrize("selected, words", [
    ([], "select the layers of the old head"),
    (["input", "conv"], "holds an Input"),
    (["relu", "fc"], "2 layers feed it ('conv', 'flat')"),
    (["relu"], "also feeds 'flat'"),
])
def test_a_selection_that_is_not_a_head_gets_a_sentence(selected, words):
    with pytest.raises(GraphError, match=words.replace("(", r"\(").replace(")", r"\)")):
        head_replacement(_cnn(), selected, lambda node_id: None)


FINETUNE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "finetune_glyphs.lfproj"


def test_the_shipped_glyphs_are_what_their_script_draws():
    import numpy as np
    from PIL import Image

    from tests.core.data.make_glyphs import CLASSES, glyphs

    expected = glyphs(20, seed=0)
    folder = FINETUNE.parent.parent / "sample_data" / "glyphs"
    for kind in CLASSES:
        files = sorted((folder / kind).glob("*.png"))
        assert len(files) == 20
        shipped = np.stack([np.asarray(Image.open(f)) for f in files])
        np.testing.assert_array_equal(shipped, expected[kind])


def test_the_finetuning_example_loads_all_but_its_head_from_the_shipped_weights():
    from core.project import Project

    project = Project.load(FINETUNE)
    matches = {m.node_id: m.status for m in layer_matches(project, project.training["init_from"])}
    assert matches == {"conv1": LOADS, "conv2": LOADS, "fc": LOADS, "output": FRESH}
    frozen = [n for n, node in project.graph.nodes.items() if node.extra.get("trainable") is False]
    assert frozen == ["conv1", "conv2", "fc"]
