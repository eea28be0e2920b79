"""A long imported network opens in collapsed groups taken from its module hierarchy: a
ResNet-like ``.py`` file and an ONNX file exported from it give one group per residual block."""

from __future__ import annotations

import pytest

from core import groups
from core.graph import Edge, Graph, Node
from core.importers.api import import_model
from core.importers.grouping import LONG, module_path, propose
from core.importers.layout import COLUMN_STEP, ROW_STEP
from core.project import Project
from tests.core.importers import models, resnet_like


def test_module_paths_from_both_exporters_names():
    assert module_path("/layer2/layer2.0/downsample/downsample.0/Conv") == ("layer2", "0", "downsample", "0")
    assert module_path("/layer1/0/conv1/node_conv2d") == ("layer1", "0", "conv1")  # dynamo, renamed
    assert module_path("/fc/Gemm") == ("fc",)
    assert module_path("/Flatten") == () and module_path("node_Conv_0") == ()


def _chain(count: int) -> tuple[Graph, dict[str, str]]:
    ids = ["input"] + [f"r{i}" for i in range(count - 2)] + ["output"]
    graph = Graph()
    graph.replace_all([Node(i, "Input" if i == "input" else "Output" if i == "output" else "ReLU")
                       for i in ids], [Edge(a, b) for a, b in zip(ids, ids[1:])])
    return graph, {i: f"/blocks/blocks.{k // 4}/act{k % 4}/Relu" for k, i in enumerate(ids[1:-1])}


def test_only_a_long_network_gets_groups_at_the_finest_depth_that_stays_short():
    graph, sources = _chain(LONG)
    assert propose(graph, sources) == {}
    graph, sources = _chain(LONG + 10)
    proposed = propose(graph, sources)
    # blocks.N (4 layers each), not "blocks" (everything) nor each layer on its own
    assert set(proposed.values()) == {f"blocks.{k}" for k in range(12)}
    assert proposed["r5"] == "blocks.1" and "input" not in proposed


def _check_resnet(path):
    graph = Project.load(path).graph
    found = {g.name: g for g in groups.groups(graph)}
    assert sorted(found) == resnet_like.BLOCKS
    assert all(g.collapsed for g in found.values())
    for group in found.values():  # each is one piece: in through its input, out through its ReLU
        assert groups.cut_through(graph, group.members) is None
        assert len(groups.boundary(graph, group.members).exits) == 1
    assert len(found["layer2.0"].members) == len(found["layer1.0"].members) + 1  # its downsample
    ungrouped = [n for n in graph.nodes if groups.group_of(graph, n) is None]
    cards = len(ungrouped) + len(found)
    assert len(graph.nodes) > LONG and cards <= 16  # a dozen readable cards
    # laid out as cards: none on another, members kept together under their card's corner
    corners = {name: groups.top_left(graph.nodes[m].pos for m in g.members) for name, g in found.items()}
    spots = [graph.nodes[n].pos for n in ungrouped] + list(corners.values())
    assert not [(a, b) for i, a in enumerate(spots) for b in spots[i + 1:]
                if abs(a[0] - b[0]) < COLUMN_STEP * 0.7 and abs(a[1] - b[1]) < ROW_STEP * 0.65]
    return graph


@pytest.mark.slow
def test_a_resnet_like_python_file_opens_as_its_blocks(tmp_path):
    result = import_model(resnet_like.write(tmp_path), tmp_path / "resnet.lfproj")
    assert result.difference.ok
    _check_resnet(result.project_path)
    assert result.groups == resnet_like.BLOCKS and result.collapsed == 8
    assert "grouped: 8 collapsed groups (layer1.0 ... layer4.1)" in result.lines()[-1]


@pytest.mark.slow
def test_an_onnx_file_exported_from_it_gets_the_same_groups(tmp_path):
    onnx_path = models.to_onnx(resnet_like.module(), (3, 32, 32), tmp_path / "resnet.onnx")
    result = import_model(onnx_path, tmp_path / "resnet.lfproj")
    assert result.difference.ok
    _check_resnet(result.project_path)


@pytest.mark.slow
def test_a_layerforge_design_brings_its_own_groups_back(tmp_path):
    """A file LayerForge exported carries its design (``layerforge.model``): its groups come
    back as they were (open here), instead of groups proposed from the module names."""
    import json

    import onnx

    onnx_path = models.to_onnx(resnet_like.module(), (3, 32, 32), tmp_path / "resnet.onnx")
    first = Project.load(import_model(onnx_path, tmp_path / "first.lfproj").project_path).graph
    stem = ["conv1", "relu"]
    design = {"project": {"graph": {"nodes": [
        {"id": n, "type": first.nodes[n].type,
         **({"group": {"name": "stem", "collapsed": False}} if n in stem else {})}
        for n in first.nodes]}}}
    model = onnx.load(str(onnx_path))
    onnx.helper.set_model_props(model, {"layerforge.model": json.dumps(design)})
    onnx.save(model, str(tmp_path / "design.onnx"))
    result = import_model(tmp_path / "design.onnx", tmp_path / "design.lfproj")
    graph = Project.load(result.project_path).graph
    assert groups.groups(graph) == [groups.Group("stem", tuple(stem), False)]
